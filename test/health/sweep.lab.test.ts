import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLab, type Lab } from '../../src/lab/lab.js';
import { runSweep, type SweepSession } from '../../src/health/sweep.js';
import { openDb, type Db } from '../../src/store/db.js';
import { openStateDb, STATE_MIGRATIONS } from '../../src/state-db.js';
import { homePaths, type Context } from '../../src/context.js';
import { readFleetStatus, readStateChanges } from '../../src/health/store.js';
import type { SweepSummary } from '../../src/health/types.js';
import type { RemoteShell } from '../../src/transport/types.js';
import { jfleet } from '../helpers/cli.js';
import { installKioskScript, KILL_BROWSER, startPageServer, type PageServer } from './kiosk-stand-in.js';
import { at } from '../helpers/at.js';
import { testContext } from '../helpers/context.js';

const N = 20;
let lab: Lab;
let page: PageServer;
let ctx: Context;
let stateDb: Db;

function makeCtx(home: string, env: Record<string, string>): Context {
  return testContext(home, env);
}

const fast = { connectTimeoutMs: 3000, timeoutMs: 6000 };
// The host's load is every lab device's load (one kernel): keep it out of these verdicts.
const HEALTH_YAML = `thresholds: { load_warn: 1000, load_crit: 1000 }
connect_timeout_ms: 3000
timeout_ms: 6000
`;
const sweep = (extra: Partial<Parameters<typeof runSweep>[1]> = {}) => runSweep(ctx, { inventory: lab.inventoryDir, forks: 20, db: stateDb, ...extra });
const byId = (s: SweepSummary) => new Map(s.devices.map((d) => [d.status.id, d]));

beforeAll(async () => {
  page = await startPageServer();
  lab = await startLab({ devices: N, diskMiB: 48 });
  for (const d of lab.devices) lab.run(d.id, installKioskScript(page.listen));
  writeFileSync(join(lab.inventoryDir, 'health.yaml'), HEALTH_YAML);
  const home = mkdtempSync(join(tmpdir(), 'jfleet-health-lab-'));
  ctx = makeCtx(home, lab.env);
  stateDb = openStateDb(home);
});

afterAll(async () => {
  stateDb?.close();
  await lab?.stop();
  await page?.close();
});

describe('sweeps against the lab', () => {
  let hung: string, full: string, killed: string, blip: string;

  it('a healthy fleet is ok, hard, with perfdata and the installed release', async () => {
    const s = await sweep();
    expect(s.total).toBe(N);
    const bad = s.devices
      .filter((d) => d.status.state !== 'ok')
      .map(
        (d) =>
          `${d.status.id}: ${d.status.checks
            .filter((c) => c.state !== 'ok')
            .map((c) => c.output)
            .join('; ')}`,
      );
    expect(bad).toEqual([]);
    expect(s.exitCode).toBe(0);
    const d0 = at(s.devices, 0);
    expect(d0.status.release).toBe('0.0.0-base');
    expect(d0.probe.sshMs).toBeGreaterThan(0);
    expect(d0.probe.tcpMs).toBeGreaterThan(0);
    expect(d0.status.checks.find((c) => c.name === 'disk')?.perfdata.disk_free_pct).toBeGreaterThan(50);
    expect(d0.status.checks.find((c) => c.name === 'kiosk_page')?.state).toBe('ok');
    // a lab device runs a stand-in: every report says so, none says a browser is running
    const browser = d0.status.checks.find((c) => c.name === 'kiosk_browser')!;
    expect(browser.output).toBe('stand-in browser (lab device): no real browser runs here');
    expect(browser.perfdata.stand_in).toBe(1);
    expect(d0.probe.remote?.kb).toBe(0);
  });

  it('hung → unreachable within the timeout, full disk → critical, killed kiosk → critical; the sweep finishes', async () => {
    [hung, full, killed, blip] = [at(lab.devices, 1).id, at(lab.devices, 2).id, at(lab.devices, 3).id, at(lab.devices, 4).id];
    lab.hang(hung);
    lab.fillDisk(full);
    lab.run(killed, KILL_BROWSER);
    await lab.powerOff(blip);
    const t0 = Date.now();
    const s = await sweep();
    const wall = Date.now() - t0;
    expect(wall).toBeLessThan(fast.connectTimeoutMs + fast.timeoutMs + 3000);
    const m = byId(s);
    expect(m.get(hung)?.status.state).toBe('unreachable');
    expect(m.get(hung)?.probe.error?.kind).toMatch(/timeout|unreachable/);
    expect(m.get(full)?.status.state).toBe('critical');
    expect(m.get(full)?.status.checks.find((c) => c.name === 'disk')?.state).toBe('critical');
    expect(m.get(killed)?.status.state).toBe('critical');
    expect(m.get(killed)?.status.checks.find((c) => c.name === 'kiosk_browser')?.state).toBe('critical');
    expect(m.get(blip)?.status.state).toBe('unreachable');
    // first failure: soft, nothing alerts yet, exit 0
    expect(s.devices.filter((d) => d.status.hard && d.status.state !== 'ok')).toEqual([]);
    expect(s.exitCode).toBe(0);
    expect(s.counts.ok).toBe(N - 4);
  });

  it('a device that fails once and recovers never reaches a hard state; persistent problems turn hard', async () => {
    await lab.powerOn(blip);
    lab.run(blip, installKioskScript(page.listen)); // a rebooted device starts its kiosk again
    let s = await sweep();
    expect(byId(s).get(blip)?.status.state).toBe('ok');
    s = await sweep();
    const m = byId(s);
    expect(m.get(full)?.status).toMatchObject({ state: 'critical', hard: true });
    expect(m.get(killed)?.status).toMatchObject({ state: 'critical', hard: true });
    expect(m.get(hung)?.status).toMatchObject({ state: 'unreachable', hard: true });
    expect(s.worst).toBe('unreachable');
    expect(s.exitCode).toBe(7);
    const db = openDb(homePaths(ctx.home).db, STATE_MIGRATIONS);
    try {
      const changes = readStateChanges(db, 0).filter((c) => c.id === blip);
      expect(changes.map((c) => [c.from, c.to, c.hard])).toEqual([
        [null, 'ok', true],
        ['ok', 'unreachable', false],
        ['unreachable', 'ok', false],
      ]);
      expect(readFleetStatus(db).find((d) => d.id === blip)).toMatchObject({ state: 'ok', hard: true });
    } finally {
      db.close();
    }
  });

  it('a warm session reuses its connections: no handshake on the second sweep', async () => {
    const { openPool } = await import('../../src/health/sweep.js');
    const { loadSelection } = await import('../../src/inventory/service.js');
    const sel = await loadSelection(ctx, {
      inventory: lab.inventoryDir,
      limit: lab.devices
        .slice(5, 15)
        .map((d) => d.id)
        .join(','),
    });
    const session: SweepSession = { pool: await openPool(ctx, fast, sel), connected: new Map() };
    try {
      const cold = await runSweep(ctx, { selection: sel, session, db: stateDb });
      const warm = await runSweep(ctx, { selection: sel, session, db: stateDb });
      expect(cold.devices.every((d) => d.probe.sshMs !== null)).toBe(true);
      expect(warm.devices.every((d) => d.probe.sshMs === null && d.status.state === 'ok')).toBe(true);
    } finally {
      await session.pool.closeAll();
    }
  });

  it('a kept session probes through one shell per device: the same bash every sweep; a shell killed on the device is replaced, not reported', async () => {
    const { openPool, keptSession } = await import('../../src/health/sweep.js');
    const { loadSelection } = await import('../../src/inventory/service.js');
    const sel = await loadSelection(ctx, {
      inventory: lab.inventoryDir,
      limit: lab.devices
        .slice(5, 10)
        .map((d) => d.id)
        .join(','),
    });
    const session = keptSession(await openPool(ctx, fast, sel));
    try {
      const first = await runSweep(ctx, { selection: sel, session, db: stateDb });
      expect(first.devices.map((d) => d.status.state)).toEqual(sel.packages.map(() => 'ok'));
      const shells = new Map([...session.shells!].map(([id, s]) => [id, s.probe.shell]));
      expect([...shells.keys()].sort()).toEqual(sel.packages.map((p) => p.id).sort());
      // the shell is a real bash on the device; its pid stays the same across sweeps
      const pidOf = async (shell: RemoteShell) => (await shell.run('echo $$')).stdout.trim();
      const victim = at(sel.packages, 0).id;
      const before = await pidOf(shells.get(victim)!);
      expect(before).toMatch(/^\d+$/);
      const second = await runSweep(ctx, { selection: sel, session, db: stateDb });
      expect(second.devices.every((d) => d.status.state === 'ok' && d.probe.sshMs === null)).toBe(true);
      for (const [id, s] of session.shells!) expect(s.probe.shell).toBe(shells.get(id));
      expect(await pidOf(shells.get(victim)!)).toBe(before);
      // killed on the device (an admin, the OOM killer): that sweep falls back to exec, the next opens a new shell
      lab.run(victim, `kill -9 ${before}`);
      const third = await runSweep(ctx, { selection: sel, session, db: stateDb });
      expect(third.devices.find((d) => d.status.id === victim)?.status.state).toBe('ok');
      const fourth = await runSweep(ctx, { selection: sel, session, db: stateDb });
      expect(fourth.devices.find((d) => d.status.id === victim)?.status.state).toBe('ok');
      const replaced = session.shells!.get(victim)!.probe.shell;
      expect(replaced).not.toBe(shells.get(victim));
      expect(replaced.alive).toBe(true);
      expect(await pidOf(replaced)).not.toBe(before);
    } finally {
      await session.pool.closeAll();
    }
  });

  it('CLI: a second sweep while one runs exits 75; check speaks Nagios; silence keeps a device from the exit code', async () => {
    const env = { ...lab.env, JFLEET_HOME: ctx.home };
    const [a, b] = await Promise.all([
      jfleet(['sweep', '--json'], { home: ctx.home, env, timeoutMs: 60_000 }),
      new Promise((r) => setTimeout(r, 400)).then(() => jfleet(['sweep'], { home: ctx.home, env })),
    ]);
    expect(b.exitCode).toBe(75);
    expect(b.stderr).toMatch(/another sweep is running \(pid \d+/);
    expect(a.exitCode).toBe(7);
    const summary = JSON.parse(a.stdout) as { worst: string; devices: Array<{ id: string; state: string }> };
    expect(summary.worst).toBe('unreachable');

    const ok = await jfleet(['check', at(lab.devices, 0).id], { home: ctx.home, env });
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toMatch(new RegExp(`^JFLEET OK - ${at(lab.devices, 0).id}: all checks ok \\| .*disk_free_pct=`));
    const crit = await jfleet(['check', full], { home: ctx.home, env });
    expect(crit.exitCode).toBe(2);
    expect(crit.stdout).toMatch(/^JFLEET CRITICAL - .*disk \/ 0% free/);
    const missing = await jfleet(['check', 'no-such-kiosk'], { home: ctx.home, env });
    expect(missing.exitCode).toBe(3);
    expect(missing.stdout).toMatch(/^JFLEET UNKNOWN - no package "no-such-kiosk"/);

    lab.resume(hung);
    for (const id of [full, killed]) {
      const r = await jfleet(['silence', id, '--for', '2d', '--reason', 'under repair'], { home: ctx.home, env });
      expect(r.exitCode).toBe(0);
    }
    const after = await jfleet(['sweep'], { home: ctx.home, env, timeoutMs: 60_000 });
    expect(after.exitCode).toBe(0);
    expect(after.stdout).toMatch(/2 hard but silenced or flapping/);
    const status = await jfleet(['status', '--json'], { home: ctx.home, env });
    const list = JSON.parse(status.stdout) as Array<{ id: string; state: string; silenced: boolean }>;
    expect(list.find((d) => d.id === full)).toMatchObject({ state: 'critical', silenced: true });
    expect(list).toHaveLength(N);
  });

  it('screenshot: the stand-in and a device with no display say so in one line (exit 1); an output in the inventory is refused first (exit 2)', async () => {
    const env = { ...lab.env, JFLEET_HOME: ctx.home };
    const dir = mkdtempSync(join(tmpdir(), 'jfleet-shot-'));
    const d0 = at(lab.devices, 0).id;
    const standIn = await jfleet(['screenshot', d0, '-o', join(dir, 'a.png')], { home: ctx.home, env });
    expect(standIn.exitCode).toBe(1);
    expect(standIn.stderr).toBe(`jfleet: error: ${d0} runs the lab's stand-in browser: there is no screen to capture\n`);
    // a device that is not the stand-in: a lab device has no display hardware at all
    const d1 = at(lab.devices, 1).id;
    lab.run(d1, 'rm -f /run/jfleet-kiosk/stand-in');
    const noScreen = await jfleet(['screenshot', d1, '-o', join(dir, 'b.png')], { home: ctx.home, env });
    expect(noScreen.exitCode).toBe(1);
    expect(noScreen.stderr).toMatch(/has no display hardware \(no \/sys\/class\/drm\)/);
    const intoInventory = await jfleet(['screenshot', d0, '-o', join(lab.inventoryDir, 'shot.png')], { home: ctx.home, env });
    expect(intoInventory.exitCode).toBe(2);
    expect(intoInventory.stderr).toMatch(/--output: cannot write .*shot\.png: it is in the inventory directory/);
    const unknownId = await jfleet(['screenshot', 'no-such-kiosk', '-o', join(dir, 'c.png')], { home: ctx.home, env });
    expect(unknownId.exitCode).toBe(2);
    expect(readdirSync(dir)).toEqual([]);
    expect(existsSync(join(lab.inventoryDir, 'shot.png'))).toBe(false);
  });
});
