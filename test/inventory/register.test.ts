import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseRegistrationCsv } from '../../src/inventory/csv.js';
import { parseInventory } from '../../src/inventory/load.js';
import { flagLabel, generateId, planRegistrations, resolveVillage } from '../../src/inventory/register-plan.js';
import { loadVillages } from '../../src/inventory/villages.js';
import { at } from '../helpers/at.js';

const dir = new URL('../fixtures/inventory/csv/', import.meta.url);
const ref = loadVillages();
const now = new Date('2026-06-01T00:00:00Z');
const existing = parseInventory(readFileSync(new URL('existing.yaml', dir), 'utf8'), 'existing.yaml', ref);

interface Expect {
  added: string[];
  unchanged: string[];
  issues: Array<{ line: number; field?: string; message: string }>;
}

describe('CSV import planning (fixtures: <name>.csv + <name>.expect.json, on top of existing.yaml)', () => {
  it('the existing inventory is valid', () => expect(existing.issues).toEqual([]));
  for (const name of readdirSync(dir)
    .filter((f) => f.endsWith('.csv'))
    .sort()) {
    const want = JSON.parse(readFileSync(new URL(name.replace(/\.csv$/, '.expect.json'), dir), 'utf8')) as Expect;
    it(name, () => {
      const csv = parseRegistrationCsv(readFileSync(new URL(name, dir), 'utf8'), name);
      const plan = planRegistrations(existing.packages, csv.rows, { ref, now, file: name });
      const issues = [...csv.issues, ...plan.issues].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
      expect(issues.length).toBe(want.issues.length);
      want.issues.forEach((w, i) => {
        expect(at(issues, i).file).toBe(name);
        expect(at(issues, i).line).toBe(w.line);
        if (w.field !== undefined) expect(at(issues, i).field).toBe(w.field);
        expect(at(issues, i).message).toContain(w.message);
      });
      expect(plan.outcomes.filter((o) => o.status === 'add').map((o) => o.pkg!.id)).toEqual(want.added);
      expect(plan.outcomes.filter((o) => o.status === 'unchanged').map((o) => o.existingId)).toEqual(want.unchanged);
    });
  }
});

describe('planRegistrations', () => {
  it('names flags as flags', () => {
    const plan = planRegistrations(existing.packages, [{ values: { village: '35.09.13.2006', address: 'bad address' } }], { ref, now, label: flagLabel });
    expect(plan.issues).toEqual([{ file: undefined, line: undefined, field: '--address', message: 'must be an IP address or an RFC 1123 host name' }]);
  });
  it('stamps registeredAt with the clock and fills defaults', () => {
    const plan = planRegistrations([], [{ values: { village: '35.09.13.2006', address: '127.0.0.5' } }], { ref, now });
    expect(plan.packages[0]).toMatchObject({ id: 'rambipuji-1', port: 22, user: 'root', tags: [], registeredAt: '2026-06-01T00:00:00.000Z' });
  });
  it('keeps custodian contact when given', () => {
    const plan = planRegistrations(
      [],
      [{ values: { village: '35.09.13.2006', address: '127.0.0.5', custodian_name: 'Bu Siti', custodian_phone: '+62 812 1111' } }],
      { ref, now },
    );
    expect(at(plan.packages, 0).custodian).toEqual({ name: 'Bu Siti', phone: '+62 812 1111' });
  });
});

describe('villages and ids', () => {
  it.each([
    ['35.09.13.2006', '35.09.13.2006'],
    ['Rambipuji', '35.09.13.2006'],
    ['kasiyan timur', '35.09.08.2008'],
    ['Sidomulyo Silo', '35.09.30.2009'],
  ])('resolveVillage(%s) = %s', (input, code) => {
    expect(resolveVillage(ref, input).village?.code).toBe(code);
  });
  it.each([
    ['35.09.13.9999', 'unknown village code'],
    ['Sidomulyo', 'ambiguous'],
    ['Rambipujj', 'did you mean Rambipuji'],
    ['35.9', 'not a Kemendagri village code'],
  ])('resolveVillage(%s) fails: %s', (input, msg) => {
    expect(resolveVillage(ref, input).message).toContain(msg);
  });
  it('generates the next free id, qualified by district when the village name is shared', () => {
    expect(generateId(ref, ref.byCode.get('35.09.13.2006')!, new Set(['rambipuji-1', 'rambipuji-3']))).toBe('rambipuji-2');
    expect(generateId(ref, ref.byCode.get('35.09.30.2009')!, new Set())).toBe('silo-sidomulyo-1');
    expect(generateId(ref, ref.byCode.get('35.09.08.2008')!, new Set())).toBe('kasiyan-timur-1');
  });
});
