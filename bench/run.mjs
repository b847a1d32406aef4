// Runs every benchmark in turn (npm run bench). Each prints its own ratios against the peer it
// measured in the same run; see bench/README.md. Needs root (the lab) and a build.
//   node bench/run.mjs            all, with each benchmark's defaults (Ansible included: slow)
//   node bench/run.mjs exec sweep only those
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ALL = ['startup', 'exec', 'provision', 'sweep'];
const chosen = process.argv.slice(2).length ? process.argv.slice(2) : ALL;
const unknown = chosen.filter((b) => !ALL.includes(b));
if (unknown.length) {
  console.error(`bench: unknown benchmark ${unknown.join(', ')} (have: ${ALL.join(', ')})`);
  process.exitCode = 2;
} else {
  for (const b of chosen) {
    console.log(`\n### bench/${b}.mjs`);
    const r = spawnSync(process.execPath, [fileURLToPath(new URL(`./${b}.mjs`, import.meta.url))], { stdio: 'inherit' });
    if (r.status !== 0) {
      process.exitCode = r.status ?? 1;
      break;
    }
  }
}
