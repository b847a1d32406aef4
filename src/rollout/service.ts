/**
 * The rollout verbs (effects): start, resume, abort and status, each under the one rollout lock
 * where it works devices, on the persisted store. The wave loop is waves-run.ts; what happens is
 * emitted as typed events (events.ts) for the handler to render.
 */
import { join } from 'node:path';
import type { Context } from '../context.js';
import { homePaths } from '../context.js';
import { ExitCode, ExitStatus, UserError } from '../errors.js';
import { openStateDb } from '../state-db.js';
import type { Db } from '../store/db.js';
import { acquireLock, lockHeld, type HeldLock } from '../store/lock.js';
import { countStates, type Counts } from './machine.js';
import { readRelease } from './release.js';
import { RolloutStore, type RolloutRow } from './store.js';
import { defaultPackages, execute, type RolloutDeps, type RolloutOptions, type RolloutResult } from './waves-run.js';
import type { RolloutSink } from './events.js';
import { formatMaxFail, parseMaxFail, parseWaves, planWaves } from './waves.js';

export type { RolloutDeps, RolloutOptions, RolloutResult } from './waves-run.js';

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

export function isRolloutLocked(ctx: Context): boolean {
  return lockHeld(homePaths(ctx.home).locksDir, 'rollout');
}

function openStore(ctx: Context): { db: Db; store: RolloutStore } {
  const db = openStateDb(ctx.home);
  return { db, store: new RolloutStore(db, () => ctx.clock.now()) };
}

/** `jfleet rollout --release V`: start (or continue an interrupted rollout of the same release). */
export async function startRollout(ctx: Context, opts: RolloutOptions, deps: RolloutDeps = {}): Promise<RolloutResult> {
  if (!opts.release) throw new UserError('--release is required', { hint: { kind: 'rollout-usage' } });
  const version = opts.release;
  const targets = parseWaves(opts.waves ?? '1,10%,50%,100%');
  const maxFail = parseMaxFail(opts.maxFail ?? '5%');
  const rel = readRelease(ctx, version);
  opts.checkOutputs?.();
  return withRolloutLock(ctx, async () => {
    const { db, store } = openStore(ctx);
    try {
      const last = store.latest();
      if (last && last.state === 'running') {
        if (last.release !== version) {
          throw new UserError(`rollout ${last.id} of release ${last.release} was interrupted`, {
            hint: { kind: 'rollout-in-progress' },
          });
        }
        opts.checkOutputs?.(last.inventory);
        return await execute(ctx, store, last, rel, opts, deps);
      }
      const sel = await (deps.packages ?? ((i, l) => defaultPackages(ctx, i, l)))(opts.inventory, opts.limit);
      if (sel.packages.length === 0) throw new UserError(`no package matches ${opts.limit ? `--limit ${opts.limit}` : 'the inventory'}`);
      const done = store.alreadyOn(
        version,
        sel.packages.map((p) => p.id),
      );
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
  opts.checkOutputs?.();
  return withRolloutLock(ctx, async () => {
    const { db, store } = openStore(ctx);
    try {
      const last = store.latest();
      if (!last) throw new UserError('no rollout to resume', { hint: { kind: 'rollout-start' } });
      if (last.state === 'aborted') {
        throw new UserError(`rollout ${last.id} of ${last.release} was aborted (${last.reason ?? 'no reason recorded'}); it cannot be resumed`, {
          hint: { kind: 'rollout-restart', release: last.release },
        });
      }
      if (last.state === 'completed' || last.state === 'completed_failures') {
        const counts = countStates(store.devices(last.id).map((d) => d.state));
        // Nothing left to continue is success for `resume` (a nightly resume job stays green);
        // the rollout's own result was reported by the run that finished it.
        opts.emit?.({ event: 'rollout-end', rollout: last.id, release: last.release, state: last.state, counts, exitCode: ExitCode.ok, nothingToResume: true });
        return { rollout: last, counts, exitCode: ExitCode.ok };
      }
      const rel = readRelease(ctx, last.release);
      opts.checkOutputs?.(last.inventory);
      return await execute(ctx, store, last, rel, { ...opts, release: last.release }, deps);
    } finally {
      db.close();
    }
  });
}

/** `jfleet rollout abort`: stop the latest rollout (a running process notices between devices). */
export async function abortRollout(ctx: Context, opts: { emit?: RolloutSink } = {}): Promise<RolloutRow> {
  const { db, store } = openStore(ctx);
  try {
    const last = store.latest();
    if (!last) throw new UserError('no rollout to abort');
    if (last.state !== 'running' && last.state !== 'completed_pending') {
      throw new UserError(`rollout ${last.id} of ${last.release} is already ${last.state}`);
    }
    const running = isRolloutLocked(ctx);
    store.setRollout(last.id, { state: 'aborted', reason: 'aborted by operator (jfleet rollout abort)', finished: true });
    // With no process running it, close the open devices now; a running process does it itself.
    if (!running) store.skipOpen(last.id, 'rollout aborted by operator');
    const row = store.get(last.id)!;
    opts.emit?.({ event: 'rollout-aborted', rollout: row.id, release: row.release, running });
    return row;
  } finally {
    db.close();
  }
}

export async function rolloutStatus(ctx: Context, opts: { id?: number } = {}) {
  const { db, store } = openStore(ctx);
  try {
    const r = opts.id ? store.get(opts.id) : store.latest();
    if (!r) return null;
    const devices = store.devices(r.id);
    const running = r.state === 'running' ? isRolloutLocked(ctx) : false;
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
