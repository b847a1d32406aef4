/**
 * Handlers of jfleet sweep, screenshot, check, status, history and silence: the command files parse; here we
 * call the health capability, render, and pick the exit code.
 */
import type { Context } from '../../context.js';
import { ExitCode, ExitStatus, UserError, printable } from '../../errors.js';
import { readTunnels, type TunnelStatus } from '../../reach/status.js';
import { openStateDb } from '../../state-db.js';
import type { Db } from '../../store/db.js';
import { printJson, println } from '../shared.js';
import { failureText } from '../render/failure.js';
import { evaluate, nagiosLine } from '../../health/checks.js';
import {
  addSilence,
  clearSilences,
  listSilences,
  readAvailability,
  readDeviceChanges,
  readDeviceStatus,
  readFleetStatus,
  readHistory,
} from '../../health/store.js';
import { renderAvailability, renderHistory, renderStatus, renderSweep, type Paint, plain } from '../../health/render.js';
import { parseDuration } from '../../health/silence.js';
import type { DeviceStatus, HealthState, SweepSummary } from '../../health/types.js';
import { deviceText } from '../render/terminal.js';
import { speech, when } from '../render/speech.js';

async function painter(ctx: Context): Promise<Paint> {
  if (!ctx.color) return plain;
  const pc = (await import('picocolors')).default;
  const by: Record<HealthState, (s: string) => string> = { ok: pc.green, warn: pc.yellow, critical: pc.red, unknown: pc.magenta, unreachable: pc.blue };
  return (s, t) => by[s](t);
}

/**
 * A device's status with the text the device reported (check outputs, its release) passed
 * through `shown`, for the human renderings: escaped on a terminal, exact when piped.
 */
export function shownStatus(d: DeviceStatus, shown: (s: string) => string): DeviceStatus {
  return { ...d, release: d.release === null ? null : shown(d.release), checks: d.checks.map((c) => ({ ...c, output: shown(c.output) })) };
}

export function sweepJson(s: SweepSummary) {
  return {
    ...s,
    devices: s.devices.map((d) => ({
      ...d.status,
      alerting: d.alerting,
      changed: d.changed,
      probe: { tcpMs: d.probe.tcpMs, sshMs: d.probe.sshMs, execMs: d.probe.execMs, error: d.probe.error },
    })),
  };
}

/**
 * `jfleet sweep [--report]`. With --report, a report is queued and the outbox sent after the
 * sweep, as `jfleet report` would (one pass, no waiting): the exit code is the sweep's unless
 * the report fails (reports left queued: 1; no API or token refused: 2; outbox busy: 75), which
 * then wins, since the sweep's results are stored either way. A cancelled sweep sends nothing.
 */
export async function sweepCommand(
  ctx: Context,
  opts: { inventory?: string; limit?: string; json?: boolean; forks?: number; wait?: boolean; report?: boolean },
): Promise<void> {
  const { runSweep } = await import('../../health/sweep.js');
  // opened by the sweep when it first stores, while the first devices answer; kept for the report
  let db: Db | undefined;
  const stateDb = async () => (db ??= openStateDb(ctx.home));
  try {
    const summary = await runSweep(ctx, { inventory: opts.inventory, limit: opts.limit, forks: opts.forks, wait: opts.wait, db: stateDb });
    const { recordFailed } = await import('../../inventory/service.js');
    await recordFailed(
      ctx,
      summary.devices.filter((d) => d.status.state !== 'ok').map((d) => d.status.id),
    );
    if (!opts.json) {
      const shown = deviceText(ctx.stdout);
      const view = { ...summary, devices: summary.devices.map((d) => ({ ...d, status: shownStatus(d.status, shown) })) };
      for (const l of renderSweep(speech(ctx), view, ctx.clock.now(), await painter(ctx))) println(ctx, l);
    } else if (!opts.report || ctx.signal.aborted) printJson(ctx, sweepJson(summary));
    if (ctx.signal.aborted) throw new ExitStatus(ExitCode.cancelled, ctx.t('health.sweep.cancelled'));
    if (opts.report) {
      const { queueAndSend, reportExit } = await import('./report.js');
      let sent;
      try {
        sent = await queueAndSend(ctx, await stateDb(), { waitMs: 0, json: opts.json });
      } catch (e) {
        if (opts.json) printJson(ctx, { ...sweepJson(summary), report: null });
        throw e;
      }
      if (opts.json) printJson(ctx, { ...sweepJson(summary), report: sent.doc });
      reportExit(ctx, sent.send);
    }
    if (summary.exitCode !== 0) throw new ExitStatus(summary.exitCode);
  } finally {
    (db as Db | undefined)?.close();
  }
}

/** Nagios plugin contract: one line on stdout, exit 0/1/2/3; never exits 2 for a usage problem. */
export async function checkCommand(ctx: Context, id: string, opts: { inventory?: string }): Promise<void> {
  const unknown = (msg: string): never => {
    // the keyword is the plugin contract; the text after it is for people
    println(ctx, printable(`JFLEET UNKNOWN - ${msg}`.replace(/[\r\n|]+/g, ' ')));
    throw new ExitStatus(ExitCode.unknown);
  };
  let sel;
  try {
    const { loadSelection } = await import('../../inventory/service.js');
    sel = await loadSelection(ctx, { inventory: opts.inventory });
  } catch (e) {
    return unknown(ctx.t('health.check.cannotLoadInventory', { reason: ctx.t.phrase((e as Error).message) }));
  }
  const pkg = sel.packages.find((p) => p.id === id);
  if (!pkg) return unknown(ctx.t('health.check.noPackage', { id }));
  const { loadHealthSettings } = await import('../../health/settings.js');
  const settings = loadHealthSettings(sel.dir);
  const [issue] = settings.issues;
  if (issue) return unknown(`health.yaml: ${issue.field ?? ''} ${ctx.t.phrase(issue.message)}`);
  const { openPool, targetsFor, thresholdResolver } = await import('../../health/sweep.js');
  const { probeDevice, unreachableProbe } = await import('../../health/probe.js');
  const s = settings.value;
  let pool;
  try {
    pool = await openPool(ctx, s, sel);
  } catch (e) {
    return unknown(ctx.t('health.check.cannotOpenPool', { reason: ctx.t.phrase((e as Error).message) }));
  }
  try {
    let probe;
    try {
      const t = await pool.get(pkg);
      const timings = t.connectTimings;
      probe = await probeDevice(t, pkg, {
        targets: targetsFor(pkg, s.probe),
        timeoutMs: s.timeoutMs,
        tcpMs: timings?.tcpMs ?? null,
        sshMs: timings?.sshMs ?? null,
        clock: ctx.clock,
        signal: ctx.signal,
      });
    } catch (e) {
      probe = unreachableProbe(pkg, e, { clock: ctx.clock, describeFailure: failureText });
    }
    const r = nagiosLine(id, evaluate(probe, thresholdResolver(sel.packages, sel.ref, s)(pkg)), ctx.t.phrase);
    println(ctx, deviceText(ctx.stdout)(r.line));
    if (r.exitCode !== 0) throw new ExitStatus(r.exitCode);
  } finally {
    await pool.closeAll().catch(() => undefined);
  }
}

function tunnelJson(t: TunnelStatus) {
  return { bastion: t.bastion, state: t.state, connectedSince: t.connectedSince, lastSeen: t.lastSeen, checkedAt: t.checkedAt, error: t.error, port: t.port };
}

/** "tunnel up via B, connected since 01:02, last seen 2 min ago" / "tunnel DOWN via B, last seen 5 h ago" */
function tunnelLine(ctx: Context, t: TunnelStatus, now: Date): string {
  const ago = (iso: string | null) => {
    if (!iso) return ctx.t('tunnel.never');
    const s = Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000));
    return s < 120
      ? ctx.t('tunnel.secondsAgo', { n: s })
      : s < 7200
        ? ctx.t('tunnel.minutesAgo', { n: Math.round(s / 60) })
        : s < 172800
          ? ctx.t('tunnel.hoursAgo', { n: Math.round(s / 3600) })
          : ctx.t('tunnel.daysAgo', { n: Math.round(s / 86400) });
  };
  const seen = ago(t.lastSeen);
  // the bastion port the kiosk's tunnel logged in on (its last known one while down)
  const bastion = t.port === null ? t.bastion : ctx.t('tunnel.viaPort', { bastion: t.bastion, port: t.port });
  if (t.state === 'up') return ctx.t('tunnel.up', { bastion, since: t.connectedSince ?? '?', seen });
  if (t.state === 'down') return ctx.t('tunnel.down', { bastion, seen });
  return ctx.t('tunnel.unknown', { bastion, error: t.error ? ctx.t.phrase(t.error) : ctx.t('tunnel.bastionNotReached'), seen });
}

export async function statusCommand(
  ctx: Context,
  opts: { json?: boolean; watch?: boolean | string; map?: string; limit?: string; inventory?: string },
): Promise<void> {
  if (opts.map) {
    (await import('../output-file.js')).assertOutputs(ctx, [{ flag: '--map', file: opts.map }], { inventory: opts.inventory });
    (await import('../../health/map-file.js')).mapFormat(opts.map);
  }
  const db = openStateDb(ctx.home);
  try {
    const read = async () => {
      let list = readFleetStatus(db, ctx.clock.now());
      if (opts.limit) {
        const { loadSelection } = await import('../../inventory/service.js');
        const ids = new Set((await loadSelection(ctx, { inventory: opts.inventory, limit: opts.limit })).packages.map((p) => p.id));
        list = list.filter((d) => ids.has(d.id));
      }
      return list;
    };
    if (opts.map) {
      const { mapFormat, writeMapFile } = await import('../../health/map-file.js');
      const { writeError } = await import('../output-file.js');
      const list = await read();
      try {
        mapFormat(opts.map);
        await writeMapFile(opts.map, list, { now: ctx.clock.now(), env: ctx.env, speech: speech(ctx) });
      } catch (e) {
        throw writeError(e, opts.map, '--map');
      }
      if (!opts.json) println(ctx, ctx.t('health.status.mapWritten', { count: list.length, file: opts.map }));
      else printJson(ctx, { map: opts.map, devices: list.length });
      return;
    }
    const paint = await painter(ctx);
    const show = async () => {
      const list = await read();
      // the tunnel of a reach: tunnel package is its own fact, shown apart from the probe's verdict
      const tunnels = readTunnels(db);
      if (opts.json)
        printJson(
          ctx,
          list.map((d) => (tunnels.has(d.id) ? { ...d, tunnel: tunnelJson(tunnels.get(d.id)!) } : d)),
        );
      else {
        for (const l of renderStatus(
          speech(ctx),
          list.map((d) => shownStatus(d, deviceText(ctx.stdout))),
          ctx.clock.now(),
          paint,
        ))
          println(ctx, l);
        const shown = list.filter((d) => tunnels.has(d.id));
        if (shown.length) {
          println(ctx);
          println(ctx, ctx.t('tunnel.heading'));
          for (const d of shown) println(ctx, `  ${deviceText(ctx.stdout)(d.id)}  ${tunnelLine(ctx, tunnels.get(d.id)!, ctx.clock.now())}`);
        }
      }
    };
    if (!opts.watch) return await show();
    const every = typeof opts.watch === 'string' ? Number(opts.watch) : 5;
    if (!Number.isFinite(every) || every < 1) throw new UserError(ctx.t('health.status.watchSeconds', { value: String(opts.watch) }));
    while (!ctx.signal.aborted) {
      if (ctx.stdout.isTTY && !opts.json) ctx.stdout.write('\x1b[H\x1b[2J');
      await show();
      if (!opts.json) println(ctx, ctx.t('health.status.watching', { seconds: every }));
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, every * 1000);
        ctx.signal.addEventListener(
          'abort',
          () => {
            clearTimeout(t);
            resolve();
          },
          { once: true },
        );
      });
    }
  } finally {
    db.close();
  }
}

export async function historyCommand(ctx: Context, id: string | undefined, opts: { days?: number; json?: boolean }): Promise<void> {
  const days = opts.days ?? 30;
  const since = new Date(ctx.clock.now().getTime() - days * 86400_000).toISOString();
  const db = openStateDb(ctx.home);
  try {
    if (!id) {
      const list = readAvailability(db, since);
      if (opts.json) return printJson(ctx, { days, since, villages: list });
      const { loadVillages } = await import('../../inventory/villages.js');
      const names = new Map(loadVillages().villages.map((v) => [v.code, v.name]));
      for (const l of renderAvailability(speech(ctx), list, names, days)) println(ctx, l);
      return;
    }
    const status = readDeviceStatus(db, id, ctx.clock.now());
    const changes = readDeviceChanges(db, id);
    const entries = readHistory(db, id, since, 100_000);
    if (!status && entries.length === 0) throw new UserError(ctx.t('health.history.none', { id }), { hint: ctx.t('health.history.noneHint') });
    if (opts.json) {
      const up = entries.filter((e) => e.state === 'ok' || e.state === 'warn').length;
      return printJson(ctx, { id, days, status, availability: entries.length ? up / entries.length : null, changes, results: entries.slice(0, 200) });
    }
    const shown = status && shownStatus(status, deviceText(ctx.stdout));
    for (const l of renderHistory(speech(ctx), id, shown, changes, entries, ctx.clock.now(), await painter(ctx))) println(ctx, l);
  } finally {
    db.close();
  }
}

export async function silenceCommand(
  ctx: Context,
  id: string | undefined,
  opts: { for?: string; reason?: string; start?: string; list?: boolean; clear?: boolean; json?: boolean; inventory?: string },
): Promise<void> {
  const now = ctx.clock.now();
  const db = openStateDb(ctx.home);
  try {
    if (opts.list || !id) {
      if (id && !opts.list) throw new UserError(ctx.t('health.silence.giveId'));
      const list = listSilences(db, now);
      if (opts.json) return printJson(ctx, list);
      if (!list.length) return println(ctx, ctx.t('health.silence.none'));
      for (const s of list)
        println(
          ctx,
          `${s.device.padEnd(28)} ${s.startsAt > now.toISOString() ? `${ctx.t('health.silence.from', { time: when(ctx, s.startsAt) })} ` : ''}${ctx.t('health.silence.until', { time: when(ctx, s.endsAt) })}  ${s.reason}`,
        );
      return;
    }
    if (opts.clear) {
      const n = clearSilences(db, id, now);
      if (opts.json) return printJson(ctx, { id, cleared: n });
      return println(ctx, n ? ctx.t('health.silence.cleared', { count: n, id }) : ctx.t('health.silence.noneOpen', { id }));
    }
    if (!opts.for) throw new UserError(ctx.t('health.silence.sayHowLong'));
    if (!opts.reason?.trim()) throw new UserError(ctx.t('health.silence.sayWhy'), { hint: ctx.t('health.silence.sayWhyHint') });
    const { loadSelection } = await import('../../inventory/service.js');
    const sel = await loadSelection(ctx, { inventory: opts.inventory });
    if (!sel.packages.some((p) => p.id === id)) throw new UserError(ctx.t('health.silence.noPackage', { id, dir: sel.dir }));
    const start = opts.start ? new Date(opts.start) : now;
    if (Number.isNaN(start.getTime())) throw new UserError(ctx.t('health.silence.startIso', { value: opts.start ?? '' }));
    const s = addSilence(db, id, opts.reason.trim().slice(0, 500), start, parseDuration(opts.for), now);
    if (opts.json) return printJson(ctx, s);
    println(
      ctx,
      opts.start
        ? ctx.t('health.silence.silencedFrom', { id, until: when(ctx, s.endsAt), from: when(ctx, s.startsAt), reason: s.reason })
        : ctx.t('health.silence.silenced', { id, until: when(ctx, s.endsAt), reason: s.reason }),
    );
  } finally {
    db.close();
  }
}

/**
 * jfleet screenshot ID [-o FILE]: the kiosk's screen now, as a PNG written atomically (the output
 * path checked before anything is read). A device with no screen to take (the lab's stand-in, no
 * display connected, no kiosk session) is one line and exit 1; an unknown id or a bad output is exit 2.
 */
export async function screenshotCommand(ctx: Context, id: string, opts: { output?: string; inventory?: string; json?: boolean }): Promise<void> {
  const file = opts.output ?? `${id}.png`;
  const flag = opts.output ? '--output' : ctx.t('health.screenshot.outputLabel');
  const { assertOutputs, writeError } = await import('../output-file.js');
  assertOutputs(ctx, [{ flag, file }], { inventory: opts.inventory });
  const { loadSelection } = await import('../../inventory/service.js');
  const sel = await loadSelection(ctx, { inventory: opts.inventory });
  const pkg = sel.packages.find((p) => p.id === id);
  if (!pkg) throw new UserError(ctx.t('health.screenshot.noPackage', { id }));
  const { loadHealthSettings } = await import('../../health/settings.js');
  const { openPool } = await import('../../health/sweep.js');
  const { captureScreen } = await import('../../health/screenshot.js');
  const { failureMessage } = await import('../../context.js');
  const settings = loadHealthSettings(sel.dir).value;
  const pool = await openPool(ctx, settings, sel);
  const failed = (e: unknown) => new UserError(`${id}: ${ctx.t.phrase(failureMessage(ctx, e))}`, { exitCode: ExitCode.deviceFailed });
  let shot;
  try {
    const t = await pool.get(pkg).catch((e: unknown) => {
      throw failed(e);
    });
    shot = await captureScreen(t, id, { signal: ctx.signal }).catch((e: unknown) => {
      throw failed(e);
    });
  } finally {
    await pool.closeAll().catch(() => undefined);
  }
  // the capability says why in English; the catalog's errors.screenshot templates say it in the run's language
  if (!shot.ok) throw new UserError(deviceText(ctx.stderr)(ctx.t.phrase(shot.message)), { exitCode: ExitCode.deviceFailed });
  const { resolve } = await import('node:path');
  const { writeAtomic } = await import('../../atomic-file.js');
  const path = resolve(ctx.cwd, file);
  try {
    writeAtomic(path, shot.png, { mode: 0o644 });
  } catch (e) {
    throw writeError(e, file, flag);
  }
  if (opts.json) printJson(ctx, { id, file: path, width: shot.width, height: shot.height, bytes: shot.png.length });
  else println(ctx, ctx.t('health.screenshot.written', { id, width: shot.width, height: shot.height, kib: Math.round(shot.png.length / 1024), file }));
}
