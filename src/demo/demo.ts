/**
 * The main job, end to end, on the embedded default: a local simulated fleet (real sshd devices
 * from the lab), registration by CSV import, provisioning over SSH, a health sweep, a report to
 * a local reference central server, and the dashboard's address. Everything lives under
 * $JFLEET_HOME/demo so a real fleet's config and state are never touched.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startCentral } from '../central/server.js';
import type { Context } from '../context.js';
import { CancelledError, ExitCode, ExitStatus, UserError } from '../errors.js';
import { renderSweep } from '../health/render.js';
import { runSweep } from '../health/sweep.js';
import { registerRows } from '../inventory/registration.js';
import { updateInventory } from '../inventory/store.js';
import { startLab, stopLabs } from '../lab/lab.js';
import { type BootedDevice, PORTAL_COLOUR, registerBootedDevice, startBootedDevice, waitForScreen } from '../lab/booted.js';
import type { ProvisionSink } from '../provision/events.js';
import { provisionAll } from '../provision/runner.js';
import { reportNow } from '../report/service.js';
import { openStateDb } from '../state-db.js';
import { configReader } from '../config/config.js';

export interface DemoOptions {
  devices: number;
  /** stop the fleet and the central server when done, instead of serving until Ctrl-C */
  once: boolean;
  /** central server port (0 = any free port) */
  port: number;
  /** add one booted kiosk (a bare Debian 12 machine under QEMU, provisioned for real) and end with its screenshot */
  kiosk?: boolean;
}

/** How the demo speaks: handed in by its handler, which owns the terminal. */
export interface DemoNarration {
  /** one line of narration for people */
  say(line: string): void;
  bold(s: string): string;
  green(s: string): string;
  /** provisioning's progress events (the handler draws them) */
  provision?: ProvisionSink;
  /** the result, once the fleet is up, provisioned, swept and reported (before serving the dashboard) */
  result?(r: DemoResult): void;
}

export interface DemoResult {
  devices: number;
  registered: number;
  provision: { ok: number; changed: number; failed: number; devicesFailed: number };
  sweep: { counts: Record<string, number>; durationMs: number };
  report: { id: string; delivered: number; pending: number };
  dashboard: string;
  home: string;
  env: Record<string, string>;
  /** the booted kiosk (--kiosk): its id, the PNG of its screen, whether the portal fills it */
  kiosk?: { id: string; screenshot: string; portalShown: boolean; accel: string; bootMs: number };
}

export async function runDemo(ctx: Context, opts: DemoOptions, narration: DemoNarration): Promise<DemoResult> {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new UserError('the demo brings up a simulated fleet of real sshd devices, which needs root', {
      hint: 'run it as root (e.g. sudo bash scripts/quickstart.sh)',
    });
  }
  const c = narration;
  const say = (s: string) => narration.say(s);
  // Ctrl-C before the dashboard is up stops the demo where it is (each step finishes what it has
  // in flight), instead of running the remaining steps on a half-done fleet and calling it done.
  const steps = opts.kiosk ? 6 : 5;
  const step = (n: number, s: string) => {
    if (ctx.signal.aborted) throw new CancelledError(`cancelled before step ${n} of ${steps}; the simulated fleet is stopped`);
    say(`\n${c.bold(`[${n}/${steps}]`)} ${c.bold(s)}`);
  };
  const t0 = Date.now();
  const secs = (t: number) => `${((Date.now() - t) / 1000).toFixed(1)} s`;

  const home = join(ctx.home, 'demo');
  const inventoryDir = join(home, 'inventory');
  const token = randomBytes(18).toString('base64url');

  // A fresh demo every time: a previous demo's fleet, inventory and state go first.
  await stopLabs((e) => e.dir === join(home, 'lab'));
  for (const p of ['inventory', 'state', 'central.db', 'central.db-wal', 'central.db-shm', 'packages.csv'])
    rmSync(join(home, p), { recursive: true, force: true });
  mkdirSync(home, { recursive: true, mode: 0o700 });

  step(1, `Bringing up ${opts.devices} simulated kiosk devices (real sshd, own address, host key and root filesystem)`);
  let t = Date.now();
  const lab = await startLab({ devices: opts.devices, dir: join(home, 'lab'), pinHostKeys: false });
  let central: { url: string; close(): Promise<void> } | undefined;
  let vm: BootedDevice | undefined;
  try {
    say(`  ${lab.devices.length} devices up in ${secs(t)}: ${lab.devices[0]!.address} … ${lab.devices.at(-1)!.address}`);
    if (opts.kiosk) {
      t = Date.now();
      say('  and one booted kiosk: a bare Debian 12 machine under QEMU (image built from the mirror on first use, then cached)');
      vm = await startBootedDevice({ dir: join(home, 'vm'), env: ctx.env, signal: ctx.signal });
      say(`  booted kiosk up in ${secs(t)} (${vm.accel.toUpperCase()}): ssh on 127.0.0.1:${vm.sshPort}, portal ${vm.guest.portalUrl}`);
    }

    step(2, 'Registering the packages from a spreadsheet (CSV import against the village reference)');
    t = Date.now();
    const csvFile = join(home, 'packages.csv');
    const rows = lab.devices.map((d, i) => ({
      id: d.id,
      village: d.village.code,
      address: d.address,
      port: String(d.port),
      user: 'root',
      serial: `JMB-DEMO-${String(i + 1).padStart(4, '0')}`,
      mac: `02:4a:4d:00:${((i >> 8) & 0xff).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`,
      model: 'Lab mini-PC',
      tags: i === 0 ? 'lab;ring-canary' : 'lab;ring-main',
    }));
    const header = Object.keys(rows[0] ?? {});
    writeFileSync(csvFile, [header.join(','), ...rows.map((r) => header.map((h) => r[h as keyof typeof r]).join(','))].join('\n') + '\n');
    const reg = await registerRows({
      dir: inventoryDir,
      rows: rows.map((values, i) => ({ line: i + 2, values })),
      file: csvFile,
      now: ctx.clock.now(),
    });
    // Lab devices share the host's network namespace, so each kiosk page server listens on its
    // device's own loopback address instead of 127.0.0.1:8080.
    await updateInventory(inventoryDir, (pkgs) => pkgs.map((p) => ({ ...p, vars: { ...p.vars, kiosk_listen: `${p.address}:8080` } })));
    let added = reg.outcomes.filter((o) => o.status === 'add').length;
    if (vm) {
      // a booted machine as a technician registers it: its forwarded address, its host key pinned,
      // the office's apt proxy and portal; it logs in with its own image's key
      await registerBootedDevice(vm, { home, inventoryDir, id: DEMO_KIOSK_ID, village: DEMO_KIOSK_VILLAGE, ownKey: true });
      added++;
    }
    say(`  ${added} packages registered in ${inventoryDir}/packages.yaml (${secs(t)})`);

    const srv = await startCentral({ port: opts.port, dbFile: join(home, 'central.db'), token });
    central = srv;
    const env: Record<string, string> = {
      JFLEET_HOME: home,
      JFLEET_INVENTORY: inventoryDir,
      JFLEET_KEY_FILE: lab.keyFile,
      JFLEET_API_URL: srv.url,
      JFLEET_API_TOKEN: token,
    };
    // its own home and environment, so its own config reader too (the outer one read the user's)
    const denv = { ...ctx.env, ...env };
    const dctx: Context = { ...ctx, home, env: denv, config: configReader({ home, env: denv }) };

    step(3, 'Provisioning the kiosks over SSH (host keys pinned on first contact)');
    t = Date.now();
    // The full plan and apply (27 steps per device, twice) would bury the other four steps: the
    // demo prints the recap in one line, with the failing devices, and `jfleet provision --check`
    // (suggested below) shows a device's steps.
    const prov = await provisionAll(dctx, {}, narration.provision);
    const pt = prov.total;
    say(
      `  ${pt.devices} device(s) provisioned in ${secs(t)}: ${pt.changed} change(s) applied, ${pt.ok} step(s) already ok, ${pt.failed} failed, ${pt.unreachable} unreachable`,
    );
    for (const d of prov.devices.filter((x) => x.failed || x.unreachable || x.error)) {
      const why =
        d.error ??
        d.steps
          .filter((st) => st.status === 'failed')
          .map((st) => `${st.id}: ${st.error ?? st.reason}`)
          .join('; ');
      say(`    ${d.id}: ${why || 'failed'}${d.logFile ? ` (log: ${d.logFile})` : ''}`);
    }
    // The kiosk service starts in the background after provisioning; give it a moment so the
    // first sweep sees the fleet as it is, not as it boots.
    const ready = await waitForKiosks(
      lab.devices.map((d) => `http://${d.address}:8080/`),
      15_000,
      ctx.signal,
    );
    say(`  ${ready}/${lab.devices.length} kiosk pages answering`);
    let kiosk: DemoResult['kiosk'];
    if (vm) {
      // the booted kiosk starts its browser after provisioning; wait for the portal on its screen
      const shot = join(home, 'kiosk.png');
      const seen = await waitForScreen(vm, { colour: PORTAL_COLOUR, share: 0.9, timeoutMs: 180_000, pngFile: shot, signal: ctx.signal });
      kiosk = { id: DEMO_KIOSK_ID, screenshot: shot, portalShown: seen.shown, accel: vm.accel, bootMs: vm.timings.boot ?? 0 };
      say(
        seen.shown
          ? `  ${DEMO_KIOSK_ID}: the portal is on its screen (${Math.round(seen.share * 100)} % of the pixels)`
          : `  ${DEMO_KIOSK_ID}: the portal is not on its screen yet (${Math.round(seen.share * 100)} % of the pixels after ${(seen.ms / 1000).toFixed(0)} s)`,
      );
    }

    step(4, 'Sweeping the fleet: probes and health checks, one round trip per device');
    t = Date.now();
    const db = openStateDb(dctx.home);
    let sweep, rep;
    try {
      sweep = await runSweep(dctx, { db });
      for (const line of renderSweep(sweep, ctx.clock.now())) say('  ' + line);

      step(5, 'Reporting the fleet to the central API (outbox first, then delivery)');
      rep = await reportNow(dctx, db, { waitMs: 5000 });
    } finally {
      db.close();
    }
    say(`  report ${rep.report.reportId}: ${rep.send?.delivered.length ?? 0} delivered, ${rep.send?.pending ?? 0} still queued`);

    if (ctx.signal.aborted) throw new CancelledError('cancelled before the dashboard was served; the simulated fleet is stopped');
    const dashboard = `${srv.url}/`;
    const result: DemoResult = {
      devices: lab.devices.length,
      registered: added,
      provision: { ok: pt.ok, changed: pt.changed, failed: pt.failed, devicesFailed: pt.failedDevices + pt.unreachable },
      sweep: { counts: sweep.counts, durationMs: sweep.durationMs },
      report: { id: rep.report.reportId, delivered: rep.send?.delivered.length ?? 0, pending: rep.send?.pending ?? 0 },
      dashboard,
      home,
      env,
      ...(kiosk ? { kiosk } : {}),
    };
    if (kiosk) {
      step(6, `The booted kiosk's screen (${kiosk.id})`);
      say(`  ${kiosk.screenshot}${kiosk.portalShown ? '' : ' (not the portal: see jfleet sweep and jfleet provision --check)'}`);
      say(`  see it again any time: jfleet screenshot ${kiosk.id} -o kiosk.png`);
    }
    narration.result?.(result);
    if (opts.once) {
      // --once stops the fleet and the server next: a dashboard address or exports would be dead links.
      say(`\n${c.green('Done')} in ${secs(t0)}. The fleet and the central server stop now (run without --once to keep them and open the dashboard).`);
    } else {
      say(`\n${c.green('Done')} in ${secs(t0)}. Dashboard: ${c.bold(dashboard)}`);
      say('Try, in another shell:');
      say(
        '  ' +
          Object.entries(env)
            .map(([k, v]) => `export ${k}=${v}`)
            .join('\n  '),
      );
      // Right after the quick start jfleet is not on the PATH yet (that is npm install -g .):
      // without this line, the first command a newcomer copies is "jfleet: command not found".
      if (!onPath(ctx.env.PATH))
        say(`  alias jfleet=${fileURLToPath(new URL('../../bin/jfleet.js', import.meta.url))}   # or: npm install -g . (puts jfleet on the PATH)`);
      say('  jfleet status; jfleet exec -- uptime; jfleet check ' + lab.devices[0]!.id + '; jfleet provision --check; jfleet rollout --help');
    }

    if (!opts.once) {
      say(`\nThe fleet and the central server keep running until Ctrl-C.`);
      await new Promise<void>((resolve) => {
        if (ctx.signal.aborted) return resolve();
        ctx.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    }
    if (result.provision.devicesFailed > 0 || result.report.pending > 0 || (kiosk && !kiosk.portalShown)) {
      throw new ExitStatus(
        ExitCode.deviceFailed,
        `demo finished with ${result.provision.devicesFailed} device(s) failing provisioning and ${result.report.pending} report(s) undelivered${kiosk && !kiosk.portalShown ? ', and the booted kiosk not showing its portal' : ''}`,
      );
    }
    return result;
  } finally {
    await central?.close();
    await vm?.stop();
    await lab.stop();
  }
}

/** The booted kiosk of `jfleet demo --kiosk`: Desa Rambipuji (35.09.13.2006). */
const DEMO_KIOSK_ID = 'kiosk-qemu-rambipuji';
const DEMO_KIOSK_VILLAGE = '35.09.13.2006';

function onPath(path: string | undefined): boolean {
  return (path ?? '').split(':').some((d) => d !== '' && existsSync(join(d, 'jfleet')));
}

async function waitForKiosks(urls: string[], timeoutMs: number, signal: AbortSignal): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  const up = new Set<string>();
  while (up.size < urls.length && Date.now() < deadline && !signal.aborted) {
    await Promise.all(
      urls
        .filter((u) => !up.has(u))
        .map(async (u) => {
          try {
            const r = await fetch(u, { signal: AbortSignal.timeout(1000) });
            if (r.ok) up.add(u);
            await r.body?.cancel();
          } catch {
            /* not up yet */
          }
        }),
    );
    if (up.size < urls.length) await new Promise((r) => setTimeout(r, 300));
  }
  return up.size;
}
