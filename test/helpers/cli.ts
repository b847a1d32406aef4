/**
 * Spawns the built binary (bin/jfleet.js → dist/) as a user would, with a clean environment
 * and its own JFLEET_HOME, and returns exit code, stdout and stderr together.
 */
import { execa } from 'execa';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = join(ROOT, 'bin', 'jfleet.js');

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export function tempHome(prefix = 'jfleet-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function jfleet(
  args: string[],
  opts: { home?: string; env?: Record<string, string>; input?: string; cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  const home = opts.home ?? tempHome();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    JFLEET_HOME: home,
    CI: 'true',
    NO_COLOR: '1',
    ...opts.env,
  };
  const r = await execa('node', [BIN, ...args], {
    env,
    extendEnv: false,
    reject: false,
    stripFinalNewline: false,
    input: opts.input,
    cwd: opts.cwd ?? ROOT,
    timeout: opts.timeoutMs ?? 60_000,
  });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}
