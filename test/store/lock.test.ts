import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { acquireLock, lockHeld, pidAlive } from '../../src/store/lock.js';

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
