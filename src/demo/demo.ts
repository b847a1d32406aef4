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
import { renderSweep, type Speech } from '../health/render.js';
import { runSweep } from '../health/sweep.js';
import { registerRows } from '../inventory/registration.js';
import { updateInventory } from '../inventory/store.js';
import { startLab, stopLabs } from '../lab/lab.js';
import type { ProvisionSink } from '../provision/events.js';
import { provisionAll } from '../provision/runner.js';
import { reportNow } from '../report/service.js';
import { openStateDb } from '../state-db.js';
import { configReader } from '../config/config.js';
import type { Package } from '../inventory/schema.js';

export interface DemoOptions {
  devices: number;
  /** stop the fleet and the central server when done, instead of serving until Ctrl-C */
  once: boolean;
  /** central server port (0 = any free port) */
  port: number;
  /** add one booted Debian kiosk (QEMU) to the simulated fleet, and end with its screenshot */
  kiosk?: boolean;
}

/** How the demo speaks: handed in by its handler, which owns the terminal. */
export interface DemoNarration {
  /** one line of narration for people */
  say(line: string): void;
  /** the words and formats the narration speaks with */
  speech: Speech;
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
  /** the booted kiosk, with --kiosk */
  kiosk?: { id: string; portalShown: boolean; screenshot: string | null };
}

export async function runDemo(ctx: Context, opts: DemoOptions, narration: DemoNarration): Promise<DemoResult> {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new UserError(ctx.t('demo.needsRoot'), {
      hint: ctx.t('demo.needsRootHint'),
    });
  }
  const c = narration;
  const say = (s: string) => narration.say(s);
  const tr = ctx.t;
  // Ctrl-C before the dashboard is up stops the demo where it is (each step finishes what it has
  // in flight), instead of running the remaining steps on a half-done fleet and calling it done.
  const step = (n: number, s: string) => {
    if (ctx.signal.aborted) throw new CancelledError(tr('demo.cancelledBeforeStep', { n }));
    say(`\n${c.bold(`[${n}/5]`)} ${c.bold(s)}`);
  };
  const t0 = Date.now();
  const secs = (t: number) => tr('demo.seconds', { seconds: ((Date.now() - t) / 1000).toFixed(1) });

  const home = join(ctx.home, 'demo');
  const inventoryDir = join(home, 'inventory');
  const token = randomBytes(18).toString('base64url');

  // A fresh demo every time: a previous demo's fleet, inventory and state go first.
  await stopLabs((e) => e.dir === join(home, 'lab'));
  for (const p of ['inventory', 'state', 'central.db', 'central.db-wal', 'central.db-shm', 'packages.csv'])
    rmSync(join(home, p), { recursive: true, force: true });
  mkdirSync(home, { recursive: true, mode: 0o700 });

  step(1, tr('demo.step1', { count: opts.devices }));
  let t = Date.now();
  // the booted kiosk boots (and on a first run has its image built) while the lab comes up
  const kioskVm = opts.kiosk ? bootKiosk(ctx, home, say) : undefined;
  let lab: Awaited<ReturnType<typeof startLab>>;
  try {
    lab = await startLab({ devices: opts.devices, dir: join(home, 'lab'), pinHostKeys: false });
  } catch (e) {
    await kioskVm?.stop();
    throw e;
  }
  let central: { url: string; close(): Promise<void> } | undefined;
  try {
    say(`  ${tr('demo.devicesUp', { count: lab.devices.length, time: secs(t), first: lab.devices[0]!.address, last: lab.devices.at(-1)!.address })}`);
    const vm = kioskVm ? await kioskVm.ready(lab.devices.map((d) => d.village.code)) : undefined;

    step(2, tr('demo.step2'));
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
      // registered as a technician would: its forwarded address, host key pinned, its own key
      await updateInventory(inventoryDir, (pkgs) => [...pkgs, vm.pkg]);
      added++;
    }
    say(`  ${tr('demo.registered', { count: added, file: `${inventoryDir}/packages.yaml`, time: secs(t) })}`);
    if (vm) say(`  ${tr('demo.kioskRegistered', { id: vm.pkg.id, village: vm.pkg.village })}`);

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

    step(3, tr('demo.step3'));
    if (vm) say(`  ${tr('demo.kioskProvisionNote')}`);
    t = Date.now();
    // The full plan and apply (27 steps per device, twice) would bury the other four steps: the
    // demo prints the recap in one line, with the failing devices, and `jfleet provision --check`
    // (suggested below) shows a device's steps.
    const prov = await provisionAll(dctx, {}, narration.provision);
    const pt = prov.total;
    say(`  ${tr('demo.provisioned', { count: pt.devices, time: secs(t), changed: pt.changed, ok: pt.ok, failed: pt.failed, unreachable: pt.unreachable })}`);
    for (const d of prov.devices.filter((x) => x.failed || x.unreachable || x.error)) {
      const why =
        d.error ??
        d.steps
          .filter((st) => st.status === 'failed')
          .map((st) => `${st.id}: ${st.error ?? st.reason}`)
          .join('; ');
      say(`    ${d.id}: ${why || tr('demo.failed')}${d.logFile ? ` ${tr('demo.log', { file: d.logFile })}` : ''}`);
    }
    // The kiosk service starts in the background after provisioning; give it a moment so the
    // first sweep sees the fleet as it is, not as it boots.
    const ready = await waitForKiosks(
      lab.devices.map((d) => `http://${d.address}:8080/`),
      15_000,
      ctx.signal,
    );
    say(`  ${tr('demo.pagesAnswering', { ready, count: lab.devices.length })}`);
    let kioskResult: DemoResult['kiosk'];
    if (vm) {
      const tk = Date.now();
      const shown = await vm.portalOnScreen(ctx.signal);
      say(`  ${tr(shown ? 'demo.kioskPortal' : 'demo.kioskNoPortal', { id: vm.pkg.id, time: secs(tk) })}`);
      kioskResult = { id: vm.pkg.id, portalShown: shown, screenshot: null };
    }

    step(4, tr('demo.step4'));
    t = Date.now();
    const db = openStateDb(dctx.home);
    let sweep, rep;
    try {
      sweep = await runSweep(dctx, { db });
      for (const line of renderSweep(narration.speech, sweep, ctx.clock.now())) say(`  ${line}`);

      step(5, tr('demo.step5'));
      rep = await reportNow(dctx, db, { waitMs: 5000 });
    } finally {
      db.close();
    }
    say(`  ${tr('demo.reported', { id: rep.report.reportId, delivered: rep.send?.delivered.length ?? 0, pending: rep.send?.pending ?? 0 })}`);
    if (vm && kioskResult) {
      // the same path as `jfleet screenshot ID`: over SSH, grim on the device's own screen
      const file = join(home, `${vm.pkg.id}.png`);
      const shot = await kioskScreenshot(dctx, vm.pkg, file);
      if (shot.ok) {
        kioskResult.screenshot = file;
        say(`  ${tr('demo.kioskScreenshot', { id: vm.pkg.id, width: shot.width, height: shot.height, file: c.bold(file) })}`);
      } else say(`  ${tr('demo.kioskNoScreenshot', { id: vm.pkg.id, error: ctx.t.phrase(shot.message) })}`);
    }

    if (ctx.signal.aborted) throw new CancelledError(tr('demo.cancelledBeforeDashboard'));
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
      ...(kioskResult ? { kiosk: kioskResult } : {}),
    };
    narration.result?.(result);
    if (opts.once) {
      // --once stops the fleet and the server next: a dashboard address or exports would be dead links.
      say(`\n${c.green(tr('demo.done'))} ${tr('demo.doneOnce', { time: secs(t0) })}`);
    } else {
      say(`\n${c.green(tr('demo.done'))} ${tr('demo.doneDashboard', { time: secs(t0), url: c.bold(dashboard) })}`);
      say(tr('demo.tryAnotherShell'));
      say(
        '  ' +
          Object.entries(env)
            .map(([k, v]) => `export ${k}=${v}`)
            .join('\n  '),
      );
      // Right after the quick start jfleet is not on the PATH yet (that is npm install -g .):
      // without this line, the first command a newcomer copies is "jfleet: command not found".
      if (!onPath(ctx.env.PATH)) say(`  alias jfleet=${fileURLToPath(new URL('../../bin/jfleet.js', import.meta.url))}   # ${tr('demo.orInstall')}`);
      say('  jfleet status; jfleet exec -- uptime; jfleet check ' + lab.devices[0]!.id + '; jfleet provision --check; jfleet rollout --help');
    }

    if (!opts.once) {
      say(`\n${tr('demo.keepRunning')}`);
      await new Promise<void>((resolve) => {
        if (ctx.signal.aborted) return resolve();
        ctx.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    }
    if (result.provision.devicesFailed > 0 || result.report.pending > 0 || (kioskResult && (!kioskResult.portalShown || !kioskResult.screenshot))) {
      throw new ExitStatus(ExitCode.deviceFailed, tr('demo.finishedWithFailures', { failed: result.provision.devicesFailed, pending: result.report.pending }));
    }
    return result;
  } finally {
    await central?.close();
    await lab.stop();
    await kioskVm?.stop();
  }
}

/**
 * The booted kiosk of `demo --kiosk`: the lab's booted device (src/lab/booted.ts: a bare Debian 12 under QEMU) (loaded only for
 * --kiosk), its package entry for a reference village the simulated fleet does not use, a wait
 * for the portal on its screen (QEMU's own view), and a stop by pid whatever happened.
 */
function bootKiosk(ctx: Context, home: string, say: (s: string) => void) {
  const t0 = Date.now();
  const log: string[] = [];
  const started = (async () => {
    const { startBootedDevice } = await import('../lab/booted.js');
    return startBootedDevice({ dir: join(home, 'kiosk-vm'), env: ctx.env, log: (l) => log.push(l), signal: ctx.signal });
  })();
  // a failure is reported where the demo waits for the device (ready), never as an unhandled rejection
  started.catch(() => undefined);
  say(`  ${ctx.t('demo.kioskBooting', { id: 'kiosk-vm' })}`);
  return {
    async ready(taken: string[]) {
      let dev;
      try {
        dev = await started;
      } catch (e) {
        const tail = log.slice(-3).join(' | ');
        throw new UserError(ctx.t('demo.kioskFailed', { error: `${(e as Error).message}${tail ? ` (${tail})` : ''}` }));
      }
      const { bootedPackage } = await import('../lab/booted.js');
      const { loadVillages } = await import('../inventory/villages.js');
      const { slug } = await import('../inventory/registration.js');
      const used = new Set(taken);
      const village = loadVillages().villages.find((v) => !used.has(v.code))!;
      const pkg = bootedPackage(dev, { id: `kiosk-vm-${slug(village.name)}`, village: village.code, ownKey: true }, ctx.clock.now());
      say(
        `  ${ctx.t('demo.kioskUp', { id: pkg.id, time: ctx.t('demo.seconds', { seconds: ((Date.now() - t0) / 1000).toFixed(1) }), accel: dev.accel, port: dev.sshPort })}`,
      );
      return {
        pkg,
        async portalOnScreen(signal: AbortSignal): Promise<boolean> {
          const { waitForScreen } = await import('../lab/booted.js');
          const { PORTAL_COLOUR } = await import('../lab/booted.js');
          const r = await waitForScreen(dev, { colour: PORTAL_COLOUR, share: 0.9, timeoutMs: 240_000, pngFile: join(home, 'kiosk-vm', 'screen.png'), signal });
          return r.shown;
        },
      };
    },
    async stop() {
      const dev = await started.catch(() => undefined);
      await dev?.stop();
    },
  };
}

/** What `jfleet screenshot ID -o FILE` does, for the demo's booted kiosk. */
async function kioskScreenshot(ctx: Context, pkg: Package, file: string) {
  const { openPool } = await import('../health/sweep.js');
  const { captureScreen } = await import('../health/screenshot.js');
  const { loadSelection } = await import('../inventory/service.js');
  const { writeAtomic } = await import('../atomic-file.js');
  const sel = await loadSelection(ctx, {});
  const pool = await openPool(ctx, { connectTimeoutMs: 30_000, timeoutMs: 60_000 }, sel);
  try {
    const shot = await captureScreen(await pool.get(pkg), pkg.id, { signal: ctx.signal });
    if (shot.ok) writeAtomic(file, shot.png, { mode: 0o644 });
    return shot;
  } catch (e) {
    return { ok: false as const, message: (e as Error).message };
  } finally {
    await pool.closeAll().catch(() => undefined);
  }
}

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
