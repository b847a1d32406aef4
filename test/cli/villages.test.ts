import { describe, expect, it } from 'vitest';
import { jfleet } from '../helpers/cli.js';

describe('jfleet villages', () => {
  it('without a query lists the 31 districts', async () => {
    const r = await jfleet(['villages']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^CODE\s+DISTRICT\s+VILLAGES\n35\.09\.01\s+Jombang\s+6\n/);
    expect(r.stdout).toContain('31 districts, 248 villages');
  });
  it('finds a village by name despite case and a typo', async () => {
    const r = await jfleet(['villages', 'KASIYAN TIMR', '--json']);
    expect(r.exitCode).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out[0]).toEqual({
      code: '35.09.08.2008',
      name: 'Kasiyan Timur',
      kind: 'desa',
      district: 'Puger',
      districtCode: '35.09.08',
      coordinates: { lat: expect.any(Number), lon: expect.any(Number) },
    });
    expect(out[0].coordinates.lat).toBeCloseTo(-8.3174, 3);
  });
  it('lists a district by name or code', async () => {
    const byName = await jfleet(['villages', 'rambipuji']);
    expect(byName.stdout.split('\n')[0]).toBe('District Rambipuji (35.09.13): 8 villages');
    const byCode = await jfleet(['villages', '35.09.13', '--json']);
    expect(JSON.parse(byCode.stdout).map((v: { code: string }) => v.code.slice(0, 8))).toEqual(Array(8).fill('35.09.13'));
  });
  it('finds one village by code', async () => {
    const r = await jfleet(['villages', '35.09.13.2006']);
    expect(r.stdout).toMatch(/35\.09\.13\.2006\s+Rambipuji\s+desa\s+Rambipuji\s+-8\.21125\s+113\.60454/);
  });
  it('says so when nothing matches', async () => {
    const r = await jfleet(['villages', 'qqqzzzxx', '--json']);
    expect(r).toMatchObject({ exitCode: 0, stdout: '[]\n' });
  });
});
