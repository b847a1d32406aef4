import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { loadVillages, DISTRICTS_GEOJSON } from '../../src/inventory/villages.js';
import { renderMapSvg, STATE_COLORS, villageStates, type DistrictsGeoJson } from '../../src/health/map.js';
import { writeMapFile } from '../../src/health/map-file.js';
import { HEALTH_STATES, type DeviceStatus, type HealthState } from '../../src/health/types.js';
import { at } from '../helpers/at.js';
import { messagesFor } from '../helpers/messages.js';
import type { Speech } from '../../src/health/render.js';

const speechOf = (lang: 'en' | 'id'): Speech => ({ t: messagesFor(lang), f: { locale: lang === 'id' ? 'id-ID' : 'en-GB', timeZone: 'Asia/Jakarta' } });
const en = speechOf('en');

const ref = loadVillages();
const geo = JSON.parse(readFileSync(DISTRICTS_GEOJSON, 'utf8')) as DistrictsGeoJson;

// One package per district, in the village nearest the district's middle: dots far apart.
const plan: HealthState[] = [
  ...Array(10).fill('ok'),
  ...Array(8).fill('warn'),
  ...Array(6).fill('critical'),
  ...Array(4).fill('unknown'),
  ...Array(3).fill('unreachable'),
];
const devices: DeviceStatus[] = ref.districts.map((d, i) => {
  const lat = d.villages.reduce((s, v) => s + v.lat, 0) / d.villages.length;
  const lon = d.villages.reduce((s, v) => s + v.lon, 0) / d.villages.length;
  const v = at(
    [...d.villages].sort((a, b) => Math.hypot(a.lat - lat, a.lon - lon) - Math.hypot(b.lat - lat, b.lon - lon)),
    0,
  );
  return {
    id: `k-${i}`,
    village: v.code,
    district: d.name,
    state: at(plan, i),
    hard: true,
    flapping: false,
    silenced: false,
    since: '2026-01-01T00:00:00.000Z',
    lastSeen: null,
    release: null,
    checks: [],
  };
});
const expected = Object.fromEntries(HEALTH_STATES.map((s) => [s, plan.filter((p) => p === s).length])) as Record<HealthState, number>;

describe('map SVG', () => {
  it('draws every district and one dot per village, coloured by the worst state there', () => {
    const states = villageStates([...devices, { ...at(devices, 0), id: 'second', state: 'critical' }]);
    const svg = renderMapSvg(ref, geo, states, { title: 'T & <x>' });
    expect(svg.match(/<path /g)).toHaveLength(geo.features.length);
    expect(svg).toContain('T &amp; &lt;x&gt;');
    const count = (s: string) => (svg.match(new RegExp(`data-state="${s}"`, 'g')) ?? []).length;
    expect(count('critical')).toBe(expected.critical + 1);
    expect(count('ok')).toBe(expected.ok - 1);
    expect(svg).toContain(`critical (${expected.critical + 1})`);
  });
});

/** Minimal PNG decoder (8-bit RGB/RGBA, non-interlaced): what Chromium writes. */
function decodePng(buf: Buffer): { w: number; h: number; px: (x: number, y: number) => [number, number, number] } {
  let off = 8;
  let w = 0,
    h = 0,
    type = 0;
  const idat: Buffer[] = [];
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const kind = buf.toString('ascii', off + 4, off + 8);
    const data = buf.subarray(off + 8, off + 8 + len);
    if (kind === 'IHDR') {
      w = data.readUInt32BE(0);
      h = data.readUInt32BE(4);
      type = at(data, 9);
      expect([data[8], data[12]]).toEqual([8, 0]);
    } else if (kind === 'IDAT') idat.push(data);
    off += 12 + len;
  }
  const bpp = type === 6 ? 4 : 3;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = w * bpp;
  const out = Buffer.alloc(h * stride);
  for (let y = 0; y < h; y++) {
    const f = at(raw, y * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const v = at(raw, y * (stride + 1) + 1 + x);
      const a = x >= bpp ? at(out, y * stride + x - bpp) : 0;
      const b = y > 0 ? at(out, (y - 1) * stride + x) : 0;
      const c = x >= bpp && y > 0 ? at(out, (y - 1) * stride + x - bpp) : 0;
      const p = a + b - c;
      const pr = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      out[y * stride + x] = (v + at([0, a, b, (a + b) >> 1, pr], f)) & 0xff;
    }
  }
  return { w, h, px: (x, y) => [at(out, y * stride + x * bpp), at(out, y * stride + x * bpp + 1), at(out, y * stride + x * bpp + 2)] };
}

function blobs(img: ReturnType<typeof decodePng>, hex: string): number {
  const want = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  const hit = (x: number, y: number) => img.px(x, y).every((v, i) => Math.abs(v - at(want, i)) <= 8);
  const seen = new Uint8Array(img.w * img.h);
  let n = 0;
  for (let y = 0; y < img.h; y++)
    for (let x = 0; x < img.w; x++) {
      if (seen[y * img.w + x] || !hit(x, y)) continue;
      let size = 0;
      const stack: Array<[number, number]> = [[x, y]];
      seen[y * img.w + x] = 1;
      while (stack.length) {
        const [cx, cy] = stack.pop()!;
        size++;
        for (const [nx, ny] of [
          [cx + 1, cy],
          [cx - 1, cy],
          [cx, cy + 1],
          [cx, cy - 1],
        ] satisfies Array<[number, number]>) {
          if (nx < 0 || ny < 0 || nx >= img.w || ny >= img.h || seen[ny * img.w + nx] || !hit(nx, ny)) continue;
          seen[ny * img.w + nx] = 1;
          stack.push([nx, ny]);
        }
      }
      if (size >= 12) n++;
    }
  return n;
}

describe('map files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jfleet-map-'));
  it('PNG through headless Chromium: it renders, with the right number of dots per state (plus one legend swatch each)', async () => {
    const file = join(dir, 'fleet.png');
    await writeMapFile(file, devices, { now: new Date('2026-01-01T00:00:00Z'), env: {}, speech: en });
    const img = decodePng(readFileSync(file));
    expect(img.w).toBe(900);
    expect(img.h).toBeGreaterThan(400);
    for (const s of HEALTH_STATES) expect({ s, dots: blobs(img, STATE_COLORS[s]) - 1 }).toEqual({ s, dots: expected[s] });
  }, 60_000);
  it('HTML: the map plus a table of counts per district', async () => {
    const file = join(dir, 'fleet.html');
    await writeMapFile(file, devices, { now: new Date(), env: {}, speech: en });
    const html = readFileSync(file, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html.match(/<circle /g)).toHaveLength(devices.length);
    expect(html.match(/<tr><td>/g)).toHaveLength(ref.districts.length);
  });
  it("speaks the run's language: title, counts, legend, tooltips, table head and the time in WIB", async () => {
    const now = new Date('2026-12-03T07:05:00Z');
    const ok = (d: DeviceStatus) => d.state === 'ok';
    const read = async (lang: 'en' | 'id', ext: string) => {
      const file = join(dir, `words-${lang}${ext}`);
      await writeMapFile(file, devices, { now, env: {}, speech: speechOf(lang) });
      return readFileSync(file, 'utf8');
    };
    const id = await read('id', '.html');
    expect(id).toContain('<html lang="id">');
    expect(id).toContain('Kios desa Kabupaten Jember');
    expect(id).toContain(`${devices.length} perangkat · 3 Des 2026 14.05 WIB`);
    expect(id).toMatch(/<th>kecamatan<\/th><th>ok<\/th><th>waspada<\/th><th>kritis<\/th><th>tak diketahui<\/th><th>tak terjangkau<\/th>/);
    expect(id).toContain(`>tak terjangkau (${expected.unreachable})</text>`);
    const v = at(ref.districts, 0).villages.find((x) => devices.some((d) => d.village === x.code && ok(d)));
    expect(v, 'an ok village in the first district').toBeDefined();
    expect(id).toContain(`<title>${v?.name} (${at(ref.districts, 0).name}): ok</title>`);
    // what a reader sees: the text between the tags (attributes such as data-state stay machine words)
    const seen = id.replace(/<style>[^<]*<\/style>/, '').replace(/<[^>]*>/g, ' ');
    for (const english of ['device', 'district', 'village kiosks', 'UTC', 'warn', 'critical', 'unreachable']) expect(seen, english).not.toContain(english);
    const enSvg = await read('en', '.svg');
    expect(enSvg).toContain('Jember village kiosks');
    expect(enSvg).toContain(`${devices.length} devices · 3 Dec 2026, 14:05 WIB`);
    expect(enSvg).toContain(`>unreachable (${expected.unreachable})</text>`);
  });
  it('refuses an unknown extension', async () => {
    await expect(writeMapFile(join(dir, 'fleet.gif'), devices, { now: new Date(), env: {}, speech: en })).rejects.toThrow(/\.svg, \.png or \.html/);
  });
});
