/**
 * The wave loop (effects): work a rollout's planned waves device by device through a
 * concurrency limit, replace an unreachable canary, apply the threshold after each wave, and
 * close the rollout. Decisions live in waves.ts and machine.ts; one device in update.ts. Every
 * step is emitted as a typed event; nothing here prints.
 */
import pLimit from 'p-limit';
import { resolveForks } from '../config/config.js';
import type { Context } from '../context.js';
import { failureMessage } from '../context.js';
import { ExitCode } from '../errors.js';
import type { Package } from '../inventory/schema.js';
import { loadSelection, recordFailed } from '../inventory/service.js';
import type { Transport } from '../transport/types.js';
import * as device from './device.js';
import type { RolloutSink } from './events.js';
import { countStates, outcome, shouldAbort, type Counts } from './machine.js';
import { loadArchive, type StoredRelease } from './release.js';
import type { RolloutRow, RolloutStore } from './store.js';
import { updateOne } from './update.js';
import { allowedFailures, parseMaxFail, thresholdExceeded, type MaxFail } from './waves.js';

export interface RolloutOptions {
  release?: string;
  limit?: string;
  inventory?: string;
  waves?: string;
  maxFail?: string;
  forks?: number;
  /** health gate window per device */
  gateTimeoutMs?: number;
  settleMs?: number;
  /** where every event goes (the CLI handler renders them); none: the rollout runs silent */
  emit?: RolloutSink;
  /**
   * Called before any device is touched, and again with the inventory a continued rollout was
   * planned on: the handler checks its output files (--junit) here, never at the end.
   */
  checkOutputs?: (plannedInventory?: string | null) => void;
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

export async function defaultPackages(ctx: Context, inventory: string | undefined, limit: string | undefined) {
  const sel = await loadSelection(ctx, { inventory, limit });
  return { dir: sel.dir, packages: sel.packages };
}

export async function execute(
  ctx: Context,
  store: RolloutStore,
  row: RolloutRow,
  rel: StoredRelease,
  opts: RolloutOptions,
  deps: RolloutDeps,
): Promise<RolloutResult> {
  const emit: RolloutSink = opts.emit ?? (() => undefined);
  const id = row.id;
  const version = row.release;
  const maxFail: MaxFail = parseMaxFail(row.maxFail);
  const archive = loadArchive(rel);
  const layoutFor = deps.layoutFor ?? (() => device.DEVICE_LAYOUT);
  const gateTimeoutMs = opts.gateTimeoutMs ?? (row.options.gateTimeoutMs as number | undefined) ?? 30_000;
  const settleMs = opts.settleMs ?? (row.options.settleMs as number | undefined) ?? 1_000;
  const forks = await resolveForks(ctx, opts.forks);

  // Packages of this rollout, from the inventory it was planned on (ids are the key).
  const planned = store.devices(id);
  const sel = await (deps.packages ?? ((i) => defaultPackages(ctx, i, undefined)))(row.inventory ?? opts.inventory, undefined);
  const byId = new Map(sel.packages.map((p) => [p.id, p]));

  // Resuming: devices left "updating" by a killed run are redone; pending ones are retried.
  const reopened = store.reopen(id, ['pending', 'updating']);
  if (row.state !== 'running') store.setRollout(id, { state: 'running', reason: null });
  emit({
    event: 'rollout-start',
    rollout: id,
    release: version,
    devices: planned.length,
    waves: waveSizes(planned),
    maxFail: row.maxFail,
    resumed: reopened > 0 || row.createdAt !== row.updatedAt,
    reopened,
  });

  let connect = deps.connect;
  let closeAll = deps.close;
  if (!connect) {
    // ssh2 loads only when a rollout works real devices (status and abort never do)
    const { createPool } = await import('../transport/pool.js');
    const { fleetPoolOptions } = await import('../fleet-pool.js');
    const pool = createPool(ctx, fleetPoolOptions(ctx, { inventoryDir: row.inventory ?? undefined, packages: sel.packages }));
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
      emit({ event: 'wave-start', rollout: id, wave: w + 1, devices: todo.map((d) => d.id) });
      for (;;) {
        await Promise.all(
          todo.map((d) =>
            limit(async () => {
              if (ctx.signal.aborted || operatorAborted(store, id)) return;
              if (abortCertain(store, id, w, maxFail)) return; // left planned; skipped by the abort below
              await updateOne(store, emit, id, w, byId.get(d.id), d.id, rel, archive, {
                connect: connect!,
                layoutFor,
                gateTimeoutMs,
                settleMs,
                describeFailure: (e) => failureMessage(ctx, e),
              }).catch((e: unknown) => {
                // A bug, not a device result: record it on the device rather than leave the run half-done.
                const msg = `internal error: ${e instanceof Error ? e.message : String(e)}`;
                if (store.device(id, d.id)?.state === 'updating') store.setDevice(id, d.id, 'failed', { error: msg });
                emit({
                  event: 'device',
                  rollout: id,
                  wave: w + 1,
                  device: d.id,
                  state: 'failed',
                  previous: null,
                  error: msg,
                  release: version,
                  shown: 'failed',
                  reason: msg,
                });
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
        emit({ event: 'canary-replaced', rollout: id, device: next.id });
        todo = [store.device(id, next.id)!];
      }
      if (operatorAborted(store, id)) {
        aborted = true;
        abortReason = 'aborted by operator (jfleet rollout abort)';
        break;
      }
      const counts = countStates(store.devices(id).map((d) => d.state));
      const exceeded = shouldAbort(counts, maxFail);
      emit({ event: 'wave-end', rollout: id, wave: w + 1, counts, allowedFailures: allowedFailures(counts.reached, maxFail), abort: exceeded });
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
    emit({ event: 'record', rollout: r, devices: store.devices(id) });
    emit({ event: 'rollout-interrupted', rollout: id, release: version, counts });
    return { rollout: r, counts, exitCode: ExitCode.cancelled };
  }

  if (aborted) {
    const skipped = store.skipOpen(id, abortReason ?? 'rollout aborted');
    if (store.get(id)!.state !== 'aborted') store.setRollout(id, { state: 'aborted', reason: abortReason, finished: true });
    emit({ event: 'abort', rollout: id, reason: abortReason, skipped });
  }
  const counts = countStates(store.devices(id).map((d) => d.state));
  const res = outcome(counts, aborted);
  if (!aborted) store.setRollout(id, { state: res.state, reason: null, finished: true });
  const final = store.get(id)!;
  emit({ event: 'record', rollout: final, devices: store.devices(id) });
  try {
    await recordFailed(
      ctx,
      store
        .devices(id)
        .filter((d) => d.state === 'rolled_back' || d.state === 'failed')
        .map((d) => d.id),
    );
  } catch {
    // @failed is a convenience; a rollout result does not depend on it
  }
  emit({ event: 'rollout-end', rollout: id, release: version, state: final.state, counts, exitCode: res.exitCode });
  return { rollout: final, counts, exitCode: res.exitCode };
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
