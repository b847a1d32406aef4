#!/usr/bin/env node
// What the Indonesian dashboard costs against the English one, measured in the same run: a
// central server (the built dist/) holding one report of 248 packages (one per Jember village,
// three checks each, said in English by the runner), then GET / with Accept-Language en and
// id-ID in interleaved rounds. Prints each language's median time and page size and the ratio.
//   npm run build && node bench/dashboard.mjs [rounds=5] [requests=20]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [rounds = 5, perRound = 20] = process.argv.slice(2).map(Number);
const dist = new URL('../dist/', import.meta.url);
const { startCentral } = await import(new URL('central/server.js', dist).href);
const { buildReport } = await import(new URL('report/build.js', dist).href);
const { loadVillages } = await import(new URL('inventory/villages.js', dist).href);
const { uuidv7 } = await import(new URL('report/ids.js', dist).href);

const dir = mkdtempSync(join(tmpdir(), 'jfleet-bench-dashboard-'));
const token = 'bench-token-0123456789';
const server = await startCentral({ port: 0, dbFile: join(dir, 'central.db'), token });
try {
  const ref = loadVillages();
  const seen = new Date(Date.now() - 90_000).toISOString();
  const states = ['ok', 'warn', 'critical', 'unknown', 'unreachable'];
  const devices = ref.villages.map((v, i) => ({
    id: `kiosk-${String(i + 1).padStart(3, '0')}`,
    village: v.code,
    district: v.district,
    state: states[i % states.length],
    hard: i % 7 !== 0,
    flapping: false,
    silenced: i % 11 === 0,
    since: seen,
    lastSeen: states[i % states.length] === 'unreachable' ? null : seen,
    release: '1.4.2',
    checks: [
      { name: 'disk', state: 'warn', output: `disk / ${(5 + (i % 90) / 10).toFixed(1)}% free (${3000 + i} MiB)`, perfdata: {} },
      { name: 'load', state: 'warn', output: `load ${(2 + (i % 30) / 10).toFixed(2)} on 2 CPU(s) (1.2 per CPU)`, perfdata: {} },
      { name: 'kiosk_browser', state: 'critical', output: 'kiosk browser not running (its process is gone)', perfdata: {} },
    ],
  }));
  const report = buildReport({
    reportId: uuidv7(Date.now()),
    createdAt: new Date(),
    runner: { id: '0b6c8f9e-4a1d-4c47-9a51-6f3e2d1c0b9a', name: 'bench', version: '0.1.0' },
    devices,
    changes: [],
    ref,
  });
  const posted = await fetch(`${server.url}/v1/reports`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(report),
  });
  if (posted.status !== 201) throw new Error(`report not stored: HTTP ${posted.status}`);

  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const samples = { en: [], id: [] };
  const size = {};
  const get = async (lang) => {
    const t0 = performance.now();
    const res = await fetch(`${server.url}/`, { headers: { 'accept-language': lang === 'id' ? 'id-ID,id;q=0.9' : 'en' } });
    const body = await res.text();
    samples[lang].push(performance.now() - t0);
    if (res.headers.get('content-language') !== lang) throw new Error(`asked ${lang}, got ${res.headers.get('content-language')}`);
    size[lang] = Buffer.byteLength(body);
  };
  await get('en');
  await get('id');
  samples.en.length = samples.id.length = 0;
  for (let r = 0; r < rounds; r++) for (let i = 0; i < perRound; i++) for (const lang of r % 2 ? ['id', 'en'] : ['en', 'id']) await get(lang);
  const en = median(samples.en);
  const id = median(samples.id);
  console.log(`dashboard of ${devices.length} packages, ${rounds * perRound} requests per language, interleaved`);
  console.log(`  en     median ${en.toFixed(1)} ms  ${(size.en / 1024).toFixed(0)} KiB`);
  console.log(`  id-ID  median ${id.toFixed(1)} ms  ${(size.id / 1024).toFixed(0)} KiB`);
  console.log(`  ratio id/en: ${(id / en).toFixed(2)}`);
} finally {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
