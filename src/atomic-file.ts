/**
 * Replacing a file so that it is either the old bytes or all of the new ones: a temp file in the
 * same directory, every byte written (write(2) may write less than asked on a nearly full disk),
 * fsync, rename over the target, fsync of the directory. Any failure before the rename removes
 * the temp file and leaves the target as it was; a file-system failure (full disk, quota,
 * read-only...) is one line naming the file (a StorageError, exit 74).
 *
 * Done here rather than with write-file-atomic, which issues one write(2) and ignores a short
 * count (a full disk then leaves a truncated file that looks written), does not fsync the
 * directory, and does not put our pid in the temp name (so stale temps from a killed writer can
 * be recognised and cleaned: see TEMP_RE).
 */
import { accessSync, closeSync, constants, existsSync, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { StorageError, UserError } from './errors.js';

/** The one file-system call the loop needs, as a seam so a test can make writes short. */
export type WriteFn = (fd: number, buf: Uint8Array, offset: number, length: number) => number;

const defaultWrite: WriteFn = (fd, buf, offset, length) => writeSync(fd, buf, offset, length);

/** `.NAME.PID.RANDOM.tmp`: the temp files writeAtomic makes (group 1 the target's name, 2 the pid). */
export const TEMP_RE = /^\.(.+)\.(\d+)\.[0-9a-f]{8}\.tmp$/;

const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EFBIG: 'file too large',
  EIO: 'input/output error',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such directory',
  ENOTDIR: 'a path component is not a directory',
  EISDIR: 'is a directory',
};

/** The space and write-permission failures of a file system (a full disk...), as a short phrase. */
export function storageFailure(e: unknown): string | undefined {
  const code = (e as NodeJS.ErrnoException)?.code;
  return code && ['ENOSPC', 'EDQUOT', 'EROFS', 'EFBIG'].includes(code) ? `${REASONS[code]} (${code})` : undefined;
}

/** The failures that are the machine's storage, not the user's choice of file: exit 74. */
const STORAGE = ['ENOSPC', 'EDQUOT', 'EROFS', 'EFBIG', 'EIO'];

/**
 * The errno that really stopped a write to `path`: `mkdirSync(..., { recursive: true })` on a
 * read-only file system says ENOENT, so an ENOENT, EACCES or EPERM is checked against the nearest
 * directory that exists (EROFS there is the real reason).
 */
export function realCode(code: string | undefined, path: string): string | undefined {
  if (code !== 'ENOENT' && code !== 'EACCES' && code !== 'EPERM') return code;
  let dir = dirname(path);
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  try {
    accessSync(dir, constants.W_OK);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EROFS') return 'EROFS';
  }
  return code;
}

/**
 * A failed write of `file` as the one-line error a user can act on ("--map: " first when `label`
 * names the flag that chose the file): a full disk, quota, read-only file system or I/O error is
 * a StorageError (exit 74), another refusal (permission, a missing directory) a UserError (exit 2);
 * anything unexpected as it is.
 */
export function writeFailure(e: unknown, file: string, label?: string): unknown {
  if (e instanceof UserError) return e;
  const code = realCode((e as NodeJS.ErrnoException)?.code, file);
  if (!code || !REASONS[code]) return e;
  const message = `${label ? label + ': ' : ''}cannot write ${file}: ${REASONS[code]} (${code}); the file was not changed`;
  if (STORAGE.includes(code)) return new StorageError(message, { file, cause: e });
  return new UserError(message, { cause: e });
}

/** Writes all of `buf` to `fd`, looping on short writes. A write that makes no progress is an error. */
export function writeAll(fd: number, buf: Uint8Array, write: WriteFn = defaultWrite): void {
  let off = 0;
  while (off < buf.length) {
    const n = write(fd, buf, off, buf.length - off);
    if (!(n > 0)) throw Object.assign(new Error(`short write: ${off} of ${buf.length} bytes written, then none`), { code: 'EIO' });
    off += n;
  }
}

export interface AtomicWriteOptions {
  /** the new file's mode; default: the target's current mode, else 0644 */
  mode?: number;
  /** the flag that named the file, for the error message ("--junit") */
  label?: string;
  /** test seam: the write(2) call */
  write?: WriteFn;
}

interface Prepared {
  file: string;
  tmp: string;
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
}

/** Writes `data` completely into a fresh temp file next to `file` and fsyncs it; removes it on any failure. */
function prepare(file: string, data: string | Uint8Array, opts: AtomicWriteOptions): Prepared {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let mode = opts.mode;
  if (mode === undefined) {
    try {
      mode = statSync(file).mode & 0o777;
    } catch {
      mode = 0o644;
    }
  }
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let fd: number;
  try {
    fd = openSync(tmp, 'wx', mode);
  } catch (e) {
    throw writeFailure(e, file, opts.label);
  }
  try {
    writeAll(fd, buf, opts.write);
    fsyncSync(fd);
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      /* the write already failed */
    }
    removeQuietly(tmp);
    throw writeFailure(e, file, opts.label);
  }
  try {
    closeSync(fd); // NFS and some quotas report the failure here
  } catch (e) {
    removeQuietly(tmp);
    throw writeFailure(e, file, opts.label);
  }
  return { file, tmp };
}

function syncDir(dir: string): void {
  try {
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    /* some filesystems refuse fsync on a directory; the rename is still atomic */
  }
}

function commit(p: Prepared, label?: string): void {
  try {
    renameSync(p.tmp, p.file);
  } catch (e) {
    removeQuietly(p.tmp);
    throw writeFailure(e, p.file, label);
  }
}

/** Replaces `file` with `data`: the whole of it, or (on any failure, which is thrown) nothing. */
export function writeAtomic(file: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): void {
  const p = prepare(file, data, opts);
  // Test hook: hold the finished temp file before the rename so a test can kill -9 mid-write.
  const pause = Number(process.env.JFLEET_TEST_WRITE_PAUSE_MS ?? 0);
  if (pause > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, pause);
  commit(p, opts.label);
  syncDir(dirname(file));
}

/**
 * Replaces several files in one directory (a key pair): every temp file is written in full before
 * any is renamed, so a full disk leaves none of them changed. The renames run in the given order.
 */
export function writeAtomicSet(files: Array<{ file: string; data: string | Uint8Array; mode?: number }>, opts: Pick<AtomicWriteOptions, 'write'> = {}): void {
  const done: Prepared[] = [];
  try {
    for (const f of files) done.push(prepare(f.file, f.data, { mode: f.mode, write: opts.write }));
  } catch (e) {
    for (const p of done) removeQuietly(p.tmp);
    throw e;
  }
  for (const [i, p] of done.entries()) {
    try {
      commit(p);
    } catch (e) {
      for (const p of done.slice(i + 1)) removeQuietly(p.tmp);
      throw e;
    }
  }
  for (const dir of new Set(files.map((f) => dirname(f.file)))) syncDir(dir);
}
