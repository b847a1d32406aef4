/**
 * The rollout runner (effects): lock, plan or resume from the database, work wave by wave,
 * gate, roll back, apply the threshold, report (JSON lines, JUnit). Device steps live in
 * device.ts; decisions live in waves.ts and machine.ts.
 */
import { writeAtomic } from '../atomic-file.js';
import { join, resolve } from 'node:path';
import pLimit from 'p-limit';
import type { Context } from '../context.js';
import { homePaths } from '../context.js';
import { ExitCode, ExitStatus, UserError } from '../errors.js';
import { assertOutputs, writeError } from '../cli/output-file.js';
import type { Package } from '../inventory/schema.js';
import type { Db } from '../store/db.js';
import { acquireLock, lockHeld, type HeldLock } from '../store/lock.js';
import type { Transport } from '../transport/types.js';
import { TransportError } from '../transport/types.js';
import { quote } from '../transport/shell.js';
import * as device from './device.js';
import { renderJUnit } from './junit.js';
import { countStates, exitCodeOf, outcome, shouldAbort, type Counts, type DeviceState } from './machine.js';
import { loadArchive, readRelease, type StoredRelease } from './release.js';
import { RolloutStore, type RolloutRow } from './store.js';
import { allowedFailures, formatMaxFail, parseMaxFail, parseWaves, planWaves, thresholdExceeded, type MaxFail } from './waves.js';

export interface RolloutOptions {
  release?: string;
  limit?: string;
  inventory?: string;
  waves?: string;
  maxFail?: string;
  junit?: string;
  json?: boolean;
  forks?: number;
  /** health gate window per device */
  gateTimeoutMs?: number;
  settleMs?: number;
}

/** What the runner needs from the outside world; tests swap these. */
export interface RolloutDeps {
  connect?: (pkg: Package) => Promise<Transport>;
  close?: () => Promise<void>;
  /** where the kiosk lives on a device ('' root on real devices; tests use scratch dirs) */
  layoutFor?: (pkg: Package) => device.KioskLayout;
  packages?: (inventory: string | undefined, limit: string | undefined) => Promise<{ dir: string; packages: Package[] }>;
}

export interface RolloutResult {
  rollout: RolloutRow;
  counts: Counts;
  exitCode: number;
}

type Event = Record<string, unknown> & { event: string };

export class Reporter {
  constructor(private readonly ctx: Context, private readonly json: boolean) {}
  emit(e: Event, human?: string): void {
    if (this.json) this.ctx.stdout.write(JSON.stringify({ ts: this.ctx.clock.now().toISOString(), ...e }) + '\n');
    else if (human !== undefined) this.ctx.stdout.write(human + '\n');
  }
}

/** Only one rollout at a time on this controller. A killed holder's lock is taken over (its pid is gone). */
export async function withRolloutLock<T>(ctx: Context, fn: () => Promise<T>): Promise<T> {
  const dir = homePaths(ctx.home).locksDir;
  let held: HeldLock;
  try {
    held = await acquireLock(dir, 'rollout');
  } catch (e) {
    if (e instanceof UserError && e.exitCode === ExitCode.locked) {
      throw new ExitStatus(ExitCode.locked, `another rollout is running (lock ${join(dir, 'rollout.lock')}); wait for it, or see: jfleet rollout status`);
    }
    throw e;
  }
  try {
    return await fn();
  } finally {
    await held.release();
  }
}

export function isRolloutLocked(ctx: Context): Promise<boolean> {
  return Promise.resolve(lockHeld(homePaths(ctx.home).locksDir, 'rollout'));
}

async function defaultPackages(ctx: Context, inventory: string | undefined, limit: string | undefined) {
  const { loadSelection } = await import('../inventory/service.js');
  const sel = await loadSelection(ctx, { inventory, limit });
  return { dir: sel.dir, packages: sel.packages };
}

async function openStore(ctx: Context): Promise<{ db: Db; store: RolloutStore }> {
  const { openStateDb } = await import('../state-db.js');
  const db = openStateDb(ctx.home);
  return { db, store: new RolloutStore(db, () => ctx.clock.now()) };
}

/** `jfleet rollout --release V`: start (or continue an interrupted rollout of the same release). */
export async function startRollout(ctx: Context, opts: RolloutOptions, deps: RolloutDeps = {}): Promise<RolloutResult> {
  if (!opts.release) throw new UserError('--release is required', { hint: 'e.g. jfleet rollout --release 1.4.0 --waves 1,10%,50%,100% --max-fail 5%' });
  const version = opts.release;
  const targets = parseWaves(opts.waves ?? '1,10%,50%,100%');
  const maxFail = parseMaxFail(opts.maxFail ?? '5%');
  const rel = readRelease(ctx, version);
  assertJUnitFile(ctx, opts);
  return withRolloutLock(ctx, async () => {
    const { db, store } = await openStore(ctx);
    try {
      const last = store.latest();
      if (last && last.state === 'running') {
        if (last.release !== version) {
          throw new UserError(`rollout ${last.id} of release ${last.release} was interrupted`, {
            hint: 'finish it with: jfleet rollout resume, or drop it with: jfleet rollout abort',
          });
        }
        assertJUnitFile(ctx, opts, last.inventory);
        return await execute(ctx, store, last, rel, opts, deps);
      }
      const sel = await (deps.packages ?? ((i, l) => defaultPackages(ctx, i, l)))(opts.inventory, opts.limit);
      if (sel.packages.length === 0) throw new UserError(`no package matches ${opts.limit ? `--limit ${opts.limit}` : 'the inventory'}`);
      const done = store.alreadyOn(version, sel.packages.map((p) => p.id));
      const todo = sel.packages.filter((p) => !done.has(p.id));
      const plan = planWaves(todo, targets).map((w) => w.map((p) => p.id));
      const id = store.create({
        release: version,
        selector: opts.limit,
        inventory: sel.dir,
        waves: opts.waves ?? '1,10%,50%,100%',
        maxFail: formatMaxFail(maxFail),
        options: { gateTimeoutMs: opts.gateTimeoutMs, settleMs: opts.settleMs, alreadyOn: done.size },
        plan,
      });
      return await execute(ctx, store, store.get(id)!, rel, opts, deps);
    } finally {
      db.close();
    }
  });
}

/** `jfleet rollout resume`: continue the latest rollout where it stopped, or retry its pending devices. */
export async function resumeRollout(ctx: Context, opts: RolloutOptions, deps: RolloutDeps = {}): Promise<RolloutResult> {
  assertJUnitFile(ctx, opts);
  return withRolloutLock(ctx, async () => {
    const { db, store } = await openStore(ctx);
    try {
      const last = store.latest();
      if (!last) throw new UserError('no rollout to resume', { hint: 'start one with: jfleet rollout --release V' });
      if (last.state === 'aborted') {
        throw new UserError(`rollout ${last.id} of ${last.release} was aborted (${last.reason ?? 'no reason recorded'}); it cannot be resumed`, {
          hint: `start a new one: jfleet rollout --release ${last.release}`,
        });
      }
      if (last.state === 'completed' || last.state === 'completed_failures') {
        const counts = countStates(store.devices(last.id).map((d) => d.state));
        // Nothing left to continue is success for `resume` (a nightly resume job stays green);
        // the rollout's own result was reported by the run that finished it.
        new Reporter(ctx, Boolean(opts.json)).emit({ event: 'rollout-end', rollout: last.id, release: last.release, state: last.state, counts, exitCode: ExitCode.ok, nothingToResume: true }, `rollout ${last.id} of ${last.release} already finished (${last.state}, exit ${exitCodeOf(last.state)} then); nothing to resume`);
        return { rollout: last, counts, exitCode: ExitCode.ok };
      }
      const rel = readRelease(ctx, last.release);
      assertJUnitFile(ctx, opts, last.inventory);
      return await execute(ctx, store, last, rel, { ...opts, release: last.release }, deps);
    } finally {
      db.close();
    }
  });
}

/** `jfleet rollout abort`: stop the latest rollout (a running process notices between devices). */
export async function abortRollout(ctx: Context, opts: { json?: boolean } = {}): Promise<RolloutRow> {
  const { db, store } = await openStore(ctx);
  try {
    const last = store.latest();
    if (!last) throw new UserError('no rollout to abort');
    if (last.state !== 'running' && last.state !== 'completed_pending') {
      throw new UserError(`rollout ${last.id} of ${last.release} is already ${last.state}`);
    }
    const running = await isRolloutLocked(ctx);
    store.setRollout(last.id, { state: 'aborted', reason: 'aborted by operator (jfleet rollout abort)', finished: true });
    // With no process running it, close the open devices now; a running process does it itself.
    if (!running) store.skipOpen(last.id, 'rollout aborted by operator');
    const row = store.get(last.id)!;
    new Reporter(ctx, Boolean(opts.json)).emit({ event: 'rollout-aborted', rollout: row.id, release: row.release, running }, `rollout ${row.id} of ${row.release} aborted${running ? ' (the running process stops after the devices in flight)' : ''}`);
    return row;
  } finally {
    db.close();
  }
}

export async function rolloutStatus(ctx: Context, opts: { id?: number } = {}) {
  const { db, store } = await openStore(ctx);
  try {
    const r = opts.id ? store.get(opts.id) : store.latest();
    if (!r) return null;
    const devices = store.devices(r.id);
    const running = r.state === 'running' ? await isRolloutLocked(ctx) : false;
    const waves: { wave: number; devices: number; counts: Counts }[] = [];
    for (const d of devices) {
      while (waves.length <= d.wave) waves.push({ wave: waves.length + 1, devices: 0, counts: countStates([]) });
    }
    waves.forEach((w, i) => {
      const ds = devices.filter((d) => d.wave === i);
      w.devices = ds.length;
      w.counts = countStates(ds.map((d) => d.state));
    });
    return {
      rollout: r,
      /** running: a process holds the lock; interrupted: state says running but nobody is */
      live: r.state === 'running' ? (running ? 'running' : 'interrupted') : r.state,
      counts: countStates(devices.map((d) => d.state)),
      waves,
      devices,
    };
  } finally {
    db.close();
  }
}

function classify(e: unknown): { state: DeviceState; error: string } {
  if (e instanceof TransportError && (e.kind === 'unreachable' || e.kind === 'timeout' || e.kind === 'protocol')) {
    return { state: 'pending', error: `unreachable: ${e.message}` };
  }
  const msg = e instanceof Error ? e.message : String(e);
  return { state: 'failed', error: msg };
}

async function execute(ctx: Context, store: RolloutStore, row: RolloutRow, rel: StoredRelease, opts: RolloutOptions, deps: RolloutDeps): Promise<RolloutResult> {
  const out = new Reporter(ctx, Boolean(opts.json));
  const id = row.id;
  const version = row.release;
  const maxFail: MaxFail = parseMaxFail(row.maxFail);
  const archive = loadArchive(rel);
  const layoutFor = deps.layoutFor ?? (() => device.DEVICE_LAYOUT);
  const gateTimeoutMs = opts.gateTimeoutMs ?? (row.options.gateTimeoutMs as number | undefined) ?? 30_000;
  const settleMs = opts.settleMs ?? (row.options.settleMs as number | undefined) ?? 1_000;
  const forks = await (await import('../config/config.js')).resolveForks(ctx, opts.forks);

  // Packages of this rollout, from the inventory it was planned on (ids are the key).
  const planned = store.devices(id);
  const sel = await (deps.packages ?? ((i) => defaultPackages(ctx, i, undefined)))(row.inventory ?? opts.inventory, undefined);
  const byId = new Map(sel.packages.map((p) => [p.id, p]));

  // Resuming: devices left "updating" by a killed run are redone; pending ones are retried.
  const reopened = store.reopen(id, ['pending', 'updating']);
  if (row.state !== 'running') store.setRollout(id, { state: 'running', reason: null });
  out.emit(
    { event: 'rollout-start', rollout: id, release: version, devices: planned.length, waves: waveSizes(planned), maxFail: row.maxFail, resumed: reopened > 0 || row.createdAt !== row.updatedAt },
    `rollout ${id}: release ${version} to ${planned.length} device(s) in ${waveSizes(planned).length} wave(s) [${waveSizes(planned).join(', ')}], max-fail ${row.maxFail}${reopened ? ` (resuming ${reopened})` : ''}`,
  );

  let connect = deps.connect;
  let closeAll = deps.close;
  if (!connect) {
    const { createPool } = await import('../transport/pool.js');
    const pool = createPool(ctx, { inventoryDir: row.inventory ?? undefined, packages: sel.packages });
    connect = (p) => pool.get(p);
    closeAll = () => pool.closeAll();
  }

  let aborted = false;
  let abortReason: string | null = null;
  const limit = pLimit(forks);
  try {
    const waveCount = Math.max(0, ...store.devices(id).map((d) => d.wave + 1));
    for (let w = 0; w < waveCount && !aborted && !ctx.signal.aborted; w++) {
      store.setRollout(id, { currentWave: w });
      const open = () => store.devices(id).filter((d) => d.wave === w && d.state === 'planned');
      let todo = open();
      if (todo.length === 0) continue;
      out.emit({ event: 'wave-start', rollout: id, wave: w + 1, devices: todo.map((d) => d.id) }, `wave ${w + 1}: ${todo.length} device(s)`);
      for (;;) {
        await Promise.all(
          todo.map((d) =>
            limit(async () => {
              if (ctx.signal.aborted || operatorAborted(store, id)) return;
              if (abortCertain(store, id, w, maxFail)) return; // left planned; skipped by the abort below
              await updateOne(ctx, store, out, id, w, byId.get(d.id), d.id, rel, archive, { connect: connect!, layoutFor, gateTimeoutMs, settleMs }).catch((e: unknown) => {
                // A bug, not a device result: record it on the device rather than leave the run half-done.
                const msg = `internal error: ${e instanceof Error ? e.message : String(e)}`;
                if (store.device(id, d.id)?.state === 'updating') store.setDevice(id, d.id, 'failed', { error: msg });
                out.emit({ event: 'device', rollout: id, wave: w + 1, device: d.id, state: 'failed', error: msg }, `  ✗ ${d.id} FAILED: ${msg}`);
              });
            }),
          ),
        );
        // The canary must actually be reached: while none of wave 1 was, pull in the next device.
        const wave = store.devices(id).filter((d) => d.wave === w);
        if (w !== 0 || wave.some((d) => d.state === 'updated' || d.state === 'rolled_back' || d.state === 'failed')) break;
        if (ctx.signal.aborted || operatorAborted(store, id)) break;
        const next = store.devices(id).find((d) => d.wave > 0 && d.state === 'planned');
        if (!next) break;
        store.moveToWave(id, next.id, 0);
        out.emit({ event: 'canary-replaced', rollout: id, device: next.id }, `  canary unreachable: trying ${next.id} as canary`);
        todo = [store.device(id, next.id)!];
      }
      if (operatorAborted(store, id)) {
        aborted = true;
        abortReason = 'aborted by operator (jfleet rollout abort)';
        break;
      }
      const counts = countStates(store.devices(id).map((d) => d.state));
      const exceeded = shouldAbort(counts, maxFail);
      out.emit(
        { event: 'wave-end', rollout: id, wave: w + 1, counts, allowedFailures: allowedFailures(counts.reached, maxFail), abort: exceeded },
        `wave ${w + 1} done: ${counts.updated} updated, ${counts.failures} failed (${allowedFailures(counts.reached, maxFail)} allowed of ${counts.reached} reached), ${counts.pending} pending`,
      );
      if (exceeded) {
        aborted = true;
        abortReason = `${counts.failures} failure(s) among ${counts.reached} device(s) reached passed --max-fail ${row.maxFail} after wave ${w + 1}`;
      }
    }
  } finally {
    await closeAll?.().catch(() => undefined);
  }

  if (ctx.signal.aborted && !aborted) {
    // Interrupted (SIGINT/SIGTERM): leave it running for `jfleet rollout resume`.
    const r = store.get(id)!;
    const counts = countStates(store.devices(id).map((d) => d.state));
    writeJUnit(ctx, opts, r, store);
    out.emit({ event: 'rollout-interrupted', rollout: id, release: version, counts }, `rollout ${id} interrupted; continue with: jfleet rollout resume`);
    return { rollout: r, counts, exitCode: ExitCode.cancelled };
  }

  if (aborted) {
    const skipped = store.skipOpen(id, abortReason ?? 'rollout aborted');
    if (store.get(id)!.state !== 'aborted') store.setRollout(id, { state: 'aborted', reason: abortReason, finished: true });
    out.emit({ event: 'abort', rollout: id, reason: abortReason, skipped }, `ABORTED: ${abortReason}; ${skipped} device(s) not updated`);
  }
  const counts = countStates(store.devices(id).map((d) => d.state));
  const res = outcome(counts, aborted);
  if (!aborted) store.setRollout(id, { state: res.state, reason: null, finished: true });
  const final = store.get(id)!;
  writeJUnit(ctx, opts, final, store);
  try {
    const { recordFailed } = await import('../inventory/service.js');
    await recordFailed(ctx, store.devices(id).filter((d) => d.state === 'rolled_back' || d.state === 'failed').map((d) => d.id));
  } catch {
    // @failed is a convenience; a rollout result does not depend on it
  }
  out.emit(
    { event: 'rollout-end', rollout: id, release: version, state: final.state, counts, exitCode: res.exitCode },
    `rollout ${id} ${final.state}: ${counts.updated} updated, ${counts.rolled_back} rolled back, ${counts.failed} failed, ${counts.pending} pending, ${counts.skipped} skipped (exit ${res.exitCode})`,
  );
  return { rollout: final, counts, exitCode: res.exitCode };
}

async function answers(dc: DeviceCtx, pkg: Package): Promise<boolean> {
  try {
    const r = await (await dc.connect(pkg)).exec('echo ok', { timeoutMs: 10_000 });
    return r.exitCode === 0 && r.stdout.trim() === 'ok';
  } catch {
    return false;
  }
}

/**
 * Would the threshold be passed even if every device of this wave not finished yet succeeded?
 * Then the abort is certain: start no more devices (a big last wave is not run to the end).
 */
function abortCertain(store: RolloutStore, id: number, wave: number, max: MaxFail): boolean {
  const all = store.devices(id);
  const c = countStates(all.map((d) => d.state));
  const open = all.filter((d) => d.wave === wave && (d.state === 'planned' || d.state === 'updating')).length;
  return thresholdExceeded(c.failures, c.reached + open, max);
}

function operatorAborted(store: RolloutStore, id: number): boolean {
  return store.get(id)?.state === 'aborted';
}

function waveSizes(devices: { wave: number }[]): number[] {
  const sizes: number[] = [];
  for (const d of devices) sizes[d.wave] = (sizes[d.wave] ?? 0) + 1;
  return Array.from(sizes, (n) => n ?? 0);
}

/**
 * The --junit file is written after the devices: check it before any is touched (and again with
 * the inventory a continued rollout was planned on), never at the end of a rollout.
 */
function assertJUnitFile(ctx: Context, opts: RolloutOptions, plannedInventory?: string | null): void {
  if (opts.junit === undefined) return;
  assertOutputs(ctx, [{ flag: '--junit', file: opts.junit }], { inventory: opts.inventory, inventories: [plannedInventory] });
}

function writeJUnit(ctx: Context, opts: RolloutOptions, r: RolloutRow, store: RolloutStore): void {
  if (opts.junit === undefined) return;
  const file = resolve(ctx.cwd, opts.junit);
  try {
    writeAtomic(file, renderJUnit({ id: r.id, release: r.release, state: r.state, startedAt: r.createdAt, devices: store.devices(r.id) }), { label: '--junit' });
  } catch (e) {
    throw writeError(e, file, '--junit');
  }
}

interface DeviceCtx {
  connect: (pkg: Package) => Promise<Transport>;
  layoutFor: (pkg: Package) => device.KioskLayout;
  gateTimeoutMs: number;
  settleMs: number;
}

async function updateOne(
  ctx: Context, store: RolloutStore, out: Reporter, id: number, wave: number, pkg: Package | undefined, deviceId: string,
  rel: StoredRelease, archive: Buffer, dc: DeviceCtx,
): Promise<void> {
  const started = Date.now();
  store.setDevice(id, deviceId, 'updating');
  const finish = (state: DeviceState, fields: { previous?: string | null; error?: string | null }, human: string) => {
    const ms = Date.now() - started;
    store.setDevice(id, deviceId, state, { ...fields, ms });
    out.emit({ event: 'device', rollout: id, wave: wave + 1, device: deviceId, state, previous: fields.previous ?? null, error: fields.error ?? null, ms }, `  ${human} (${(ms / 1000).toFixed(1)} s)`);
  };
  if (!pkg) {
    finish('skipped', { error: 'no longer in the inventory' }, `- ${deviceId} skipped: no longer in the inventory`);
    return;
  }
  const version = rel.info.version;
  const layout = dc.layoutFor(pkg);
  let previous: string | null = store.device(id, deviceId)?.previous ?? null;
  let switched = false;
  try {
    const t = await dc.connect(pkg);
    const info = await device.inspect(t, layout, version);
    if (info.current !== version) previous = info.current;
    else previous = previous ?? info.previous; // a killed run had switched already
    if (previous) store.setDevice(id, deviceId, 'updating', { previous });
    const complete = info.hasRelease && (await device.releaseComplete(t, layout, rel.manifest));
    if (!complete) {
      await device.transfer(t, layout, version, archive, info);
      await device.install(t, layout, rel.manifest, rel.info.archiveSha256);
    }
    await device.switchTo(t, layout, version);
    switched = true;
    const g = await device.gate(t, layout, version, { timeoutMs: dc.gateTimeoutMs, settleMs: dc.settleMs, pidsBefore: info.pids || undefined, pkg });
    if (g.ok) {
      await device.prune(t, layout);
      finish('updated', { previous }, `✓ ${deviceId} updated ${previous ?? '(none)'} → ${version}`);
      return;
    }
    const why = `health gate failed on ${version}: ${g.problems.join('; ')}`;
    await rollback(why, g.problems.join('; '));
  } catch (e) {
    const c = classify(e);
    // An SFTP or channel error is ambiguous: a dropped link (pending) or the device refusing the
    // write, e.g. a full disk (failed). Ask the device: if it still answers, it is a failure.
    if (c.state === 'pending' && e instanceof TransportError && e.kind === 'protocol' && (await answers(dc, pkg))) {
      c.state = 'failed';
      c.error = e.message;
    }
    if (c.state === 'pending') {
      // The device dropped off mid-way: whatever it runs now, the next run redoes it from inspect.
      finish('pending', { previous, error: c.error }, `… ${deviceId} pending: ${c.error}`);
    } else if (switched) {
      await rollback(`after the switch: ${c.error}`, c.error).catch((e2: unknown) => {
        const c2 = classify(e2);
        finish(c2.state, { previous, error: `after the switch: ${c.error}; rollback: ${c2.error}` }, `✗ ${deviceId} FAILED: ${c.error}; rollback: ${c2.error}`);
      });
    } else {
      // Not switched: the device still runs its release. Free what the attempt staged (a full
      // disk is a common cause); a later run starts the transfer over.
      await dc
        .connect(pkg)
        .then((t) => t.exec(`rm -rf ${quote(`${device.paths(layout).staging}/${version}`)}.*`, { timeoutMs: 30_000 }))
        .catch(() => undefined);
      finish('failed', { previous, error: c.error }, `✗ ${deviceId} FAILED: ${c.error}`);
    }
  }

  /** Switch back to the previous release and check it like a new one. */
  async function rollback(why: string, short: string): Promise<void> {
    if (!previous || previous === version) {
      finish('failed', { previous, error: `${why}; no previous release to roll back to` }, `✗ ${deviceId} FAILED: ${short}; no previous release`);
      return;
    }
    const t = await dc.connect(pkg!);
    const before = (await device.inspect(t, layout, previous)).pids;
    await device.switchTo(t, layout, previous, { keepPrevious: true });
    const back = await device.gate(t, layout, previous, { timeoutMs: dc.gateTimeoutMs, settleMs: dc.settleMs, pidsBefore: before || undefined, pkg: pkg! });
    if (back.ok) {
      finish('rolled_back', { previous, error: why }, `↩ ${deviceId} rolled back to ${previous}: ${short}`);
    } else {
      finish('failed', { previous, error: `${why}; rollback to ${previous} failed its gate too: ${back.problems.join('; ')}` }, `✗ ${deviceId} FAILED: rollback to ${previous} unhealthy: ${back.problems.join('; ')}`);
    }
  }
}
