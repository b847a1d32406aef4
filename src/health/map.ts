/**
 * The fleet map: Jember's districts (GeoJSON polygons) with one dot per village that has a
 * package, coloured by its worst state. Pure: reference data, GeoJSON and states in, SVG text out.
 * Reused by the central dashboard.
 */
import type { VillageReference } from '../inventory/villages.js';
import { rank } from './checks.js';
import { HEALTH_STATES, type HealthState } from './types.js';

export const STATE_COLORS: Record<HealthState, string> = {
  ok: '#2e7d32',
  warn: '#f9a825',
  critical: '#c62828',
  unknown: '#6a1b9a',
  unreachable: '#1565c0',
};

type Position = [number, number];
interface Geometry {
  type: string;
  coordinates: unknown;
}
export interface DistrictFeature {
  type: 'Feature';
  properties: { district_code?: string; district?: string } & Record<string, unknown>;
  geometry: Geometry;
}
export interface DistrictsGeoJson {
  type: 'FeatureCollection';
  features: DistrictFeature[];
}

export interface MapOptions {
  width?: number;
  title?: string;
  /** drawn under the title, e.g. "20 devices · swept 2026-01-01 10:00 UTC" */
  subtitle?: string;
  dotRadius?: number;
  /** a state's name in the reader's language (legend); default the keyword */
  stateLabel?: (s: HealthState) => string;
  /** a village dot's tooltip; default "Name (District): state" */
  villageTitle?: (v: { name: string; district: string }, s: HealthState) => string;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function rings(g: Geometry): Position[][] {
  if (g.type === 'Polygon') return g.coordinates as Position[][];
  if (g.type === 'MultiPolygon') return (g.coordinates as Position[][][]).flat();
  return [];
}

export function renderMapSvg(ref: VillageReference, geojson: DistrictsGeoJson, states: Map<string, HealthState>, opts: MapOptions = {}): string {
  const width = opts.width ?? 900;
  const margin = 20;
  const header = 56;
  const legendH = 34;
  let minX = Infinity,
    maxX = -Infinity,
    minY = Infinity,
    maxY = -Infinity;
  for (const f of geojson.features)
    for (const ring of rings(f.geometry))
      for (const [x, y] of ring) {
        minX = Math.min(minX, x);
        maxX = Math.max(maxX, x);
        minY = Math.min(minY, y);
        maxY = Math.max(maxY, y);
      }
  if (!Number.isFinite(minX)) {
    minX = 113.2;
    maxX = 114.1;
    minY = -8.6;
    maxY = -7.9;
  }
  // Equirectangular with the latitude's cosine: near the equator that is faithful enough.
  const kx = Math.cos((((minY + maxY) / 2) * Math.PI) / 180);
  const scale = (width - 2 * margin) / ((maxX - minX) * kx);
  const mapH = (maxY - minY) * scale;
  const height = Math.ceil(header + mapH + legendH + 2 * margin);
  const px = (lon: number) => margin + (lon - minX) * kx * scale;
  const py = (lat: number) => header + margin + (maxY - lat) * scale;
  const f2 = (n: number) => n.toFixed(1);

  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`);
  parts.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  parts.push(`<text x="${margin}" y="28" font-size="18" font-weight="bold" fill="#212121">${esc(opts.title ?? 'Jember kiosk fleet')}</text>`);
  if (opts.subtitle) parts.push(`<text x="${margin}" y="46" font-size="12" fill="#616161">${esc(opts.subtitle)}</text>`);
  parts.push('<g id="districts" fill="#eceff1" stroke="#90a4ae" stroke-width="0.8">');
  for (const f of geojson.features) {
    const d = rings(f.geometry)
      .map((ring) => 'M' + ring.map(([x, y]) => `${f2(px(x))},${f2(py(y))}`).join('L') + 'Z')
      .join('');
    parts.push(
      `<path d="${d}" data-district="${esc(String(f.properties.district_code ?? ''))}"><title>${esc(String(f.properties.district ?? ''))}</title></path>`,
    );
  }
  parts.push('</g>');
  // District names at the mean of their villages (inside the district, unlike a bbox centre).
  parts.push('<g id="labels" font-size="9" fill="#78909c" text-anchor="middle">');
  for (const d of ref.districts) {
    const lat = d.villages.reduce((s, v) => s + v.lat, 0) / d.villages.length;
    const lon = d.villages.reduce((s, v) => s + v.lon, 0) / d.villages.length;
    parts.push(`<text x="${f2(px(lon))}" y="${f2(py(lat) - 8)}">${esc(d.name)}</text>`);
  }
  parts.push('</g>');
  const r = opts.dotRadius ?? 5;
  const label = opts.stateLabel ?? ((s: HealthState) => s);
  const villageTitle = opts.villageTitle ?? ((v: { name: string; district: string }, s: HealthState) => `${v.name} (${v.district}): ${label(s)}`);
  const counts: Record<HealthState, number> = { ok: 0, warn: 0, critical: 0, unknown: 0, unreachable: 0 };
  parts.push('<g id="villages" stroke="#ffffff" stroke-width="1.5">');
  // Draw the worst last so it stays on top where dots are close.
  const order = [...states.entries()].sort((a, b) => rank(a[1]) - rank(b[1]));
  for (const [code, state] of order) {
    const v = ref.byCode.get(code);
    if (!v) continue;
    counts[state]++;
    parts.push(
      `<circle cx="${f2(px(v.lon))}" cy="${f2(py(v.lat))}" r="${r}" fill="${STATE_COLORS[state]}" data-village="${esc(code)}" data-state="${state}"><title>${esc(villageTitle(v, state))}</title></circle>`,
    );
  }
  parts.push('</g>');
  const ly = height - margin - 10;
  parts.push(`<g id="legend" font-size="12" fill="#212121">`);
  HEALTH_STATES.forEach((s, i) => {
    const x = margin + i * 160;
    parts.push(
      `<rect x="${x}" y="${ly - 9}" width="12" height="12" fill="${STATE_COLORS[s]}"/><text x="${x + 18}" y="${ly + 2}">${esc(label(s))} (${counts[s]})</text>`,
    );
  });
  parts.push('</g></svg>');
  return parts.join('\n');
}

/** A standalone HTML page around the map, with the per-district counts as a table. */
export function renderMapHtml(
  svg: string,
  rows: Array<{ district: string; counts: Record<HealthState, number> }>,
  title: string,
  words: { lang: string; district: string; stateLabel: (s: HealthState) => string } = { lang: 'en', district: 'district', stateLabel: (s) => s },
): string {
  const head = HEALTH_STATES.map((s) => `<th>${esc(words.stateLabel(s))}</th>`).join('');
  const body = rows
    .map(
      (r) =>
        `<tr><td>${esc(r.district)}</td>${HEALTH_STATES.map((s) => `<td${r.counts[s] ? ` style="color:${STATE_COLORS[s]};font-weight:bold"` : ''}>${r.counts[s]}</td>`).join('')}</tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="${esc(words.lang)}"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:sans-serif;margin:16px;color:#212121}table{border-collapse:collapse;margin-top:12px}td,th{padding:2px 10px;border-bottom:1px solid #eee;text-align:right}td:first-child,th:first-child{text-align:left}</style>
</head><body>
${svg}
<table><thead><tr><th>${esc(words.district)}</th>${head}</tr></thead><tbody>
${body}
</tbody></table>
</body></html>
`;
}

/** Worst state per village over its packages. */
export function villageStates(devices: Array<{ village: string; state: HealthState }>): Map<string, HealthState> {
  const m = new Map<string, HealthState>();
  for (const d of devices) {
    const prev = m.get(d.village);
    if (!prev || rank(d.state) > rank(prev)) m.set(d.village, d.state);
  }
  return m;
}
