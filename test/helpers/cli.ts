/**
 * Spawns the built binary (bin/jfleet.js → dist/) as a user would, with a clean environment
 * and its own JFLEET_HOME, and returns exit code, stdout and stderr together.
 */
import { execa } from 'execa';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
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

/** A loopback TCP port free a moment ago (nothing listens on it). */
export async function freePort(): Promise<number> {
  return new Promise<number>((resolve) => {
    const s: Server = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

/** A home with one package (rambipuji-1) on a loopback port nothing listens on: every probe is refused at once. */
export async function deadDeviceHome(prefix = 'jfleet-dead-'): Promise<{ home: string; inv: string; env: Record<string, string> }> {
  const port = await freePort();
  const home = tempHome(prefix);
  const inv = join(home, 'inventory');
  mkdirSync(inv, { recursive: true });
  writeFileSync(
    join(inv, 'packages.yaml'),
    `packages:\n  - { id: rambipuji-1, village: 35.09.13.2006, address: 127.0.0.1, port: ${port}, registeredAt: 2026-01-01T00:00:00Z }\n`,
  );
  return { home, inv, env: { JFLEET_INVENTORY: inv } };
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
