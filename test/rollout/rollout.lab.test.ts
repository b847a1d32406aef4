/**
 * Rollouts against a lab of 30 real sshd devices, driven through the real CLI process.
 * One lab for the whole file, provisioned by `jfleet provision` (kiosk service + base release);
 * the scenarios run in order on the same fleet:
 *   1. a release that breaks the kiosk stops at the canary and rolls it back (exit 4)
 *   2. a good release; the CLI is SIGKILLed mid-wave; `rollout resume` completes it (exit 0);
 *      a second rollout meanwhile is refused by the lock (exit 75)
 *   3. a release broken on 3 devices (its check fails where tag legacy-gpu is set): aborts with
 *      --max-fail 5% when the failures pass it; finishes with exit 1 under --max-fail 10%
 *   4. devices powered off during the rollout end pending (exit 5); the next run updates them
 *   and, after each, every device is on exactly one complete release (checked on its overlay).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useLab, type Lab } from '../lab/lab.js';
import { loadInventory } from '../../src/inventory/load.js';
import { updateInventory } from '../../src/inventory/store.js';
import { parseWaves, planWaves } from '../../src/rollout/waves.js';
import { BIN, jfleet } from '../helpers/cli.js';
import { at } from '../helpers/at.js';

const N = 30;
const labOf = useLab(N, { diskMiB: 64 }); // a tmpfs disk per device, so fillDisk() works
let lab: Lab;
let work: string;
let order: string[]; // the rollout order of the fleet (canary first)
let legacy: string[]; // the 3 devices whose hardware the 1.2.x releases break on

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const run = (args: string[], timeoutMs = 170_000) => jfleet(args, { env: lab.env, timeoutMs });

function bundle(name: string, check?: string): string {
  const b = join(work, name);
  mkdirSync(join(b, 'www'), { recursive: true });
  writeFileSync(join(b, 'www/index.html'), `<!doctype html><title>kiosk ${name}</title><h1>${name}</h1>\n`);
  writeFileSync(join(b, 'kiosk.conf'), `release=${name}\n`);
  if (check) {
    writeFileSync(join(b, 'check'), check);
    chmodSync(join(b, 'check'), 0o755);
  }
  return b;
}

/** The release a device is on, read from its overlay's upper layer; asserts it is whole and alone. */
function releaseOn(id: string): string {
  const base = join(lab.device(id).upperDir, 'opt/jfleet-kiosk');
  const target = readlinkSync(join(base, 'current'));
  expect(target).toMatch(/^releases\/[^/]+$/);
  const m = JSON.parse(readFileSync(join(base, target, 'manifest.json'), 'utf8')) as { version: string; files: Record<string, string> };
  expect(target).toBe(`releases/${m.version}`);
  const onDisk: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const n of readdirSync(d, { withFileTypes: true })) {
      if (n.isDirectory()) walk(join(d, n.name), rel + n.name + '/');
      else if (rel + n.name !== 'manifest.json') onDisk.push(rel + n.name);
    }
  };
  walk(join(base, target), '');
  expect(onDisk.sort()).toEqual(Object.keys(m.files).sort());
  for (const [f, s] of Object.entries(m.files)) expect(sha(readFileSync(join(base, target, f))), `${id} ${f}`).toBe(s);
  // nothing half-done left around: no temp symlink, no staging
  expect(existsSync(join(base, '.current.tmp'))).toBe(false);
  return m.version;
}

function fleetReleases(): Record<string, string> {
  return Object.fromEntries(lab.devices.map((d) => [d.id, releaseOn(d.id)]));
}

function lines(stdout: string): Array<Record<string, unknown> & { event: string }> {
  return stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown> & { event: string });
}

/** For failure messages: the devices of a run that did not end updated, with why. */
function notUpdated(stdout: string): string {
  try {
    return JSON.stringify(
      lines(stdout)
        .filter((e) => e.event === 'device' && e.state !== 'updated')
        .map((e) => [e.device, e.state, e.error]),
    );
  } catch {
    return stdout.slice(-2000);
  }
}

/** Run the CLI with --json, calling onEvent for each progress line as it arrives. */
function spawnRollout(args: string[], onEvent: (e: Record<string, unknown> & { event: string }, child: ReturnType<typeof execa>) => void) {
  const child = execa('node', [BIN, ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: lab.home, CI: 'true', NO_COLOR: '1', ...lab.env },
    extendEnv: false,
    reject: false,
    buffer: true,
    timeout: 170_000,
  });
  let rest = '';
  child.stdout!.on('data', (c: Buffer) => {
    rest += String(c);
    let i: number;
    while ((i = rest.indexOf('\n')) >= 0) {
      const line = rest.slice(0, i);
      rest = rest.slice(i + 1);
      if (line.trim()) onEvent(JSON.parse(line) as Record<string, unknown> & { event: string }, child);
    }
  });
  return child;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'jfleet-rollout-lab-'));
  lab = labOf();
  // the real provisioning installs the kiosk service and the base release 0.0.0-base
  const prov = await run(['provision', '--yes', '--profile', 'lab', '--json']);
  expect(prov.exitCode, prov.stderr).toBe(0);
  // wait for the lab init to start every kiosk (it scans for enabled units twice a second)
  const deadline = Date.now() + 30_000;
  for (const d of lab.devices) {
    for (;;) {
      const out = lab.run(d.id, `curl -s -o /dev/null -w '%{http_code}' http://${d.address}:8080/ || true`);
      if (out.endsWith('200')) break;
      if (Date.now() > deadline) throw new Error(`kiosk did not come up on ${d.id}: ${out}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  // the fleet's rollout order, and 3 "legacy" devices: one at 55% of the order, two in the last 20%
  const pkgs = loadInventory(lab.inventoryDir).packages;
  order = at(planWaves(pkgs, parseWaves('100%')), 0).map((p) => p.id);
  legacy = [at(order, 15), at(order, 24), at(order, 27)];
  await updateInventory(lab.inventoryDir, (ps) => {
    for (const p of ps) if (legacy.includes(p.id)) p.tags = [...p.tags, 'legacy-gpu'];
  });
  const good = (v: string) => run(['release', 'add', bundle(v), '--version', v]);
  for (const v of ['1.0.0', '1.3.0']) expect((await good(v)).exitCode).toBe(0);
  expect((await run(['release', 'add', bundle('1.1.0', '#!/bin/sh\necho "kiosk self-test: renderer crashed"\nexit 1\n'), '--version', '1.1.0'])).exitCode).toBe(
    0,
  );
  const legacyCheck = '#!/bin/sh\ncase " $JFLEET_TAGS " in *" legacy-gpu "*) echo "WebGL 2 unavailable on $JFLEET_DEVICE"; exit 1;; esac\nexit 0\n';
  for (const v of ['1.2.0', '1.2.1']) expect((await run(['release', 'add', bundle(v, legacyCheck), '--version', v])).exitCode).toBe(0);
}, 180_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('rollout on a 30-device lab', () => {
  it('a release that breaks the kiosk stops at the canary and rolls it back', async () => {
    const junit = join(work, 'broken.xml');
    const r = await run(['rollout', '--release', '1.1.0', '--waves', '1,10%,50%,100%', '--max-fail', '5%', '--json', '--junit', junit, '--gate-timeout', '30']);
    expect(r.exitCode, r.stderr + notUpdated(r.stdout)).toBe(4);
    const ev = lines(r.stdout);
    expect(ev.filter((e) => e.event === 'wave-start')).toHaveLength(1);
    const dev = ev.filter((e) => e.event === 'device');
    expect(dev).toHaveLength(1);
    expect(dev[0]).toMatchObject({ device: order[0], state: 'rolled_back', previous: '0.0.0-base' });
    expect(String(at(dev, 0).error)).toContain('renderer crashed');
    expect(ev.at(-1)).toMatchObject({ event: 'rollout-end', state: 'aborted', exitCode: 4 });
    expect(new Set(Object.values(fleetReleases()))).toEqual(new Set(['0.0.0-base']));
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toContain(`tests="${N}" failures="1" errors="0" skipped="${N - 1}"`);
    expect(xml).toContain('type="rolled_back"');
  });

  it('a rollout killed mid-wave resumes and completes; a second rollout meanwhile gets the lock exit', async () => {
    let killedAt: string | null = null;
    let lockProbe: Promise<{ exitCode: number }> | null = null;
    const child = spawnRollout(['rollout', '--release', '1.0.0', '--max-fail', '5%', '--json'], (e, c) => {
      if (e.event === 'wave-start' && e.wave === 2 && !lockProbe) lockProbe = run(['rollout', '--release', '1.0.0']);
      if (e.event === 'device' && e.wave === 3 && !killedAt) {
        killedAt = String(e.device);
        c.kill('SIGKILL');
      }
    });
    const first = await child;
    expect(killedAt, String(first.stderr)).not.toBeNull();
    expect(first.signal).toBe('SIGKILL');
    expect((await lockProbe!).exitCode).toBe(75);
    const mid = JSON.parse((await run(['rollout', 'status', '--json'])).stdout) as { rollout: { state: string }; counts: { updated: number; total: number } };
    expect(mid.rollout.state).toBe('running');
    expect(mid.counts.updated).toBeGreaterThanOrEqual(4);
    expect(mid.counts.updated).toBeLessThan(N);
    // the killed holder's lock is taken over once its pid is gone: while it lingers, resume is refused with 75
    let r = await run(['rollout', 'resume', '--json']);
    for (let i = 0; r.exitCode === 75 && i < 15; i++) {
      await new Promise((res) => setTimeout(res, 1000));
      r = await run(['rollout', 'resume', '--json']);
    }
    expect(r.exitCode, r.stderr + notUpdated(r.stdout)).toBe(0);
    const ev = lines(r.stdout);
    expect(ev[0]).toMatchObject({ event: 'rollout-start', resumed: true });
    // only what was left is done again: no device of waves 1-2 is touched by the resume
    const redone = ev.filter((e) => e.event === 'device').map((e) => String(e.device));
    expect(redone).not.toContain(order[0]);
    expect(redone.length).toBeLessThan(N - 2);
    expect(ev.at(-1)).toMatchObject({ event: 'rollout-end', state: 'completed', exitCode: 0 });
    expect(new Set(Object.values(fleetReleases()))).toEqual(new Set(['1.0.0']));
    // the previous release is kept for rollback, older ones pruned
    for (const d of lab.devices) {
      const base = join(d.upperDir, 'opt/jfleet-kiosk');
      expect(readlinkSync(join(base, 'previous'))).toBe('releases/0.0.0-base');
    }
  });

  it('a release broken on 3 devices aborts past --max-fail 5%, and finishes under 10% with exit 1', async () => {
    // 1.2.1 with waves 1,10%,50%,60%,100%: legacy[0] is in wave 4 → 1 failure of 18 reached > 5%
    const a = await run(['rollout', '--release', '1.2.1', '--waves', '1,10%,50%,60%,100%', '--max-fail', '5%', '--json', '--gate-timeout', '30']);
    expect(a.exitCode, a.stderr + notUpdated(a.stdout)).toBe(4);
    const evA = lines(a.stdout);
    expect(evA.filter((e) => e.event === 'wave-start')).toHaveLength(4);
    expect(evA.filter((e) => e.event === 'device' && e.state === 'rolled_back').map((e) => e.device)).toEqual([legacy[0]]);
    expect(evA.at(-1)).toMatchObject({ state: 'aborted', counts: { updated: 17, rolled_back: 1, skipped: 12 } });
    const afterA = fleetReleases();
    expect(
      order
        .slice(0, 18)
        .filter((id) => id !== legacy[0])
        .every((id) => afterA[id] === '1.2.1'),
    ).toBe(true);
    expect([at(legacy, 0), ...order.slice(18)].every((id) => afterA[id] === '1.0.0')).toBe(true);

    // 1.2.0 with the default waves and 10%: the 3 legacy devices are rolled back, the rest updated
    const junit = join(work, 'legacy.xml');
    const b = await run(['rollout', '--release', '1.2.0', '--max-fail', '10%', '--json', '--junit', junit, '--gate-timeout', '30']);
    expect(b.exitCode, b.stderr + notUpdated(b.stdout)).toBe(1);
    const evB = lines(b.stdout);
    expect(
      evB
        .filter((e) => e.event === 'device' && e.state === 'rolled_back')
        .map((e) => String(e.device))
        .sort(),
    ).toEqual([...legacy].sort());
    expect(evB.at(-1)).toMatchObject({ state: 'completed_failures', counts: { updated: 27, rolled_back: 3 } });
    const afterB = fleetReleases();
    for (const id of order) expect(afterB[id], id).toBe(legacy.includes(id) ? '1.0.0' : '1.2.0');
    expect(readFileSync(junit, 'utf8')).toContain(`tests="${N}" failures="3" errors="0" skipped="0"`);
    // @failed now names the rolled-back devices, for a targeted follow-up
    const failed = JSON.parse(readFileSync(join(lab.home, 'state', 'last-failed.json'), 'utf8')) as string[];
    expect(failed.sort()).toEqual([...legacy].sort());
  });

  it('devices powered off during the rollout end pending, and the next run updates them', async () => {
    const off = [at(order, 20), at(order, 29)];
    const child = spawnRollout(['rollout', '--release', '1.3.0', '--max-fail', '5%', '--json'], (e) => {
      if (e.event === 'wave-start' && e.wave === 2) for (const id of off) void lab.powerOff(id);
    });
    const r = await child;
    expect(r.exitCode, String(r.stderr)).toBe(5);
    const ev = lines(String(r.stdout));
    expect(
      ev
        .filter((e) => e.event === 'device' && e.state === 'pending')
        .map((e) => String(e.device))
        .sort(),
    ).toEqual([...off].sort());
    expect(ev.at(-1)).toMatchObject({ state: 'completed_pending', counts: { updated: N - 2, pending: 2, failures: 0 } });
    const status = JSON.parse((await run(['rollout', 'status', '--json'])).stdout) as { counts: { pending: number } };
    expect(status.counts.pending).toBe(2);
    for (const id of off) expect(releaseOn(id)).not.toBe('1.3.0');

    for (const id of off) await lab.powerOn(id);
    const again = await run(['rollout', '--release', '1.3.0', '--json']);
    expect(again.exitCode, again.stderr).toBe(0);
    const evAgain = lines(again.stdout);
    expect(evAgain[0]).toMatchObject({ event: 'rollout-start', devices: 2 });
    expect(
      evAgain
        .filter((e) => e.event === 'device')
        .map((e) => String(e.device))
        .sort(),
    ).toEqual([...off].sort());
    expect(new Set(Object.values(fleetReleases()))).toEqual(new Set(['1.3.0']));
  });

  it('a 4G link cut mid-transfer leaves the device pending and untouched; the next run restarts the transfer', async () => {
    const id = at(order, 7);
    const big = bundle('1.4.0');
    writeFileSync(join(big, 'www/video.bin'), randomBytes(400_000)); // incompressible: ~2 s at 1.5 Mbit/s
    expect((await run(['release', 'add', big, '--version', '1.4.0'])).exitCode).toBe(0);
    const link = await lab.addLink(id, { kbps: 1500, latencyMs: 40 });
    try {
      const part = join(lab.device(id).upperDir, 'opt/jfleet-kiosk/.staging/1.4.0.tar.gz.part');
      const watcher = setInterval(() => {
        if (existsSync(part)) {
          link.set({ cut: true });
          clearInterval(watcher);
        }
      }, 20);
      const r = await run(['rollout', '--release', '1.4.0', '--limit', id, '--json']);
      clearInterval(watcher);
      expect(r.exitCode, r.stderr).toBe(5);
      expect(lines(r.stdout).find((e) => e.event === 'device')).toMatchObject({ device: id, state: 'pending' });
      expect(releaseOn(id)).toBe('1.3.0'); // never half-live
      expect(existsSync(join(lab.device(id).upperDir, 'opt/jfleet-kiosk/releases/1.4.0'))).toBe(false);

      link.set({ cut: false });
      const again = await run(['rollout', 'resume', '--json']);
      expect(again.exitCode, again.stderr).toBe(0);
      expect(releaseOn(id)).toBe('1.4.0');
      expect(existsSync(join(lab.device(id).upperDir, 'opt/jfleet-kiosk/.staging'))).toBe(false);
    } finally {
      await lab.removeLink(id);
    }
  });

  it('a device with a full disk fails (not pending), keeps its release, and is updated once space is freed', async () => {
    const id = at(order, 9);
    expect((await run(['release', 'add', bundle('1.5.0'), '--version', '1.5.0'])).exitCode).toBe(0);
    const was = releaseOn(id);
    lab.fillDisk(id);
    try {
      const r = await run(['rollout', '--release', '1.5.0', '--limit', id, '--max-fail', '1', '--json']);
      expect(r.exitCode, r.stderr).toBe(1);
      const dev = lines(r.stdout).find((e) => e.event === 'device')!;
      expect(dev).toMatchObject({ device: id, state: 'failed' });
      expect(releaseOn(id)).toBe(was);
      expect(readdirSync(join(lab.device(id).upperDir, 'opt/jfleet-kiosk/releases'))).not.toContain('1.5.0');
    } finally {
      lab.freeDisk(id);
    }
    const again = await run(['rollout', '--release', '1.5.0', '--limit', id, '--json']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(releaseOn(id)).toBe('1.5.0');
  });
});
