/**
 * Finding villages by what a technician types: a code or code prefix, a district name, or a
 * village name with typos. Pure.
 */
import { distance } from 'fastest-levenshtein';
import { normalizeName } from './selector.js';
import type { District, Village, VillageReference } from './villages.js';

export type VillageQueryResult =
  | { kind: 'districts'; districts: District[] }
  | { kind: 'district'; district: District; villages: Village[] }
  | { kind: 'villages'; villages: Village[] };

/** Villages ranked for a search term (best first): code prefix, name, prefix, substring, district, typos. */
export function rankVillages(ref: VillageReference, term: string, limit = 20): Village[] {
  const raw = term.trim();
  if (raw === '') return ref.villages.slice(0, limit);
  if (/^[0-9.]+$/.test(raw)) return ref.villages.filter((v) => v.code.startsWith(raw)).slice(0, limit);
  const t = normalizeName(raw);
  if (t === '') return [];
  const budget = t.length <= 3 ? 0 : t.length <= 6 ? 1 : 2;
  const scored: Array<{ v: Village; s: number }> = [];
  for (const v of ref.villages) {
    const n = normalizeName(v.name);
    const d = normalizeName(v.district);
    let s = Infinity;
    if (n === t) s = 0;
    else if (n.startsWith(t)) s = 1;
    else if (n.includes(t)) s = 2;
    else if (d === t) s = 2.5;
    else if (d.startsWith(t)) s = 3;
    else {
      const full = distance(n, t);
      if (full <= budget) s = 3 + full;
      else if (t.length >= 4 && distance(n.slice(0, t.length), t) <= 1)
        s = 5.5; // typo while still typing
      else if (distance(d, t) <= budget) s = 6 + distance(d, t);
    }
    if (s !== Infinity) scored.push({ v, s });
  }
  scored.sort((a, b) => a.s - b.s || a.v.name.localeCompare(b.v.name) || a.v.code.localeCompare(b.v.code));
  return scored.slice(0, limit).map((x) => x.v);
}

/** What `jfleet villages [QUERY]` shows. */
export function queryVillages(ref: VillageReference, query: string | undefined): VillageQueryResult {
  const q = (query ?? '').trim();
  if (q === '') return { kind: 'districts', districts: ref.districts };
  if (/^[0-9.]+$/.test(q)) {
    const d = ref.districtByCode.get(q);
    if (d) return { kind: 'district', district: d, villages: d.villages };
    return { kind: 'villages', villages: ref.villages.filter((v) => v.code.startsWith(q)) };
  }
  const n = normalizeName(q);
  const exactDistrict = ref.districts.find((d) => normalizeName(d.name) === n);
  if (exactDistrict) return { kind: 'district', district: exactDistrict, villages: exactDistrict.villages };
  const villages = rankVillages(ref, q, 50);
  const exactVillage = villages.some((v) => normalizeName(v.name) === n || normalizeName(v.name).startsWith(n));
  if (!exactVillage) {
    // a district with a typo ("rambipuj", "sumberbaro")
    const near = ref.districts
      .map((d) => ({ d, dist: distance(normalizeName(d.name), n) }))
      .filter((x) => x.dist <= 2)
      .sort((a, b) => a.dist - b.dist);
    const [best, second] = near;
    if (best && (!second || best.dist < second.dist)) return { kind: 'district', district: best.d, villages: best.d.villages };
  }
  return { kind: 'villages', villages };
}

export function villageJson(v: Village) {
  return { code: v.code, name: v.name, kind: v.kind, district: v.district, districtCode: v.districtCode, coordinates: { lat: v.lat, lon: v.lon } };
}
