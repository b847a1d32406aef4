/**
 * Runs jfleet's main(argv, ctx) in this process with its own env, home, streams and clock: the
 * same code path as the binary without a Node start-up per case, so a fuzz suite can afford
 * thousands of cases. Nothing here touches process.env.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { PassThrough } from 'node:stream';
import { type Context, notInstalled } from '../../src/context.js';
import { main } from '../../src/main.js';

export interface InProcessResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** The exit codes README.md documents; anything else (70 above all) breaks the contract. */
export const DOCUMENTED_EXIT_CODES = [0, 1, 2, 3, 4, 5, 6, 7, 75, 130];

export function tempDir(prefix = 'jfleet-fuzz-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

function sink(): { stream: PassThrough & { isTTY?: boolean; columns?: number }; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

export async function runInProcess(
  argv: string[],
  opts: { home: string; cwd?: string; env?: Record<string, string>; signal?: AbortSignal },
): Promise<InProcessResult> {
  const out = sink();
  const err = sink();
  const stdin = new PassThrough();
  stdin.end();
  const ctx: Context = {
    cwd: opts.cwd ?? opts.home,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: opts.home, JFLEET_HOME: opts.home, CI: 'true', NO_COLOR: '1', ...opts.env },
    stdin,
    stdout: out.stream,
    stderr: err.stream,
    clock: { now: () => new Date() },
    home: opts.home,
    color: false,
    debug: false,
    interactive: false,
    signal: opts.signal ?? new AbortController().signal,
    // main() installs the config reader before a command runs, as for defaultContext()
    config: () => {
      throw new Error('ctx.config() was called before main() installed the config reader');
    },
    // main() installs the run's language (JFLEET_LANG, config lang, LC_ALL/LC_MESSAGES/LANG)
    lang: 'en',
    t: notInstalled,
  };
  const exitCode = await main(argv, ctx);
  // let the PassThroughs deliver what was written
  await new Promise((r) => setImmediate(r));
  return { exitCode, stdout: out.text(), stderr: err.text() };
}

/** Every file under `dir` with its bytes, for "a refused command left everything as it was". */
export function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) files.set(relative(dir, p), readFileSync(p).toString('base64'));
    }
  };
  walk(dir);
  return files;
}
