import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseRegistrationCsv } from '../../src/inventory/csv.js';
import { parseInventory } from '../../src/inventory/load.js';
import type { Bastion } from '../../src/inventory/bastions.js';
import { flagLabel, generateId, planRegistrations, reachOf, resolveVillage } from '../../src/inventory/register-plan.js';
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

describe('reachOf: how a registered package is reached', () => {
  const b = (id: string) => ({ id }) as Bastion;
  const one = { file: 'bastions.yaml', list: [b('bastion-jember')] };
  const two = { file: 'bastions.yaml', list: [b('bastion-jember'), b('bastion-puger')] };
  const none = { file: 'bastions.yaml', list: null };
  it.each([
    ['nothing said: direct', {}, one, { issues: [] }],
    ['direct', { reach: 'direct' }, one, { issues: [] }],
    ['a bastion alone means tunnel', { bastion: 'bastion-puger' }, two, { bastion: 'bastion-puger', issues: [] }],
    ['tunnel takes the only bastion', { reach: 'tunnel' }, one, { bastion: 'bastion-jember', issues: [] }],
    ['Tunnel, as a spreadsheet capitalises it', { reach: 'Tunnel', bastion: 'bastion-jember' }, one, { bastion: 'bastion-jember', issues: [] }],
    [
      'tunnel with several bastions',
      { reach: 'tunnel' },
      two,
      { issues: [['bastion', 'reach: tunnel needs a bastion: bastions.yaml defines several (bastion-jember, bastion-puger); name one']] },
    ],
    [
      'tunnel, no bastions.yaml',
      { reach: 'tunnel' },
      none,
      { issues: [['bastion', 'reach: tunnel needs a bastion, and bastions.yaml does not exist (docs/reach.md)']] },
    ],
    [
      'an unknown bastion',
      { bastion: 'bastion-x' },
      two,
      { issues: [['bastion', 'unknown bastion "bastion-x" (bastions.yaml defines: bastion-jember, bastion-puger)']] },
    ],
    [
      'a bastion on a direct package',
      { reach: 'direct', bastion: 'bastion-jember' },
      one,
      { issues: [['bastion', 'bastion is used only with reach: tunnel']] },
    ],
    [
      'a jump host on a tunnelled package',
      { bastion: 'bastion-jember', jump: 'gw.example' },
      one,
      { issues: [['jump', 'a tunnelled package is reached through its bastion, not a jump host: remove jump or set reach: direct']] },
    ],
    ['neither direct nor tunnel', { reach: 'vpn' }, one, { issues: [['reach', 'must be direct or tunnel']] }],
  ])('%s', (_name, values, bastions, want) => {
    expect(reachOf(values, bastions)).toEqual(want);
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
