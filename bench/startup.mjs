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

function once(args) {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

// Rounds interleave the three commands, so load from other processes hits them alike.
const cases = [
  ['node -e 0', ['-e', '0']],
  ['jfleet --version', [bin, '--version']],
  ['jfleet --help', [bin, '--help']],
];
const times = cases.map(() => []);
for (let round = 0; round < runs + 2; round++) {
  cases.forEach(([, args], i) => {
    const ms = once(args);
    if (round >= 2) times[i].push(ms); // two warm-up rounds (disk cache)
  });
}
const base = median(times[0]);
console.log(`startup, median of ${runs} interleaved runs (node ${process.version}, ${process.platform})`);
cases.forEach(([name], i) => {
  const ms = median(times[i]);
  console.log(`${name.padEnd(18)} ${ms.toFixed(1).padStart(7)} ms   ${(ms / base).toFixed(2)}x node -e 0`);
});
