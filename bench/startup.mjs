#!/usr/bin/env node
// How long `jfleet --version` and `jfleet --help` take to start, against the floor of
// `node -e 0` measured in the same run. Prints the median of N runs and the ratio.
//   node bench/startup.mjs [runs=15]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const runs = Number(process.argv[2] ?? 15);
const bin = fileURLToPath(new URL('../bin/jfleet.js', import.meta.url));
const env = { ...process.env, NO_COLOR: '1', CI: 'true' };

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function time(args) {
  const t = [];
  for (let i = 0; i < runs + 2; i++) {
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    if (i >= 2) t.push(ms); // two warm-up runs (disk cache)
  }
  return median(t);
}

// interleave-free but same run: the baseline first, then each command
const base = time(['-e', '0']);
const rows = [
  ['node -e 0', base],
  ['jfleet --version', time([bin, '--version'])],
  ['jfleet --help', time([bin, '--help'])],
];
console.log(`startup, median of ${runs} runs (node ${process.version}, ${process.platform})`);
for (const [name, ms] of rows) {
  console.log(`${name.padEnd(18)} ${ms.toFixed(1).padStart(7)} ms   ${(ms / base).toFixed(2)}x node -e 0`);
}
