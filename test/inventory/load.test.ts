import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseInventory } from '../../src/inventory/load.js';
import { loadVillages } from '../../src/inventory/villages.js';
import { at } from '../helpers/at.js';

// Each fixture's first line says what loading it must report:
//   "# expect: ok"  or  "# expect: LINE FIELD MESSAGE-PART"  (FIELD "-" when the issue has none)
const dir = new URL('../fixtures/inventory/yaml/', import.meta.url);
const ref = loadVillages();

describe('parseInventory (fixtures)', () => {
  for (const name of readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    const text = readFileSync(new URL(name, dir), 'utf8');
    const m = /^# expect: (.*)$/m.exec(text);
    if (!m) throw new Error(`${name}: no "# expect:" line`);
    const expectation = at(m, 1).trim();
    it(`${name}: ${expectation}`, () => {
      const r = parseInventory(text, name, ref);
      if (expectation === 'ok') {
        expect(r.issues).toEqual([]);
        return;
      }
      const [line, field, ...msg] = expectation.split(' ');
      expect(r.issues.length).toBeGreaterThanOrEqual(1);
      const first = at(r.issues, 0);
      expect(first.file).toBe(name);
      expect(first.line).toBe(Number(line));
      expect(first.field).toBe(field === '-' ? undefined : field);
      expect(first.message).toContain(msg.join(' '));
    });
  }

  it('normalises MAC addresses and applies defaults', () => {
    const r = parseInventory(readFileSync(new URL('valid-full.yaml', dir), 'utf8'), 'x.yaml', ref);
    expect(at(r.packages, 0).hardware.mac).toBe('00:11:22:33:44:aa');
    expect(at(r.packages, 1).port).toBe(22);
    expect(at(r.packages, 1).user).toBe('root');
    expect(at(r.packages, 1).tags).toEqual([]);
  });
});

describe('parseInventory: YAML tags', () => {
  it('an unknown tag is a located issue, not a warning the YAML library prints on stderr', () => {
    const ref = loadVillages();
    const r = parseInventory('packages:\n  - !js/function x\n', '/inv/packages.yaml', ref);
    expect(r.packages).toEqual([]);
    expect(r.issues[0]).toMatchObject({ file: '/inv/packages.yaml', line: 2 });
    expect(r.issues[0]?.message).toMatch(/^YAML: Unresolved tag: !js\/function/);
  });
});
