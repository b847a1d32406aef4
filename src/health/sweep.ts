/**
 * One sweep: probe every selected device once (one script each, through the shared pool and a
 * concurrency limit), judge it, run the state machine, and store results and state changes in
 * one transaction. The sweep lock keeps two sweeps from overlapping.
 */
import type { Context } from '../context.js';
import { failureMessage, homePaths } from '../context.js';
import { InputError } from '../errors.js';
import type { Package } from '../inventory/schema.js';
import type { VillageReference } from '../inventory/villages.js';
import { selectPackages } from '../inventory/selector.js';
import { loadSelection } from '../inventory/service.js';
import { resolveForks } from '../config/config.js';
import { fleetPoolOptions } from '../fleet-pool.js';
import { acquireLock } from '../store/lock.js';
import { fanOut } from '../transport/fanout.js';
import { recordTunnels } from '../reach/status.js';
import type { Transport } from '../transport/types.js';
import type { Db } from '../store/db.js';
import { evaluate, rank } from './checks.js';
import { probeDevice, unreachableProbe, type ProbeShell, type ProbeTargets } from './probe.js';
import { loadHealthSettings, inMaintenance, type HealthSettings } from './settings.js';
import { isAlerting, nextState, SWEEP_EXIT } from './machine.js';
import { activeSilences, healthWriter } from './store.js';
import { mergeThresholds, parseThresholds, thresholdsFromVars, type Thresholds } from './thresholds.js';
import { HEALTH_STATES, type DeviceStatus, type HealthState, type ProbeResult, type StateChange, type SweepDevice, type SweepSummary } from './types.js';

/** The part of the transport pool a sweep uses (src/transport/pool.ts). */
export interface SweepPool {
  get(pkg: Package): Promise<Transport>;
  closeAll(): Promise<void>;
  /** reach: tunnel packages: their sockets on the bastion (src/reach/status.ts) */
  tunnelSockets?(pkgs: Package[]): Promise<Array<{ mtime: Date } | null | Error>>;
}

/** Kept by the daemon between sweeps: the pool stays open, so later sweeps are warm. */
export interface SweepSession {
  pool: SweepPool;
  /**
   * The transport each device answered on last time. A sweep that gets the same transport back
   * from the pool is warm (no TCP or handshake measured); a different one means the pool
   * reconnected, and that handshake is measured.
   */
  connected: Map<string, Transport>;
  /**
   * A kept-open shell per device (with the probe function defined in it), for sessions that
   * sweep again and again: a warm probe is then a few bytes and one round trip, with no new
   * channel or process start-up on the device. Without it every probe is one exec (the right
   * choice for a one-shot sweep).
   */
  shells?: Map<string, { transport: Transport; probe: ProbeShell }>;
}

/** A session for repeated sweeps (the daemon's): its connections and shells stay open between them. */
export function keptSession(pool: SweepPool): SweepSession {
  return { pool, connected: new Map(), shells: new Map() };
}

export interface SweepOptions {
  inventory?: string;
  limit?: string;
  forks?: number;
  /** skip loading: sweep exactly these (with their reference) */
  selection?: { dir: string; packages: Package[]; ref: VillageReference };
  session?: SweepSession;
  /** override health.yaml */
  settings?: Partial<HealthSettings>;
  /**
   * The state database, or how to open it: a sweep needs it only to store, so an opener is
   * called while the first devices answer. Either way the caller closes it.
   */
  db: Db | (() => Promise<Db>);
  /** take the sweep lock (default true); wait for it instead of failing */
  lock?: boolean;
  wait?: boolean;
  onDevice?: (d: SweepDevice, done: number, total: number) => void;
}

const zero = (): Record<HealthState, number> => ({ ok: 0, warn: 0, critical: 0, unknown: 0, unreachable: 0 });
const LOOPBACK = /^127\.\d+\.\d+\.\d+$|^localhost$|^::1$/;

/**
 * A device on a loopback address is a lab device: its upstream is simulated on loopback too, and
 * nothing it probes may leave the machine.
 */
export function targetsFor(pkg: Package, base: ProbeTargets): ProbeTargets {
  if (!LOOPBACK.test(pkg.address)) return base;
  const local = (u?: string) => (u && /^https?:\/\/(127\.\d+\.\d+\.\d+|localhost)(:\d+)?(\/|$)/.test(u) ? u : undefined);
  return {
    gateway: base.gateway && LOOPBACK.test(base.gateway) ? base.gateway : '127.0.0.1',
    internet: base.internet && LOOPBACK.test(base.internet) ? base.internet : '127.0.0.1',
    dnsName: 'localhost',
    portalUrl: local(base.portalUrl) ?? 'none',
    apiUrl: local(base.apiUrl),
  };
}

export async function runSweep(ctx: Context, opts: SweepOptions): Promise<SweepSummary> {
  const startedAt = ctx.clock.now();
  const t0 = performance.now();
  let lock: { release(): Promise<void> } | undefined;
  if (opts.lock !== false) {
    lock = await acquireLock(homePaths(ctx.home).locksDir, 'sweep', { wait: opts.wait, signal: ctx.signal });
  }
  let ownPool: SweepPool | undefined;
  try {
    const selection = opts.selection ?? (await loadSelection(ctx, { inventory: opts.inventory, limit: opts.limit }));
    const loaded = loadHealthSettings(selection.dir);
    if (loaded.issues.length) throw new InputError(loaded.issues, { hint: 'fix health.yaml in the inventory directory (docs/health.md)' });
    const settings: HealthSettings = { ...loaded.value, ...opts.settings, probe: { ...loaded.value.probe, ...opts.settings?.probe } };
    if (settings.probe.apiUrl === undefined) settings.probe.apiUrl = await configuredApiUrl(ctx);
    const forks = await resolveForks(ctx, opts.forks);

    const session: SweepSession = opts.session ?? { pool: (ownPool = await openPool(ctx, settings, selection)), connected: new Map() };
    const { packages, ref } = selection;
    const thresholdsOf = thresholdResolver(packages, ref, settings);
    const maintained = maintenanceSet(packages, ref, settings, startedAt);

    const probeOne = async (pkg: Package): Promise<ProbeResult> => {
      const first = await probeOnce(pkg);
      // A kept-open connection that died since the last sweep (device rebooted, NAT timeout):
      // reconnect once now rather than report a blip. A timeout is a real answer: no retry.
      if (first.warm && !first.probe.reachable && first.probe.error?.kind !== 'timeout') return (await probeOnce(pkg)).probe;
      return first.probe;
    };
    const describeFailure = (e: unknown) => failureMessage(ctx, e);
    const probeOnce = async (pkg: Package): Promise<{ probe: ProbeResult; warm: boolean }> => {
      const known = session.connected.get(pkg.id);
      let transport: Transport;
      try {
        transport = await session.pool.get(pkg);
      } catch (err) {
        session.connected.delete(pkg.id);
        return { probe: unreachableProbe(pkg, err, { clock: ctx.clock, describeFailure }), warm: false };
      }
      // TCP connect and handshake times are measured on the connection itself, when it opens
      // (no second TCP connection per device: on the device each costs sshd a fork).
      const fresh = transport !== known;
      const tcpMs = fresh ? (transport.connectTimings?.tcpMs ?? null) : null;
      const sshMs = fresh ? (transport.connectTimings?.sshMs ?? null) : null;
      session.connected.set(pkg.id, transport);
      const shell = session.shells ? await shellFor(pkg, transport) : undefined;
      if (shell && 'error' in shell) {
        session.connected.delete(pkg.id);
        return { probe: unreachableProbe(pkg, shell.error, { tcpMs, sshMs, clock: ctx.clock, describeFailure }), warm: transport === known };
      }
      const probe = await probeDevice(transport, pkg, {
        shell,
        targets: targetsFor(pkg, settings.probe),
        timeoutMs: settings.timeoutMs,
        tcpMs,
        sshMs,
        clock: ctx.clock,
        signal: ctx.signal,
      });
      if (!probe.reachable) session.connected.delete(pkg.id);
      return { probe, warm: transport === known };
    };

    /** The device's kept shell if it is still open on this connection, else a new one (undefined: probe by exec). */
    const shellFor = async (pkg: Package, transport: Transport): Promise<ProbeShell | { error: unknown } | undefined> => {
      const shells = session.shells!;
      const kept = shells.get(pkg.id);
      if (kept && kept.transport === transport && kept.probe.shell.alive) return kept.probe;
      kept?.probe.shell.close();
      shells.delete(pkg.id);
      if (!transport.openShell) return undefined;
      try {
        const probe: ProbeShell = { shell: await transport.openShell({ timeoutMs: settings.timeoutMs, signal: ctx.signal }), defined: false };
        shells.set(pkg.id, { transport, probe });
        return probe;
      } catch (err) {
        // the device answered SSH but gave no channel in time (hung, cancelled): that is its probe result
        if ((err as { kind?: string }).kind === 'timeout' || (err as { kind?: string }).kind === 'unreachable') return { error: err };
        return undefined; // no bash there, or channels refused: probe by exec
      }
    };

    let done = 0;
    // --forks bounds the devices being connected to and probed by exec at once. A device with a
    // kept shell is a small write and a wait on its own CPU: those are probed all at once, so a
    // warm sweep takes about one probe's time, not one per batch of forks.
    const warm = (p: Package) => {
      const kept = session.shells?.get(p.id);
      return Boolean(kept?.probe.defined && kept.probe.shell.alive && session.connected.get(p.id) === kept.transport);
    };
    const warmOnes: Package[] = [];
    const coldOnes: Package[] = [];
    for (const p of packages) (warm(p) ? warmOnes : coldOnes).push(p);
    const fanned = Promise.all([
      fanOut(warmOnes, warmOnes.length, probeOne, { signal: ctx.signal }),
      fanOut(coldOnes, forks, probeOne, { signal: ctx.signal }),
    ]).then(([a, b]) => [...a, ...b]);
    // the database is needed only to store: opened while the first devices answer
    let db: Db;
    try {
      db = typeof opts.db === 'function' ? await opts.db() : opts.db;
    } catch (e) {
      await fanned.catch(() => undefined);
      throw e;
    }
    const settled = await fanned;
    const probes = new Map<string, ProbeResult>();
    for (const s of settled) {
      // Cancelled: store only real answers; a device not probed, or whose probe the cancel cut
      // short, is left as it was rather than marked unreachable.
      if (ctx.signal.aborted && !(s.ok && s.value.reachable)) continue;
      probes.set(s.item.id, s.ok ? s.value : unreachableProbe(s.item, s.error, { clock: ctx.clock, describeFailure }));
    }

    const silences = activeSilences(db, ctx.clock.now());
    const devices: SweepDevice[] = [];
    const changes: StateChange[] = [];
    const store = healthWriter(db);
    db.transaction(() => {
      for (const pkg of packages) {
        const probe = probes.get(pkg.id);
        if (!probe) continue;
        const t = thresholdsOf(pkg);
        const prev = store.previous(pkg.id);
        // the previous sweep's view of the boot: a reboot since then, outside the nightly window, is unexpected
        const up = prev?.checks.find((c) => c.name === 'uptime')?.perfdata;
        const ev = evaluate(probe, t, {
          previousBoot: up?.boot_epoch ?? null,
          previousUnexpectedBoot: up?.unexpected_boot ?? null,
          utcOffsetMin: settings.utcOffsetMin,
        });
        const tr = nextState(prev?.memory ?? null, ev.state, probe.at, t);
        const silenced = silences.has(pkg.id) || maintained.has(pkg.id);
        const village = ref.byCode.get(pkg.village);
        const status: DeviceStatus = {
          id: pkg.id,
          village: pkg.village,
          district: village?.district ?? pkg.village.slice(0, 8),
          state: tr.memory.state,
          hard: tr.memory.hard,
          flapping: tr.memory.flapping,
          silenced,
          since: tr.memory.since,
          lastSeen: probe.reachable ? probe.at : (prev?.lastSeen ?? null),
          release: probe.remote ? (probe.remote.rel ?? null) : (prev?.release ?? null),
          checks: ev.checks,
        };
        store.putDevice(status, tr.memory, probe.at);
        const perf: Record<string, number> = {};
        for (const c of ev.checks) Object.assign(perf, c.perfdata);
        store.addResult({
          device: pkg.id,
          village: pkg.village,
          at: probe.at,
          state: status.state,
          hard: status.hard,
          silenced,
          tcpMs: probe.tcpMs,
          sshMs: probe.sshMs,
          execMs: probe.execMs,
          perf,
        });
        if (tr.change) changes.push({ seq: store.addChange(pkg.id, tr.change, probe.at), id: pkg.id, ...tr.change, at: probe.at });
        const d: SweepDevice = { status, probe, changed: tr.change !== null, alerting: isAlerting(tr.memory, silenced) };
        devices.push(d);
        opts.onDevice?.(d, ++done, packages.length);
      }
      store.prune(new Date(startedAt.getTime() - settings.retentionDays * 86400_000).toISOString());
    })();

    // the tunnel is its own fact (docs/reach.md): connected since / last seen, apart from the verdict
    const tunnelled = packages.filter((p) => p.reach === 'tunnel' && probes.has(p.id));
    const pool = session.pool;
    if (tunnelled.length && pool.tunnelSockets && !ctx.signal.aborted) {
      const seen = tunnelled.map((p) => ({
        target: p,
        reachable: probes.get(p.id)?.reachable ?? false,
        error: probes.get(p.id)?.error?.message,
        port: probes.get(p.id)?.remote?.tpt ?? null,
      }));
      await recordTunnels(db, { tunnelSockets: (t) => pool.tunnelSockets!(t as Package[]) }, seen, ctx.clock.now());
    }

    const counts = zero();
    const hardCounts = zero();
    let worst: HealthState = 'ok';
    for (const d of devices) {
      counts[d.status.state]++;
      if (d.alerting) {
        hardCounts[d.status.state]++;
        if (rank(d.status.state) > rank(worst)) worst = d.status.state;
      }
    }
    hardCounts.ok = devices.length - HEALTH_STATES.filter((s) => s !== 'ok').reduce((n, s) => n + hardCounts[s], 0);
    const finishedAt = ctx.clock.now();
    return {
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationMs: Math.round(performance.now() - t0),
      total: devices.length,
      counts,
      hardCounts,
      worst,
      exitCode: SWEEP_EXIT[worst],
      devices,
      changes,
    };
  } finally {
    if (ownPool) await ownPool.closeAll().catch(() => undefined);
    await lock?.release();
  }
}

export async function openPool(
  ctx: Context,
  settings: Pick<HealthSettings, 'connectTimeoutMs' | 'timeoutMs'>,
  selection?: { dir: string; packages: Package[] },
): Promise<SweepPool> {
  // ssh2 (through the pool) loads only when a sweep really connects
  const { createPool } = await import('../transport/pool.js');
  // No connect retries: a sweep reports what it sees now; the soft/hard state machine absorbs blips.
  return createPool(ctx, {
    ...fleetPoolOptions(ctx, { inventoryDir: selection?.dir, packages: selection?.packages }),
    connectTimeoutMs: settings.connectTimeoutMs,
    commandTimeoutMs: settings.timeoutMs,
    retries: 0,
    keepaliveIntervalMs: 15_000,
  });
}

/** The central API to probe from the devices. A config that does not load (a bad file or JFLEET_* value) stops the sweep with its located error, before any device is touched. */
async function configuredApiUrl(ctx: Context): Promise<string | undefined> {
  return ctx.config().api?.url;
}

/** Defaults → health.yaml thresholds → matching groups in order → the device's own vars. */
export function thresholdResolver(packages: Package[], ref: VillageReference, settings: HealthSettings): (pkg: Package) => Thresholds {
  const groups = settings.groups.map((g) => ({ ids: new Set(selectPackages(packages, ref, g.limit).map((p) => p.id)), t: g.thresholds }));
  const cache = new Map<string, Thresholds>();
  return (pkg) => {
    let t = cache.get(pkg.id);
    if (!t) {
      const own = parseThresholds(thresholdsFromVars(pkg.vars), `${pkg.id}.vars`, 'health_');
      t = mergeThresholds(settings.thresholds, ...groups.filter((g) => g.ids.has(pkg.id)).map((g) => g.t), own.value);
      cache.set(pkg.id, t);
    }
    return t;
  };
}

/** Devices inside a maintenance window right now: treated as silenced. */
export function maintenanceSet(packages: Package[], ref: VillageReference, settings: HealthSettings, now: Date): Set<string> {
  const out = new Set<string>();
  for (const w of settings.maintenance) {
    if (!inMaintenance(w, now, settings.utcOffsetMin)) continue;
    for (const p of w.limit ? selectPackages(packages, ref, w.limit) : packages) out.add(p.id);
  }
  return out;
}
