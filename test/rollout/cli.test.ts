/**
 * The release and rollout commands through the built binary: exit codes, output and what is
 * written, for the paths that need no device (usage errors, the release store, the lock).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireLock } from '../../src/store/lock.js';
import * as tar from 'tar';
import { jfleet, tempHome } from '../helpers/cli.js';
import { openDb } from '../../src/store/db.js';
import { STATE_MIGRATIONS } from '../../src/state-db.js';
import { RolloutStore } from '../../src/rollout/store.js';

let work: string;
let bundleDir: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'jfleet-release-cli-'));
  bundleDir = join(work, 'kiosk');
  mkdirSync(join(bundleDir, 'www'), { recursive: true });
  writeFileSync(join(bundleDir, 'www/index.html'), '<h1>kiosk</h1>\n');
  writeFileSync(join(bundleDir, 'kiosk.conf'), 'zoom=1.25\n');
  writeFileSync(join(bundleDir, 'check'), '#!/bin/sh\nexit 0\n');
  chmodSync(join(bundleDir, 'check'), 0o755);
});

describe('jfleet release', () => {
  it('adds a directory as an immutable, checksummed release, and lists it', async () => {
    const home = tempHome();
    const r = await jfleet(['release', 'add', bundleDir, '--version', '1.4.0', '--json'], { home });
    expect(r.exitCode, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout) as { version: string; files: number; hasCheck: boolean; created: boolean; archiveSha256: string };
    expect(info).toMatchObject({ version: '1.4.0', files: 3, hasCheck: true, created: true });
    const dir = join(home, 'releases', '1.4.0');
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { version: string; files: Record<string, string> };
    expect(manifest.version).toBe('1.4.0');
    expect(Object.keys(manifest.files).sort()).toEqual(['check', 'kiosk.conf', 'www/index.html']);
    expect(statSync(join(dir, 'bundle.tar.gz')).mode & 0o222).toBe(0); // read-only
    const entries: string[] = [];
    await tar.t({ file: join(dir, 'bundle.tar.gz'), onReadEntry: (e) => entries.push(e.path) });
    expect(entries.sort()).toEqual(['check', 'kiosk.conf', 'manifest.json', 'www/index.html']);

    const again = await jfleet(['release', 'add', bundleDir, '--version', '1.4.0'], { home });
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toContain('already present');

    const list = await jfleet(['release', 'list', '--json'], { home });
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ version: '1.4.0', archiveSha256: info.archiveSha256 })]);
  });

  it('refuses different content under an existing version (exit 2), and writes nothing', async () => {
    const home = tempHome();
    expect((await jfleet(['release', 'add', bundleDir, '--version', '2.0.0'], { home })).exitCode).toBe(0);
    const other = join(work, 'other');
    mkdirSync(join(other, 'www'), { recursive: true });
    writeFileSync(join(other, 'www/index.html'), '<h1>changed</h1>\n');
    const r = await jfleet(['release', 'add', other, '--version', '2.0.0'], { home });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('releases are immutable');
    expect(readFileSync(join(home, 'releases/2.0.0/manifest.json'), 'utf8')).not.toContain('changed');
  });

  it('takes a tarball, and checks a shipped manifest against the bytes', async () => {
    const home = tempHome();
    const tgz = join(work, 'kiosk.tgz');
    await tar.c({ gzip: true, file: tgz, cwd: bundleDir }, ['www', 'kiosk.conf', 'check']);
    expect((await jfleet(['release', 'add', tgz, '--version', '3.0.0'], { home })).exitCode).toBe(0);

    const lying = join(work, 'lying');
    mkdirSync(join(lying, 'www'), { recursive: true });
    writeFileSync(join(lying, 'www/index.html'), 'x');
    writeFileSync(join(lying, 'manifest.json'), JSON.stringify({ version: '3.1.0', files: { 'www/index.html': '0'.repeat(64) } }));
    const r = await jfleet(['release', 'add', lying, '--version', '3.1.0'], { home });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('checksums do not match the bundle: www/index.html');
    expect(existsSync(join(home, 'releases/3.1.0'))).toBe(false);
  });

  it.each([
    [['--version', '../etc'], 'not a valid release version'],
    [['--version', 'a b'], 'not a valid release version'],
    [[], "required option '--version <version>'"],
  ])('refuses %j (exit 2)', async (args, msg) => {
    const r = await jfleet(['release', 'add', bundleDir, ...args]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(msg);
  });

  it('refuses a bundle without the kiosk app (exit 2)', async () => {
    const empty = join(work, 'noapp');
    mkdirSync(empty, { recursive: true });
    writeFileSync(join(empty, 'readme.txt'), 'x');
    const r = await jfleet(['release', 'add', empty, '--version', '1.0.0']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('no www/index.html');
  });
});

describe('jfleet rollout (no devices needed)', () => {
  it.each([
    [['rollout', '--release', '9.9.9'], 'no release 9.9.9'],
    [['rollout'], '--release is required'],
    [['rollout', '--release', '1.0.0', '--waves', '1,50%'], 'the last wave must be 100%'],
    [['rollout', '--release', '1.0.0', '--max-fail', 'lots'], '--max-fail'],
    [['rollout', 'status'], 'no rollout yet'],
    [['rollout', 'resume'], 'no rollout to resume'],
    [['rollout', 'abort'], 'no rollout to abort'],
  ])('%j exits 2 with a one-line reason', async (args, msg) => {
    const r = await jfleet(args);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(msg);
    expect(r.stderr).not.toContain('    at '); // no stack
  });

  it('exits 75 while another rollout holds the lock', async () => {
    const home = tempHome();
    expect((await jfleet(['release', 'add', bundleDir, '--version', '1.0.0'], { home })).exitCode).toBe(0);
    // held by this (live) test process, as a running rollout would hold it
    const lock = await acquireLock(join(home, 'state', 'locks'), 'rollout');
    try {
      const r = await jfleet(['rollout', '--release', '1.0.0'], { home });
      expect(r.exitCode).toBe(75);
      expect(r.stderr).toContain('another rollout is running');
    } finally {
      await lock.release();
    }
  });

  it('documents the exit codes and examples in --help', async () => {
    const r = await jfleet(['rollout', '--help']);
    expect(r.exitCode).toBe(0);
    for (const s of ['4    aborted', '5    completed with devices pending', '75   another rollout', 'Examples:', '--max-fail']) expect(r.stdout).toContain(s);
  });

  it('status shows an interrupted rollout (human and --json); abort closes it; resume then refuses', async () => {
    const home = tempHome();
    const db = openDb(join(home, 'state', 'jfleet.db'), STATE_MIGRATIONS);
    const store = new RolloutStore(db, () => new Date('2026-11-28T10:00:00Z'));
    const id = store.create({ release: '1.4.0', inventory: '/inv', waves: '1,100%', maxFail: '5%', options: {}, plan: [['k-a'], ['k-b', 'k-c', 'k-d']] });
    store.setDevice(id, 'k-a', 'updating');
    store.setDevice(id, 'k-a', 'updated', { previous: '1.3.0', ms: 2000 });
    store.setDevice(id, 'k-b', 'updating');
    store.setDevice(id, 'k-b', 'pending', { error: 'unreachable: connection refused' });
    store.setDevice(id, 'k-c', 'updating'); // the job was killed here
    db.close();

    const human = await jfleet(['rollout', 'status'], { home });
    expect(human.exitCode, human.stderr).toBe(0);
    expect(human.stdout).toContain('rollout 1: release 1.4.0, interrupted');
    expect(human.stdout).toContain('4 devices: 1 updated, 0 rolled back, 0 failed, 1 pending, 2 to do, 0 skipped');
    expect(human.stdout).toContain('pending     k-b: unreachable: connection refused');

    const json = JSON.parse((await jfleet(['rollout', 'status', '--json'], { home })).stdout) as {
      live: string;
      counts: { updated: number; pending: number; updating: number };
      waves: { wave: number; devices: number }[];
    };
    expect(json.live).toBe('interrupted');
    expect(json.counts).toMatchObject({ updated: 1, pending: 1, updating: 1 });
    expect(json.waves.map((w) => w.devices)).toEqual([1, 3]);

    const abort = await jfleet(['rollout', 'abort', '--json'], { home });
    expect(abort.exitCode, abort.stderr).toBe(0);
    expect(JSON.parse(abort.stdout)).toMatchObject({ event: 'rollout-aborted', rollout: 1, running: false });
    const after = JSON.parse((await jfleet(['rollout', 'status', '--json'], { home })).stdout) as {
      live: string;
      counts: { skipped: number; updated: number };
    };
    expect(after).toMatchObject({ live: 'aborted', counts: { skipped: 3, updated: 1 } });

    const resume = await jfleet(['rollout', 'resume'], { home });
    expect(resume.exitCode).toBe(2);
    expect(resume.stderr).toContain('was aborted');
    expect(resume.stderr).toContain('jfleet rollout --release 1.4.0');
  });
});
