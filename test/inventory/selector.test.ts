import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseInventory } from '../../src/inventory/load.js';
import { selectPackages } from '../../src/inventory/selector.js';
import { loadVillages } from '../../src/inventory/villages.js';
import { InputError } from '../../src/errors.js';
import { at } from '../helpers/at.js';

const dir = new URL('../fixtures/inventory/selectors/', import.meta.url);
const ref = loadVillages();
const inv = parseInventory(readFileSync(new URL('packages.yaml', dir), 'utf8'), 'packages.yaml', ref);
const table = JSON.parse(readFileSync(new URL('cases.json', dir), 'utf8')) as {
  failed: string[];
  cases: Array<{ selector: string | null; expect?: string[] | 'ALL'; error?: string; why?: string }>;
};

describe('selector fixture', () => {
  it('is a valid inventory', () => {
    expect(inv.issues).toEqual([]);
    expect(inv.packages.length).toBe(8);
  });
});

describe('selectPackages', () => {
  for (const c of table.cases) {
    const name = `${JSON.stringify(c.selector)}${c.why ? ` (${c.why})` : ''}`;
    if (c.error !== undefined) {
      it(`${name} → error ${c.error}`, () => {
        let caught: unknown;
        try {
          selectPackages(inv.packages, ref, c.selector ?? undefined, { failed: table.failed });
        } catch (e) {
          caught = e;
        }
        expect(caught).toBeInstanceOf(InputError);
        const err = caught as InputError;
        expect(at(err.issues, 0).field).toBe('--limit');
        expect(err.message).toContain(c.error);
        expect(err.exitCode).toBe(2);
      });
    } else {
      it(`${name} → ${Array.isArray(c.expect) ? c.expect.join(',') || '(none)' : c.expect}`, () => {
        const got = selectPackages(inv.packages, ref, c.selector ?? undefined, { failed: table.failed }).map((p) => p.id);
        const want = c.expect === 'ALL' ? inv.packages.map((p) => p.id) : c.expect;
        expect(got).toEqual(want);
      });
    }
  }

  it('@failed with no recorded failures selects nothing', () => {
    expect(selectPackages(inv.packages, ref, '@failed')).toEqual([]);
  });
  it('keeps inventory order and never mutates its input', () => {
    const before = JSON.stringify(inv.packages);
    const got = selectPackages(inv.packages, ref, 'Puger,Rambipuji').map((p) => p.id);
    expect(got).toEqual(['rambipuji-1', 'rambipuji-2', 'curahmalang-1', 'kasiyan-timur-1']);
    expect(JSON.stringify(inv.packages)).toBe(before);
  });
});
