/**
 * A lock file in the state directory, and the one process-liveness check. The sweep takes it so
 * two sweeps (a cron sweep, a technician's sweep, the daemon) never run at once; a rollout takes
 * it so two rollouts never work the fleet at once.
 *
 * A lock file created with O_EXCL holds the holder's pid; a holder that died (its pid is gone)
 * leaves a stale file that the next run takes over. Not proper-lockfile: its signal-exit hook
 * re-raises SIGTERM, which the CLI would read as a second Ctrl-C and exit without a graceful stop.
 * It is the one lock of the tree: the inventory's writers and the labs registry use it too, with
 * their lock file beside the file they guard (acquireLockFile).
 */
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, unlinkSync } from 'node:fs';
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
  /** how often a waiting caller looks again (default 250 ms; short for locks held only for a write) */
  pollMs?: number;
}

interface Holder {
  pid: number;
  host: string;
  since: string;
}

function parseHolder(text: string): Holder | null {
  try {
    const h = JSON.parse(text) as Holder;
    return typeof h?.pid === 'number' ? h : null;
  } catch {
    return null;
  }
}

function readHolder(file: string): Holder | null {
  try {
    return parseHolder(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

/** A lock file that is empty or unreadable this long was torn by a crash, not being written. */
const TORN_GRACE_MS = 2_000;

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
  return acquireLockFile(join(locksDir, `${name}.lock`), name, opts);
}

/**
 * Takes the lock file `file` (its directory must exist), for the lock called `name` in messages.
 * A holder that died is taken over at once; one still alive is waited for (opts.wait, up to
 * waitMs) or refused with exit 75. Any other failure to create the file (a read-only or full file
 * system) is thrown at once.
 */
export async function acquireLockFile(file: string, name: string, opts: LockOptions = {}): Promise<HeldLock> {
  const me: Holder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  const deadline = Date.now() + (opts.waitMs ?? 6 * 3600_000);
  const pollMs = opts.pollMs ?? 250;
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
    const seen = lookAt(file);
    if (seen === 'gone') continue; // released between our attempt and our look
    const holder = seen.holder;
    // an empty file is a holder between its create and its write, unless it has stayed empty
    const stale = holder === null ? Date.now() - seen.mtimeMs > TORN_GRACE_MS : !alive(holder);
    if (stale) {
      takeOver(file, seen);
      continue;
    }
    if (!opts.wait || Date.now() > deadline) {
      if (holder === null) {
        throw new UserError(`another ${name} is starting; not starting a second one`, {
          exitCode: ExitCode.locked,
          hint: opts.wait ? 'it did not finish within the wait time' : 'wait for it, or run with --wait to queue behind it',
        });
      }
      throw new UserError(`another ${name} is running (pid ${holder.pid}, since ${holder.since}); not starting a second one`, {
        exitCode: ExitCode.locked,
        hint: opts.wait ? 'it did not finish within the wait time' : 'wait for it, or run with --wait to queue behind it',
      });
    }
    if (opts.signal?.aborted) throw new UserError(`gave up waiting for the ${name} lock`, { exitCode: ExitCode.cancelled });
    await new Promise((r) => setTimeout(r, pollMs + Math.floor(Math.random() * pollMs * 0.2)));
  }
}

interface Seen {
  ino: number;
  mtimeMs: number;
  text: string;
  holder: Holder | null;
}

function lookAt(file: string): Seen | 'gone' {
  try {
    const st = statSync(file);
    const text = readFileSync(file, 'utf8');
    return { ino: st.ino, mtimeMs: st.mtimeMs, text, holder: parseHolder(text) };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw writeFailure(e, file);
  }
}

/**
 * Moves a stale lock file aside (atomically, so one taker wins) and removes it. If what was moved
 * is not the file judged stale (another taker was quicker and a live holder has created a new one
 * since), it is put back.
 */
function takeOver(file: string, seen: Seen): void {
  const aside = `${file}.stale-${process.pid}`;
  try {
    renameSync(file, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // someone else took it over first
    throw writeFailure(e, file); // a read-only directory: never a busy loop
  }
  let moved: Seen | 'gone' = 'gone';
  try {
    moved = lookAt(aside);
  } catch {
    /* judged below as not ours to put back */
  }
  if (moved !== 'gone' && (moved.ino !== seen.ino || moved.text !== seen.text)) {
    try {
      linkSync(aside, file); // EEXIST: yet another holder came in; the moved one keeps no file
    } catch {
      /* nothing more to do */
    }
  }
  rmSync(aside, { force: true });
}
