#!/usr/bin/env node
// How long `jfleet --version` and `jfleet --help` take to start, against the floor of
// `node -e 0` measured in the same run. Prints the median of N runs and the ratio. `--help` runs
// in English (LANG=C) and in Indonesian (LANG=id_ID.UTF-8: i18next and both catalogs load).
// With --base DIR (a built checkout, e.g. the main branch), its --version and --help run in the
// same interleaved rounds and each case prints its ratio to the base too.
//   node bench/startup.mjs [runs=15] [--base DIR]
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const argv = process.argv.slice(2);
const baseAt = argv.indexOf('--base');
const baseDir = baseAt >= 0 ? argv[baseAt + 1] : undefined;
const runs = Number(argv.find((a, i) => /^\d+$/.test(a) && argv[i - 1] !== '--base') ?? 15);
const bin = fileURLToPath(new URL('../bin/jfleet.js', import.meta.url));
const env = { ...process.env, NO_COLOR: '1', CI: 'true', LANG: 'C' };
delete env.LC_ALL;
delete env.LC_MESSAGES;
delete env.JFLEET_LANG;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function once(args, extra = {}) {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { env: { ...env, ...extra }, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

// Rounds interleave the three commands, so load from other processes hits them alike.
const cases = [
  ['node -e 0', ['-e', '0']],
  ['jfleet --version', [bin, '--version']],
  ['jfleet --help', [bin, '--help']],
  ['jfleet --help (id)', [bin, '--help'], { LANG: 'id_ID.UTF-8' }],
];
if (baseDir) {
  const baseBin = join(baseDir, 'bin', 'jfleet.js');
  cases.push(['base --version', [baseBin, '--version']], ['base --help', [baseBin, '--help']]);
}
const times = cases.map(() => []);
for (let round = 0; round < runs + 2; round++) {
  cases.forEach(([, args, extra], i) => {
    const ms = once(args, extra);
    if (round >= 2) times[i].push(ms); // two warm-up rounds (disk cache)
  });
}
const base = median(times[0]);
console.log(`startup, median of ${runs} interleaved runs (node ${process.version}, ${process.platform})`);
const medianOf = (name) => median(times[cases.findIndex(([n]) => n === name)]);
cases.forEach(([name], i) => {
  const ms = median(times[i]);
  const peer = baseDir && name.startsWith('jfleet ') ? medianOf(`base ${name.replace(/^jfleet /, '').replace(/ \(id\)$/, '')}`) : undefined;
  console.log(`${name.padEnd(20)} ${ms.toFixed(1).padStart(7)} ms   ${(ms / base).toFixed(2)}x node -e 0${peer ? `   ${(ms / peer).toFixed(2)}x base` : ''}`);
});
if (baseDir) console.log(`base: ${baseDir}`);
