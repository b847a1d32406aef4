/**
 * A lock file in the state directory, and the one process-liveness check. The sweep takes it so
 * two sweeps (a cron sweep, a technician's sweep, the daemon) never run at once; a rollout takes
 * it so two rollouts never work the fleet at once.
 *
 * A lock file created with O_EXCL holds the holder's pid; a holder that died (its pid is gone)
 * leaves a stale file that the next run takes over. Not proper-lockfile: its signal-exit hook
 * re-raises SIGTERM, which the CLI would read as a second Ctrl-C and exit without a graceful stop.
 */
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import { writeAll, writeFailure } from '../atomic-file.js';
import { hostname } from 'node:os';
import { join } from 'node:path';
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

interface Holder {
  pid: number;
  host: string;
  since: string;
}

function readHolder(file: string): Holder | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Holder;
  } catch {
    return null;
  }
}

/** Is process `pid` on this machine still running? (EPERM: it is, but someone else's.) */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Creates the lock file (O_EXCL) with the holder in it. If the holder cannot be written in full (a
 * full disk), the file this call created is removed again and the failure is one line.
 */
function createLockFile(file: string, text: string): void {
  const fd = openSync(file, 'wx', 0o600); // EEXIST: held (or stale), judged by the caller
  try {
    writeAll(fd, Buffer.from(text));
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      /* the write already failed */
    }
    try {
      unlinkSync(file);
    } catch {
      /* already gone */
    }
    throw writeFailure(e, file);
  }
  closeSync(fd);
}

function alive(h: Holder): boolean {
  if (h.host !== hostname()) return true; // cannot tell: respect it
  return pidAlive(h.pid);
}

/** Is the lock `name` held by a live process (a stale file left by a dead holder is not held)? */
export function lockHeld(locksDir: string, name: string): boolean {
  const holder = readHolder(join(locksDir, `${name}.lock`));
  return holder !== null && alive(holder);
}

export async function acquireLock(locksDir: string, name: string, opts: LockOptions = {}): Promise<HeldLock> {
  mkdirSync(locksDir, { recursive: true, mode: 0o700 });
  const file = join(locksDir, `${name}.lock`);
  const me: Holder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  const deadline = Date.now() + (opts.waitMs ?? 6 * 3600_000);
  for (;;) {
    try {
      createLockFile(file, JSON.stringify(me) + '\n');
      let released = false;
      return {
        release: async () => {
          if (released) return;
          released = true;
          const h = readHolder(file);
          if (h && h.pid === me.pid && h.since === me.since) rmSync(file, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw writeFailure(err, file);
    }
    const holder = readHolder(file);
    if (holder === null || !alive(holder)) {
      // Stale (holder died, or a torn write): move it aside atomically, then try again.
      try {
        renameSync(file, `${file}.stale-${process.pid}`);
        rmSync(`${file}.stale-${process.pid}`, { force: true });
      } catch {
        /* someone else took it over first */
      }
      continue;
    }
    if (!opts.wait || Date.now() > deadline) {
      throw new UserError(`another ${name} is running (pid ${holder.pid}, since ${holder.since}); not starting a second one`, {
        exitCode: ExitCode.locked,
        hint: opts.wait ? 'it did not finish within the wait time' : 'wait for it, or run with --wait to queue behind it',
      });
    }
    if (opts.signal?.aborted) throw new UserError(`gave up waiting for the ${name} lock`, { exitCode: ExitCode.cancelled });
    await new Promise((r) => setTimeout(r, 250));
  }
}
