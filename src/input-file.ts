/**
 * Reading a file jfleet takes as input (packages.yaml, health.yaml, a registration CSV): a
 * regular file only (a FIFO would block for ever, a device never ends, a directory is no
 * file) and at most a documented size, checked on the open descriptor before reading.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { UserError } from './errors.js';

/** The largest input file read (inventories, health.yaml, CSV): 2 MiB, far above 248 villages' worth. */
export const MAX_INPUT_BYTES = 2 * 1024 * 1024;

/**
 * The file's text (UTF-8), or undefined when it does not exist. Throws a one-line UserError
 * (exit 2) for anything but a regular file, an unreadable file, or one over maxBytes.
 */
export function readInputFile(file: string, opts: { maxBytes?: number } = {}): string | undefined {
  const max = opts.maxBytes ?? MAX_INPUT_BYTES;
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'EACCES' || code === 'EPERM') throw new UserError(`cannot read ${file}: permission denied (${code})`, { cause: e });
    if (code === 'ENOTDIR') throw new UserError(`cannot read ${file}: a path component is not a directory (ENOTDIR)`, { cause: e });
    if (code === 'EISDIR') throw new UserError(`cannot read ${file}: is a directory, not a file`, { cause: e });
    throw e;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) {
      const kind = st.isDirectory()
        ? 'a directory'
        : st.isFIFO()
          ? 'a FIFO'
          : st.isSocket()
            ? 'a socket'
            : st.isCharacterDevice() || st.isBlockDevice()
              ? 'a device'
              : 'not a regular file';
      throw new UserError(`cannot read ${file}: is ${kind}, not a regular file`);
    }
    if (st.size > max) throw new UserError(`${file} is ${st.size} bytes, over the ${max}-byte limit for an input file`);
    // read at most max + 1 bytes: a file that grows while read is still bounded
    const buf = Buffer.alloc(Math.min(st.size, max) + 1);
    let n = 0;
    for (;;) {
      const r = readSync(fd, buf, n, buf.length - n, null);
      if (r === 0) break;
      n += r;
      if (n === buf.length) break;
    }
    if (n > max) throw new UserError(`${file} is over the ${max}-byte limit for an input file`);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
