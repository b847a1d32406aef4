// Shared by the benchmarks: client CPU of finished child processes, and a timed child run.
import { readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';

const HZ = 100; // USER_HZ on Linux

/** CPU (user + sys, ms) of this process's reaped children: cutime and cstime of /proc/self/stat. */
export function childCpuMs() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  // after the ")" the list starts at field 3; cutime and cstime are fields 16 and 17 (1-based)
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[13]) + Number(f[14])) * 1000) / HZ;
}

/** Run a command to completion: exit code, wall time, client CPU of it and its children, output. */
export function run(cmd, args, env) {
  return new Promise((resolve, reject) => {
    const cpu0 = childCpuMs();
    const t0 = performance.now();
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (err += b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, wallMs: performance.now() - t0, cpuMs: childCpuMs() - cpu0, out, err }));
  });
}

/**
 * A jfleet Context for benchmarks that call the built code in-process (test/helpers/context.ts
 * is the tests' twin): the process's streams, a real clock, no colour, no prompts, its own home.
 * configReader comes from the build the benchmark loaded (dist/config/config.js).
 */
export function benchContext(configReader, home, env) {
  const e = { ...process.env, ...env, JFLEET_HOME: home };
  return {
    cwd: process.cwd(),
    env: e,
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    clock: { now: () => new Date() },
    home,
    color: false,
    debug: false,
    interactive: false,
    signal: new AbortController().signal,
    config: configReader({ home, env: e }),
  };
}
