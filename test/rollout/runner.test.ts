/**
 * The runner end to end against local scratch-directory devices (real shell steps, real page
 * servers; no sshd): waves, gate, rollback, pending + resume, threshold abort, JUnit, state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from '../../src/context.js';
import { addRelease } from '../../src/rollout/release.js';
import { abortRollout, rolloutStatus, type RolloutDeps } from '../../src/rollout/service.js';
// start and resume through their handler: the events it renders (JSON lines) and the JUnit file it writes are part of what is tested
import { runResume as resumeRollout, runRollout as startRollout } from '../../src/cli/handlers/rollout.js';
import { makeDevice, pkgOf, sha, stopDevice, type LocalDevice } from './local-device.js';
import { configReader } from '../../src/config/config.js';
import { at } from '../helpers/at.js';
import { englishT } from '../helpers/messages.js';

let dir: string;
let devices: LocalDevice[] = [];

function makeCtx(home: string, signal = new AbortController().signal): Context & { out: () => string } {
  const stdout = new PassThrough();
  let buf = '';
  stdout.on('data', (c) => (buf += String(c)));
  return {
    cwd: dir,
    env: {},
    stdin: new PassThrough(),
    stdout,
    stderr: new PassThrough(),
    clock: { now: () => new Date() },
    home,
    lang: 'en',
    t: englishT,
    color: false,
    debug: false,
    interactive: false,
    signal,
    out: () => buf,
    config: configReader({ home, env: {} }),
  };
}

function bundle(name: string, check?: string): string {
  const b = join(dir, 'bundles', name);
  mkdirSync(join(b, 'www'), { recursive: true });
  writeFileSync(join(b, 'www/index.html'), `<h1>${name}</h1>\n`);
  if (check) {
    writeFileSync(join(b, 'check'), check);
    chmodSync(join(b, 'check'), 0o755);
  }
  return b;
}

const puts = new Map<string, number>();

/** Each device's kiosk lives under its own scratch root. */
function perDevice(): RolloutDeps {
  const byId = new Map(devices.map((d) => [d.pkg.id, d]));
  return {
    connect: async (p) => {
      const t = byId.get(p.id)!.transport;
      return {
        ...t,
        name: t.name,
        exec: t.exec,
        put: async (data, path, o) => {
          puts.set(p.id, (puts.get(p.id) ?? 0) + 1);
          return t.put(data, path, o);
        },
      };
    },
    layoutFor: (p) => ({ root: byId.get(p.id)!.root }),
    packages: async () => ({ dir: join(dir, 'inventory'), packages: devices.map((d) => d.pkg) }),
  };
}

/** Every device on exactly one complete release: current → releases/<v>, files match the manifest. */
function releaseOf(d: LocalDevice): string {
  const base = join(d.root, 'opt/jfleet-kiosk');
  const target = readlinkSync(join(base, 'current'));
  const m = JSON.parse(readFileSync(join(base, target, 'manifest.json'), 'utf8')) as { version: string; files: Record<string, string> };
  expect(target).toBe(`releases/${m.version}`);
  for (const [f, s] of Object.entries(m.files)) expect(sha(readFileSync(join(base, target, f)))).toBe(s);
  expect(existsSync(join(base, '.current.tmp'))).toBe(false);
  return m.version;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'jfleet-rollout-'));
  const villages = ['35.09.01.2001', '35.09.02.2001', '35.09.03.2001'];
  const specs = [
    ['k-a1', 0],
    ['k-a2', 0],
    ['k-b1', 1],
    ['k-b2', 1],
    ['k-c1', 2],
    ['k-c2', 2],
  ] as const;
  devices = await Promise.all(specs.map(([id, v]) => makeDevice(dir, pkgOf(id, at(villages, v), id === 'k-c2' ? ['legacy-gpu'] : []))));
});

afterAll(async () => {
  await Promise.all(devices.map(stopDevice));
  rmSync(dir, { recursive: true, force: true });
});

describe('rollout runner on local devices', () => {
  it('updates every device in waves, gates each, and leaves previous for rollback', async () => {
    const home = join(dir, 'home1');
    const ctx = makeCtx(home);
    await addRelease(ctx, { path: bundle('r1'), version: '1.0.0' });
    const junit = join(dir, 'r1.xml');
    const res = await startRollout(
      ctx,
      { release: '1.0.0', waves: '1,50%,100%', maxFail: '0', json: true, junit, settleMs: 300, gateTimeoutMs: 15_000 },
      perDevice(),
    );
    expect(res.exitCode).toBe(0);
    expect(res.counts).toMatchObject({ total: 6, updated: 6, failures: 0, pending: 0 });
    const events = ctx
      .out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; wave?: number; devices?: string[] });
    const waves = events.filter((e) => e.event === 'wave-start');
    expect(waves.map((w) => w.devices!.length)).toEqual([1, 2, 3]);
    expect(at(waves, 0).devices).toEqual(['k-a1']); // canary: first of the round-robin
    for (const d of devices) {
      expect(releaseOf(d)).toBe('1.0.0');
      expect(readlinkSync(join(d.root, 'opt/jfleet-kiosk/previous'))).toBe('releases/0.0.0-base');
      expect(readdirSync(join(d.root, 'opt/jfleet-kiosk')).sort()).toEqual(['current', 'previous', 'releases']);
    }
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toContain('tests="6" failures="0" errors="0" skipped="0"');
  });

  it('rolls back the device whose check fails and finishes under the threshold (exit 1)', async () => {
    const home = join(dir, 'home1');
    const ctx = makeCtx(home);
    const check = '#!/bin/sh\ncase " $JFLEET_TAGS " in *" legacy-gpu "*) echo "GPU too old for WebGL 2"; exit 1;; esac\nexit 0\n';
    await addRelease(ctx, { path: bundle('r2', check), version: '1.1.0' });
    const res = await startRollout(ctx, { release: '1.1.0', waves: '1,100%', maxFail: '20%', settleMs: 300, gateTimeoutMs: 15_000 }, perDevice());
    expect(res.exitCode).toBe(1);
    expect(res.counts).toMatchObject({ updated: 5, rolled_back: 1 });
    const legacy = devices.find((d) => d.pkg.id === 'k-c2')!;
    expect(releaseOf(legacy)).toBe('1.0.0');
    for (const d of devices.filter((x) => x !== legacy)) expect(releaseOf(d)).toBe('1.1.0');
    const s = await rolloutStatus(ctx);
    expect(s!.rollout.state).toBe('completed_failures');
    expect(s!.devices.find((d) => d.id === 'k-c2')).toMatchObject({ state: 'rolled_back', previous: '1.0.0' });
    expect(s!.devices.find((d) => d.id === 'k-c2')!.error).toContain('GPU too old');
  });

  it('stops at a broken canary, rolls it back, and touches nothing else (exit 4)', async () => {
    const home = join(dir, 'home1');
    const ctx = makeCtx(home);
    await addRelease(ctx, { path: bundle('r3', '#!/bin/sh\necho "kiosk self-test failed"; exit 1\n'), version: '2.0.0' });
    const before = devices.map(releaseOf);
    const junit = join(dir, 'r3.xml');
    const res = await startRollout(ctx, { release: '2.0.0', maxFail: '5%', settleMs: 300, gateTimeoutMs: 15_000, junit }, perDevice());
    expect(res.exitCode).toBe(4);
    expect(res.counts).toMatchObject({ rolled_back: 1, updated: 0, skipped: 5 });
    expect(devices.map(releaseOf)).toEqual(before);
    expect(readFileSync(junit, 'utf8')).toContain('failures="1" errors="0" skipped="5"');
  });

  it('leaves an unreachable device pending (exit 5) and resume updates it (exit 0)', async () => {
    const home = join(dir, 'home2');
    const ctx = makeCtx(home);
    await addRelease(ctx, { path: bundle('r4'), version: '3.0.0' });
    const off = devices.find((d) => d.pkg.id === 'k-b2')!;
    off.reachable = false;
    const res = await startRollout(ctx, { release: '3.0.0', waves: '1,100%', maxFail: '0', settleMs: 300, gateTimeoutMs: 15_000 }, perDevice());
    expect(res.exitCode).toBe(5);
    expect(res.counts).toMatchObject({ updated: 5, pending: 1, failures: 0 });
    off.reachable = true;
    const ctx2 = makeCtx(home);
    const again = await resumeRollout(ctx2, { settleMs: 300 }, perDevice());
    expect(again.exitCode).toBe(0);
    expect(again.counts).toMatchObject({ updated: 6, pending: 0 });
    for (const d of devices) expect(releaseOf(d)).toBe('3.0.0');
  });

  it('restarts a damaged transfer cleanly, reuses a complete one, and replaces a tampered release', async () => {
    const home = join(dir, 'home3');
    const ctx = makeCtx(home);
    const { release } = await addRelease(ctx, { path: bundle('r5'), version: '5.0.0' });
    const [damaged, staged, tampered] = [at(devices, 0), at(devices, 1), at(devices, 2)];
    const kiosk = (d: LocalDevice) => join(d.root, 'opt/jfleet-kiosk');
    // an earlier transfer cut mid-way, and an unpack that died half-way
    mkdirSync(join(kiosk(damaged), '.staging/5.0.0.d/www'), { recursive: true });
    writeFileSync(join(kiosk(damaged), '.staging/5.0.0.tar.gz'), readFileSync(release.archivePath).subarray(0, 100));
    writeFileSync(join(kiosk(damaged), '.staging/5.0.0.tar.gz.part'), 'partial');
    // an earlier transfer that arrived completely before the job was killed
    mkdirSync(join(kiosk(staged), '.staging'), { recursive: true });
    writeFileSync(join(kiosk(staged), '.staging/5.0.0.tar.gz'), readFileSync(release.archivePath));
    // a release directory someone edited on the device
    mkdirSync(join(kiosk(tampered), 'releases/5.0.0/www'), { recursive: true });
    writeFileSync(join(kiosk(tampered), 'releases/5.0.0/manifest.json'), readFileSync(join(release.dir, 'manifest.json')));
    writeFileSync(join(kiosk(tampered), 'releases/5.0.0/www/index.html'), '<h1>edited by hand</h1>');
    puts.clear();
    const res = await startRollout(ctx, { release: '5.0.0', waves: '100%', maxFail: '0', settleMs: 300 }, perDevice());
    expect(res.exitCode).toBe(0);
    for (const d of devices) {
      expect(releaseOf(d)).toBe('5.0.0');
      expect(existsSync(join(kiosk(d), '.staging'))).toBe(false);
    }
    expect(puts.get(damaged.pkg.id)).toBe(1);
    expect(puts.get(staged.pkg.id) ?? 0).toBe(0); // resumed from the staged archive: no bytes sent again
    expect(puts.get(tampered.pkg.id)).toBe(1);
    expect(readFileSync(join(kiosk(tampered), 'releases/5.0.0/www/index.html'), 'utf8')).toBe('<h1>r5</h1>\n');
  });

  it('on SIGTERM stops after the devices in flight (exit 130), and resume finishes the rollout', async () => {
    const home = join(dir, 'home4');
    const ac = new AbortController();
    const ctx = makeCtx(home, ac.signal);
    await addRelease(ctx, { path: bundle('r6'), version: '6.0.0' });
    const d = perDevice();
    const res = await startRollout(
      ctx,
      { release: '6.0.0', waves: '1,2,100%', maxFail: '0', settleMs: 300, json: true, forks: 1 },
      {
        ...d,
        connect: async (p) => {
          if (p.id !== 'k-a1') ac.abort(new Error('SIGTERM')); // the canary is done: the job is cancelled
          return d.connect!(p);
        },
      },
    );
    expect(res.exitCode).toBe(130);
    const st = await rolloutStatus(makeCtx(home));
    expect(st!.rollout.state).toBe('running');
    expect(st!.live).toBe('interrupted');
    expect(st!.counts.updated).toBeGreaterThanOrEqual(1);
    expect(st!.counts.updated).toBeLessThan(6);
    const again = await resumeRollout(makeCtx(home), { settleMs: 300 }, perDevice());
    expect(again.exitCode).toBe(0);
    expect(again.counts.updated).toBe(6);
    for (const dev of devices) expect(releaseOf(dev)).toBe('6.0.0');
  });

  it('jfleet rollout abort stops a running rollout after the devices in flight (exit 4)', async () => {
    const home = join(dir, 'home5');
    const ctx = makeCtx(home);
    await addRelease(ctx, { path: bundle('r7'), version: '7.0.0' });
    const before = Object.fromEntries(devices.map((x) => [x.pkg.id, releaseOf(x)]));
    const d = perDevice();
    let aborted = false;
    const res = await startRollout(
      ctx,
      { release: '7.0.0', waves: '1,2,100%', maxFail: '0', settleMs: 300, forks: 1 },
      {
        ...d,
        connect: async (p) => {
          if (p.id !== 'k-a1' && !aborted) {
            aborted = true;
            await abortRollout(makeCtx(home)); // what an operator runs from another shell
          }
          return d.connect!(p);
        },
      },
    );
    expect(res.exitCode).toBe(4);
    expect(res.rollout).toMatchObject({ state: 'aborted', reason: 'aborted by operator (jfleet rollout abort)' });
    expect(res.counts.updated).toBe(2); // the canary, and the device already in flight
    expect(res.counts.skipped).toBe(4);
    const moved = devices.filter((x) => releaseOf(x) === '7.0.0').map((x) => x.pkg.id);
    expect(moved).toHaveLength(2);
    for (const x of devices.filter((y) => !moved.includes(y.pkg.id))) expect(releaseOf(x)).toBe(before[x.pkg.id]);
  });

  it('stops starting devices mid-wave once the abort is certain', async () => {
    const home = join(dir, 'home6');
    const ctx = makeCtx(home);
    await addRelease(ctx, { path: bundle('r8', '#!/bin/sh\necho broken; exit 1\n'), version: '8.0.0' });
    const before = devices.map(releaseOf);
    // one wave of 6, one at a time, at most 1 failure: the second failure makes the abort certain
    const res = await startRollout(ctx, { release: '8.0.0', waves: '100%', maxFail: '1', settleMs: 300, gateTimeoutMs: 15_000, forks: 1 }, perDevice());
    expect(res.exitCode).toBe(4);
    expect(res.counts).toMatchObject({ rolled_back: 2, updated: 0, skipped: 4 });
    expect(devices.map(releaseOf)).toEqual(before);
  });
});
