import { describe, expect, it } from 'vitest';
import { queryVillages, rankVillages } from '../../src/inventory/search.js';
import { loadVillages } from '../../src/inventory/villages.js';

const ref = loadVillages();

describe('village reference', () => {
  it('has 31 districts and 248 villages with coordinates in Jember', () => {
    expect(ref.districts.length).toBe(31);
    expect(ref.villages.length).toBe(248);
    for (const v of ref.villages) {
      expect(v.lat).toBeGreaterThan(-8.7);
      expect(v.lat).toBeLessThan(-7.9);
      expect(v.lon).toBeGreaterThan(113.2);
      expect(v.lon).toBeLessThan(114.1);
    }
  });
});

describe('rankVillages (what the wizard shows as you type)', () => {
  it.each([
    ['Rambipuji', '35.09.13.2006'],
    ['rambip', '35.09.13.2006'],
    ['kasiyan timur', '35.09.08.2008'],
    ['kasiyan timr', '35.09.08.2008'],
    ['KASIYAN', '35.09.08.2006'],
    ['35.09.13.20', '35.09.13.2001'],
    ['curahmalnag', '35.09.13.2002'],
  ])('%s → first %s', (term, code) => {
    expect(rankVillages(ref, term)[0]?.code).toBe(code);
  });
  it('a district name lists its villages', () => {
    const got = rankVillages(ref, 'Sumberbaru', 50).map((v) => v.districtCode);
    expect(got.filter((c) => c === '35.09.03').length).toBe(10);
  });
  it('nothing for gibberish', () => expect(rankVillages(ref, 'qqqqzzzz')).toEqual([]));
});

describe('queryVillages (jfleet villages QUERY)', () => {
  it('no query: the districts', () => expect(queryVillages(ref, undefined)).toMatchObject({ kind: 'districts' }));
  it('district by name, any case', () => {
    const r = queryVillages(ref, 'rambipuji');
    expect(r.kind).toBe('district');
    if (r.kind === 'district') expect(r.villages.length).toBe(8);
  });
  it('district with a typo', () => expect(queryVillages(ref, 'sumberbaro')).toMatchObject({ kind: 'district', district: { code: '35.09.03' } }));
  it('district by code', () => expect(queryVillages(ref, '35.09.13')).toMatchObject({ kind: 'district', district: { name: 'Rambipuji' } }));
  it('village by code', () => {
    const r = queryVillages(ref, '35.09.13.2006');
    expect(r.kind === 'villages' && r.villages.map((v) => v.name)).toEqual(['Rambipuji']);
  });
});
