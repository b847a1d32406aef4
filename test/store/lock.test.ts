import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { acquireLock, acquireLockFile, lockHeld, pidAlive } from '../../src/store/lock.js';

const dir = () => mkdtempSync(join(tmpdir(), 'jfleet-lock-'));

describe('sweep lock', () => {
  it('refuses a second holder with exit 75 and names the first', async () => {
    const d = dir();
    const a = await acquireLock(d, 'sweep');
    await expect(acquireLock(d, 'sweep')).rejects.toMatchObject({
      exitCode: 75,
      message: expect.stringMatching(new RegExp(`another sweep is running \\(pid ${process.pid}`)),
    });
    await a.release();
    const b = await acquireLock(d, 'sweep');
    await b.release();
    expect(existsSync(join(d, 'sweep.lock'))).toBe(false);
  });
  it('--wait queues behind the holder', async () => {
    const d = dir();
    const a = await acquireLock(d, 'sweep');
    const t0 = Date.now();
    setTimeout(() => void a.release(), 600);
    const b = await acquireLock(d, 'sweep', { wait: true });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(500);
    await b.release();
  });
  it('takes over the lock of a holder that died', async () => {
    const d = dir();
    const dead = spawnSync('true').pid!; // a pid that has exited
    writeFileSync(join(d, 'sweep.lock'), JSON.stringify({ pid: dead, host: hostname(), since: '2026-01-01T00:00:00.000Z' }));
    const l = await acquireLock(d, 'sweep');
    await l.release();
  });
});

describe('a lock file beside the file it guards (acquireLockFile)', () => {
  it('serialises waiters in one process: each runs alone, all get their turn, no file is left', async () => {
    const d = dir();
    const file = join(d, '.packages.yaml.lock');
    let inside = 0;
    let most = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        const l = await acquireLockFile(file, 'writer', { wait: true, waitMs: 10_000, pollMs: 5 });
        inside++;
        most = Math.max(most, inside);
        await new Promise((r) => setTimeout(r, 10));
        order.push(i);
        inside--;
        await l.release();
      }),
    );
    expect(most).toBe(1);
    expect(order.sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(readdirSync(d)).toEqual([]);
  });
  it('a waiter gives up after waitMs with exit 75, naming the holder', async () => {
    const d = dir();
    const file = join(d, 'x.lock');
    const a = await acquireLockFile(file, 'writer');
    const t0 = Date.now();
    await expect(acquireLockFile(file, 'writer', { wait: true, waitMs: 200, pollMs: 20 })).rejects.toMatchObject({
      exitCode: 75,
      message: expect.stringMatching(new RegExp(`another writer is running \\(pid ${process.pid}`)),
    });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(200);
    await a.release();
  });
  it('an empty lock file is a holder about to write its pid; one left empty by a crash is taken over', async () => {
    const d = dir();
    const file = join(d, 'x.lock');
    writeFileSync(file, '');
    await expect(acquireLockFile(file, 'writer')).rejects.toMatchObject({ exitCode: 75 });
    const old = new Date(Date.now() - 60_000);
    utimesSync(file, old, old);
    const l = await acquireLockFile(file, 'writer');
    await l.release();
    expect(readdirSync(d)).toEqual([]);
  });
  it('a place that cannot hold the lock file fails at once, not after the wait', async () => {
    const d = dir();
    writeFileSync(join(d, 'notadir'), 'x');
    const t0 = Date.now();
    await expect(acquireLockFile(join(d, 'notadir', 'x.lock'), 'writer', { wait: true, waitMs: 10_000 })).rejects.toThrow(
      /^cannot write .*notadir\/x\.lock: a path component is not a directory \(ENOTDIR\)/,
    );
    expect(Date.now() - t0).toBeLessThan(1_000);
  });
});

describe('lockHeld', () => {
  it('is true while a live process holds the lock, false when free or left by a dead holder', async () => {
    const d = dir();
    expect(lockHeld(d, 'rollout')).toBe(false);
    const l = await acquireLock(d, 'rollout');
    expect(lockHeld(d, 'rollout')).toBe(true);
    await l.release();
    expect(lockHeld(d, 'rollout')).toBe(false);
    const dead = spawnSync('true').pid!;
    writeFileSync(join(d, 'rollout.lock'), JSON.stringify({ pid: dead, host: hostname(), since: '2026-01-01T00:00:00.000Z' }));
    expect(lockHeld(d, 'rollout')).toBe(false);
  });
});

describe('pidAlive', () => {
  it('is true for a running process and false for one that exited', () => {
    expect(pidAlive(process.pid)).toBe(true);
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
    expect(pidAlive(gone)).toBe(false);
  });
});
