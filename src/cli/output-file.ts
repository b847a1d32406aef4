/**
 * Files the user names on the command line for jfleet to write (--map, --rejected...): checked
 * before any work is done, so a typo in the path is one line (exit 2) and nothing is half-written,
 * instead of an internal error after the inventory or a browser has already been touched.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { UserError } from '../errors.js';

const REASONS: Record<string, string> = {
  ENOENT: 'no such directory',
  ENOTDIR: 'a path component is not a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  EISDIR: 'is a directory',
  ENOSPC: 'no space left on the device',
};

/** Throws a one-line UserError unless `file` can be created or replaced. */
export function assertWritableFile(file: string, flag: string): void {
  const dir = dirname(file);
  try {
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    accessSync(dir, constants.W_OK);
    const st = statSync(file, { throwIfNoEntry: false });
    if (st?.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
  } catch (e) {
    throw writeError(e, file, flag);
  }
}

/** A file-system error on writing `file` as a one-line UserError; anything unexpected as it is. */
export function writeError(e: unknown, file: string, flag: string): unknown {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code && REASONS[code]) return new UserError(`${flag}: cannot write ${file}: ${REASONS[code]}`, { cause: e });
  return e;
}
