/**
 * Jember's 31 districts (kecamatan) and 248 villages (desa/kelurahan) with Kemendagri codes
 * and coordinates: the reference every package is registered against. Parsing is pure;
 * loadVillages reads the shipped CSV once.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface Village {
  code: string; // 35.09.13.2006
  name: string;
  kind: 'desa' | 'kelurahan';
  districtCode: string; // 35.09.13
  district: string;
  lat: number;
  lon: number;
}

export interface District {
  code: string;
  name: string;
  villages: Village[];
}

export interface VillageReference {
  villages: Village[];
  byCode: Map<string, Village>;
  districts: District[];
  districtByCode: Map<string, District>;
}

export const REFERENCE_DIR = fileURLToPath(new URL('../../inventories/reference/', import.meta.url));
export const VILLAGES_CSV = REFERENCE_DIR + 'jember-villages.csv';
export const DISTRICTS_GEOJSON = REFERENCE_DIR + 'jember-districts.geojson';

export function parseVillagesCsv(text: string): VillageReference {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const header = lines.shift()?.split(',') ?? [];
  const col = (n: string) => {
    const i = header.indexOf(n);
    if (i < 0) throw new Error(`villages reference: missing column ${n}`);
    return i;
  };
  const [dc, d, vc, v, k, la, lo] = [col('district_code'), col('district'), col('village_code'), col('village'), col('kind'), col('lat'), col('lon')];
  const villages: Village[] = lines.map((line) => {
    const f = line.split(',');
    return {
      code: f[vc] ?? '',
      name: f[v] ?? '',
      kind: f[k] === 'kelurahan' ? 'kelurahan' : 'desa',
      districtCode: f[dc] ?? '',
      district: f[d] ?? '',
      lat: Number(f[la]),
      lon: Number(f[lo]),
    };
  });
  const byCode = new Map(villages.map((x) => [x.code, x]));
  const districtByCode = new Map<string, District>();
  for (const x of villages) {
    let dd = districtByCode.get(x.districtCode);
    if (!dd) districtByCode.set(x.districtCode, (dd = { code: x.districtCode, name: x.district, villages: [] }));
    dd.villages.push(x);
  }
  return { villages, byCode, districts: [...districtByCode.values()], districtByCode };
}

let cached: VillageReference | undefined;
export function loadVillages(): VillageReference {
  cached ??= parseVillagesCsv(readFileSync(VILLAGES_CSV, 'utf8'));
  return cached;
}
