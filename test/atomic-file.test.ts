import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeAtomic, writeAtomicSet, type WriteFn } from '../src/atomic-file.js';
import { ExitCode, StorageError, type UserError } from '../src/errors.js';

const fresh = () => mkdtempSync(join(tmpdir(), 'jfleet-atomic-'));
const text = 'x'.repeat(10_000) + '\nend\n';

/** A write(2) that writes at most `max` bytes per call, as a nearly full disk does. */
const shortWrites =
  (max: number, calls: number[] = []): WriteFn =>
  (fd, buf, off, len) => {
    calls.push(len);
    return writeSync(fd, buf, off, Math.min(len, max));
  };

/** Short writes until `budget` bytes are used, then ENOSPC: the disk filling up mid-file. */
const fillsUp =
  (budget: number): WriteFn =>
  (fd, buf, off, len) => {
    if (budget <= 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    const n = writeSync(fd, buf, off, Math.min(len, budget, 4096));
    budget -= n;
    return n;
  };

describe('writeAtomic', () => {
  it('writes every byte even when each write(2) is short', () => {
    const dir = fresh();
    const file = join(dir, 'packages.yaml');
    const calls: number[] = [];
    writeAtomic(file, text, { write: shortWrites(777, calls) });
    expect(readFileSync(file, 'utf8')).toBe(text);
    expect(calls.length).toBe(Math.ceil(Buffer.byteLength(text) / 777));
    expect(readdirSync(dir)).toEqual(['packages.yaml']);
  });

  it('a disk that fills up mid-write: one-line error naming the file, target untouched, no temp file', () => {
    const dir = fresh();
    const file = join(dir, 'packages.yaml');
    writeFileSync(file, 'packages: []\n');
    let err: unknown;
    try {
      writeAtomic(file, text, { write: fillsUp(6000) });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StorageError);
    expect((err as UserError).exitCode).toBe(ExitCode.storage);
    expect((err as UserError).exitCode).toBe(74);
    expect((err as Error).message).toBe(`cannot write ${file}: no space left on the device (ENOSPC); the file was not changed`);
    expect(readFileSync(file, 'utf8')).toBe('packages: []\n');
    expect(readdirSync(dir)).toEqual(['packages.yaml']);
  });

  it('a write(2) that makes no progress is an error, not a truncated file', () => {
    const dir = fresh();
    const file = join(dir, 'last-failed.json');
    expect(() => writeAtomic(file, text, { write: () => 0, label: '--junit' })).toThrow(
      `--junit: cannot write ${file}: input/output error (EIO); the file was not changed`,
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it('keeps the mode of the file it replaces, or uses the one given', () => {
    const dir = fresh();
    const file = join(dir, 'a');
    writeFileSync(file, 'old', { mode: 0o640 });
    writeAtomic(file, 'new');
    expect(statSync(file).mode & 0o777).toBe(0o640);
    writeAtomic(join(dir, 'b'), 'secret', { mode: 0o600 });
    expect(statSync(join(dir, 'b')).mode & 0o777).toBe(0o600);
  });
});

describe('writeAtomicSet', () => {
  it('when the second file cannot be written, the first is not replaced either', () => {
    const dir = fresh();
    const priv = join(dir, 'key');
    writeFileSync(priv, 'old private');
    writeFileSync(priv + '.pub', 'old public');
    let calls = 0;
    const secondFails: WriteFn = (fd, buf, off, len) => {
      if (++calls > 1) throw Object.assign(new Error('EDQUOT'), { code: 'EDQUOT' });
      return writeSync(fd, buf, off, len);
    };
    expect(() =>
      writeAtomicSet(
        [
          { file: priv, data: 'new private', mode: 0o600 },
          { file: priv + '.pub', data: 'new public' },
        ],
        { write: secondFails },
      ),
    ).toThrow(`cannot write ${priv}.pub: disk quota exceeded (EDQUOT); the file was not changed`);
    expect(readFileSync(priv, 'utf8')).toBe('old private');
    expect(readFileSync(priv + '.pub', 'utf8')).toBe('old public');
    expect(readdirSync(dir).sort()).toEqual(['key', 'key.pub']);
  });
});
