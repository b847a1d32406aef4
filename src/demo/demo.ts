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

export interface DemoOptions {
  devices: number;
  /** stop the fleet and the central server when done, instead of serving until Ctrl-C */
  once: boolean;
  /** central server port (0 = any free port) */
  port: number;
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
  const lab = await startLab({ devices: opts.devices, dir: join(home, 'lab'), pinHostKeys: false });
  let central: { url: string; close(): Promise<void> } | undefined;
  try {
    say(`  ${tr('demo.devicesUp', { count: lab.devices.length, time: secs(t), first: lab.devices[0]!.address, last: lab.devices.at(-1)!.address })}`);

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
    const added = reg.outcomes.filter((o) => o.status === 'add').length;
    say(`  ${tr('demo.registered', { count: added, file: `${inventoryDir}/packages.yaml`, time: secs(t) })}`);

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
    if (result.provision.devicesFailed > 0 || result.report.pending > 0) {
      throw new ExitStatus(ExitCode.deviceFailed, tr('demo.finishedWithFailures', { failed: result.provision.devicesFailed, pending: result.report.pending }));
    }
    return result;
  } finally {
    await central?.close();
    await lab.stop();
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
