#!/usr/bin/env node
// Two builds of jfleet side by side on one lab, in interleaved rounds: start-up (--version,
// --help), a cold `jfleet sweep` and `jfleet exec -- true` of N devices. For a change that must
// not cost speed (a restructuring): the ratio current/base should sit at 1.0 within noise.
//   node bench/builds.mjs --base /path/to/older/checkout [--devices 100] [--rounds 5] [--env K=V ...]
// The base checkout must be built (npm run build there). Needs root (the lab).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './lib.mjs';

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const BASE = arg('base');
if (!BASE) {
  console.error('usage: node bench/builds.mjs --base DIR [--devices N] [--rounds R]');
  process.exit(2);
}
const N = Number(arg('devices', 100));
// --env K=V (repeatable): set for both builds, e.g. JFLEET_SSH_KEX to compare at one key exchange
const shared = Object.fromEntries(process.argv.flatMap((a, i) => (a === '--env' ? [process.argv[i + 1].split(/=(.*)/s).slice(0, 2)] : [])));
const ROUNDS = Number(arg('rounds', 5));
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const builds = [
  ['base', join(BASE, 'bin', 'jfleet.js')],
  ['current', join(ROOT, 'bin', 'jfleet.js')],
];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const work = mkdtempSync(join(tmpdir(), 'jfleet-bench-builds-'));
const baseEnv = { PATH: process.env.PATH, LANG: 'C.UTF-8', HOME: work, NO_COLOR: '1', CI: 'true', ...shared };

const labHome = mkdtempSync(join(work, 'lab-'));
const up = await run('node', [builds[1][1], 'lab', 'up', '--devices', String(N), '--json'], { ...baseEnv, JFLEET_HOME: labHome });
if (up.code !== 0) throw new Error(`lab up failed: ${up.err}`);
const lab = JSON.parse(up.out);
const labEnv = lab.env ?? {};
try {
  const cases = [
    ['--version', () => ['--version']],
    ['--help', () => ['--help']],
    [`sweep ${N} cold`, () => ['sweep', '--json', '--forks', '50']],
    [`exec ${N} cold`, () => ['exec', '--json', '--forks', '50', '--', 'true']],
  ];
  const times = new Map();
  for (let r = 0; r < ROUNDS + 1; r++) {
    for (const [cname, argv] of cases) {
      for (const [bname, bin] of r % 2 ? [...builds].reverse() : builds) {
        const home = mkdtempSync(join(work, 'home-'));
        const res = await run('node', [bin, ...argv()], { ...baseEnv, ...labEnv, JFLEET_HOME: home });
        rmSync(home, { recursive: true, force: true });
        if (![0, 1, 6, 7].includes(res.code)) throw new Error(`${bname} ${cname} exited ${res.code}: ${res.err.slice(0, 300)}`);
        if (r === 0) continue; // warm-up round (disk cache)
        const k = `${cname}|${bname}`;
        times.set(k, [...(times.get(k) ?? []), res]);
      }
    }
  }
  console.log(
    `builds compared, median of ${ROUNDS} interleaved rounds, ${N} lab devices (node ${process.version})${Object.keys(shared).length ? `, both with ${JSON.stringify(shared)}` : ''}`,
  );
  for (const [cname] of cases) {
    const b = times.get(`${cname}|base`);
    const c = times.get(`${cname}|current`);
    const bw = median(b.map((x) => x.wallMs));
    const cw = median(c.map((x) => x.wallMs));
    const bc = median(b.map((x) => x.cpuMs));
    const cc = median(c.map((x) => x.cpuMs));
    console.log(
      `  ${cname.padEnd(16)} base ${bw.toFixed(0).padStart(6)} ms (${bc.toFixed(0)} ms CPU)  current ${cw.toFixed(0).padStart(6)} ms (${cc.toFixed(0)} ms CPU)  current/base ${(cw / bw).toFixed(2)} wall, ${(cc / bc).toFixed(2)} CPU`,
    );
  }
} finally {
  await run('node', [builds[1][1], 'lab', 'down', lab.id], { ...baseEnv, JFLEET_HOME: labHome });
  rmSync(work, { recursive: true, force: true });
}
