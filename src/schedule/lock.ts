/**
 * The sweep lock: two sweeps (a cron sweep, a technician's sweep, the daemon) never run at
 * once. proper-lockfile keeps a lock directory whose mtime it refreshes, so a crashed holder
 * goes stale after `stale` ms instead of blocking forever. The holder's pid and start time sit
 * next to it so the refusal can say who holds it.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { ExitCode, UserError } from '../errors.js';

export interface HeldLock {
  release(): Promise<void>;
}

export interface LockOptions {
  /** wait for the holder to finish instead of failing (up to waitMs) */
  wait?: boolean;
  waitMs?: number;
  signal?: AbortSignal;
}

const STALE_MS = 20_000;

export async function acquireLock(locksDir: string, name: string, opts: LockOptions = {}): Promise<HeldLock> {
  mkdirSync(locksDir, { recursive: true, mode: 0o700 });
  const file = join(locksDir, `${name}.lock`);
  const info = join(locksDir, `${name}.holder`);
  writeFileSync(file, '', { flag: 'a', mode: 0o600 });
  const deadline = Date.now() + (opts.waitMs ?? 6 * 3600_000);
  for (;;) {
    try {
      const release = await lockfile.lock(file, {
        realpath: false,
        stale: STALE_MS,
        update: 5_000,
        onCompromised: () => {
          /* another process took a lock we let go stale: our write still completes; nothing to do */
        },
      });
      writeFileSync(info, JSON.stringify({ pid: process.pid, since: new Date().toISOString() }) + '\n', { mode: 0o600 });
      return {
        release: async () => {
          rmSync(info, { force: true });
          await release().catch(() => undefined);
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
      if (!opts.wait || Date.now() > deadline) {
        throw new UserError(`another ${name} is running${holderText(info)}; not starting a second one`, {
          exitCode: ExitCode.locked,
          hint: opts.wait ? 'it did not finish within the wait time' : `wait for it, or run with --wait to queue behind it`,
        });
      }
      if (opts.signal?.aborted) throw new UserError(`gave up waiting for the ${name} lock`, { exitCode: ExitCode.cancelled });
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

function holderText(info: string): string {
  try {
    const h = JSON.parse(readFileSync(info, 'utf8')) as { pid?: number; since?: string };
    return ` (pid ${h.pid}, since ${h.since})`;
  } catch {
    return '';
  }
}
