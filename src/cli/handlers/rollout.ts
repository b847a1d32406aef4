/**
 * Handlers of jfleet rollout [resume|status|abort]: the command file parses; here we call the
 * rollout service, render its events (human lines, or JSON lines with --json), write the --junit
 * report, and pick the exit code.
 */
import { resolve } from 'node:path';
import { writeAtomic } from '../../atomic-file.js';
import type { Context } from '../../context.js';
import { ExitStatus, UserError } from '../../errors.js';
import type { RolloutEvent, RolloutSink } from '../../rollout/events.js';
import { renderJUnit } from '../../rollout/junit.js';
import { exitCodeOf } from '../../rollout/machine.js';
import { abortRollout, resumeRollout, rolloutStatus, startRollout, type RolloutDeps, type RolloutOptions, type RolloutResult } from '../../rollout/service.js';
import { assertOutputs, writeError } from '../output-file.js';
import { printJson, println } from '../shared.js';
import { deviceText } from '../render/terminal.js';

/** What the rollout commands take on top of the service's options: how to report. */
export interface RolloutCommandOptions extends Omit<RolloutOptions, 'emit' | 'checkOutputs'> {
  junit?: string;
  json?: boolean;
}

const DEVICE_MARK = { updated: '✓', skipped: '-', pending: '…', rolled_back: '↩', failed: '✗' } as const;

/** The line a person reads for an event; undefined: nothing to show. */
export function humanLine(e: RolloutEvent): string | undefined {
  switch (e.event) {
    case 'rollout-start':
      return `rollout ${e.rollout}: release ${e.release} to ${e.devices} device(s) in ${e.waves.length} wave(s) [${e.waves.join(', ')}], max-fail ${e.maxFail}${e.reopened ? ` (resuming ${e.reopened})` : ''}`;
    case 'wave-start':
      return `wave ${e.wave}: ${e.devices.length} device(s)`;
    case 'device': {
      const m = DEVICE_MARK[e.shown];
      const what =
        e.shown === 'updated'
          ? `${m} ${e.device} updated ${e.previous ?? '(none)'} → ${e.release}`
          : e.shown === 'skipped'
            ? `${m} ${e.device} skipped: ${e.reason}`
            : e.shown === 'pending'
              ? `${m} ${e.device} pending: ${e.reason}`
              : e.shown === 'rolled_back'
                ? `${m} ${e.device} rolled back to ${e.previous}: ${e.reason}`
                : `${m} ${e.device} FAILED: ${e.reason}`;
      return `  ${what}${e.ms !== undefined ? ` (${(e.ms / 1000).toFixed(1)} s)` : ''}`;
    }
    case 'canary-replaced':
      return `  canary unreachable: trying ${e.device} as canary`;
    case 'wave-end':
      return `wave ${e.wave} done: ${e.counts.updated} updated, ${e.counts.failures} failed (${e.allowedFailures} allowed of ${e.counts.reached} reached), ${e.counts.pending} pending`;
    case 'rollout-interrupted':
      return `rollout ${e.rollout} interrupted; continue with: jfleet rollout resume`;
    case 'abort':
      return `ABORTED: ${e.reason}; ${e.skipped} device(s) not updated`;
    case 'rollout-end':
      if (e.nothingToResume) return `rollout ${e.rollout} of ${e.release} already finished (${e.state}, exit ${exitCodeOf(e.state)} then); nothing to resume`;
      return `rollout ${e.rollout} ${e.state}: ${e.counts.updated} updated, ${e.counts.rolled_back} rolled back, ${e.counts.failed} failed, ${e.counts.pending} pending, ${e.counts.skipped} skipped (exit ${e.exitCode})`;
    case 'rollout-aborted':
      return `rollout ${e.rollout} of ${e.release} aborted${e.running ? ' (the running process stops after the devices in flight)' : ''}`;
    case 'record':
      return undefined;
  }
}

/** The JSON line's fields for an event (without ts); undefined: not a JSON line. */
export function jsonEvent(e: RolloutEvent): Record<string, unknown> | undefined {
  switch (e.event) {
    case 'record':
      return undefined;
    case 'rollout-start': {
      const { reopened: _reopened, ...rest } = e;
      return rest;
    }
    case 'device': {
      const { event, rollout, wave, device, state, previous, error, ms } = e;
      // an internal error ends a device without a duration
      return ms === undefined ? { event, rollout, wave, device, state, error } : { event, rollout, wave, device, state, previous, error, ms };
    }
    default:
      return e;
  }
}

function sink(ctx: Context, o: RolloutCommandOptions): RolloutSink {
  return (e) => {
    if (e.event === 'record') return writeJUnit(ctx, o, e);
    if (o.json) {
      const j = jsonEvent(e);
      if (j) ctx.stdout.write(JSON.stringify({ ts: ctx.clock.now().toISOString(), ...j }) + '\n');
    } else {
      // a reason may quote a device's gate or health-check output: escaped on a terminal
      const l = humanLine(e);
      if (l !== undefined) println(ctx, deviceText(ctx.stdout)(l));
    }
  };
}

function writeJUnit(ctx: Context, o: RolloutCommandOptions, e: Extract<RolloutEvent, { event: 'record' }>): void {
  if (o.junit === undefined) return;
  const file = resolve(ctx.cwd, o.junit);
  const r = e.rollout;
  try {
    writeAtomic(file, renderJUnit({ id: r.id, release: r.release, state: r.state, startedAt: r.createdAt, devices: e.devices }), { label: '--junit' });
  } catch (err) {
    throw writeError(err, file, '--junit');
  }
}

/**
 * The --junit file is written after the devices: check it before any is touched (and again with
 * the inventory a continued rollout was planned on), never at the end of a rollout.
 */
function checkOutputs(ctx: Context, o: RolloutCommandOptions) {
  return (plannedInventory?: string | null): void => {
    if (o.junit === undefined) return;
    assertOutputs(ctx, [{ flag: '--junit', file: o.junit }], { inventory: o.inventory, inventories: [plannedInventory] });
  };
}

function serviceOptions(ctx: Context, o: RolloutCommandOptions): RolloutOptions {
  const { junit: _junit, json: _json, ...rest } = o;
  return { ...rest, emit: sink(ctx, o), checkOutputs: checkOutputs(ctx, o) };
}

/** `jfleet rollout --release V`, rendered; the result's exit code is the caller's to raise. */
export function runRollout(ctx: Context, o: RolloutCommandOptions, deps: RolloutDeps = {}): Promise<RolloutResult> {
  return startRollout(ctx, serviceOptions(ctx, o), deps);
}

/** `jfleet rollout resume`, rendered. */
export function runResume(ctx: Context, o: RolloutCommandOptions, deps: RolloutDeps = {}): Promise<RolloutResult> {
  return resumeRollout(ctx, serviceOptions(ctx, o), deps);
}

function exitWith(res: RolloutResult): void {
  if (res.exitCode !== 0) throw new ExitStatus(res.exitCode);
}

export async function rolloutCommand(ctx: Context, o: RolloutCommandOptions): Promise<void> {
  exitWith(await runRollout(ctx, o));
}

export async function resumeCommand(ctx: Context, o: RolloutCommandOptions): Promise<void> {
  exitWith(await runResume(ctx, o));
}

export async function abortCommand(ctx: Context, o: { json?: boolean }): Promise<void> {
  await abortRollout(ctx, { emit: sink(ctx, o) });
}

export async function statusCommand(ctx: Context, o: { id?: number; json?: boolean }): Promise<void> {
  const s = await rolloutStatus(ctx, { id: o.id });
  if (!s) throw new UserError(o.id ? `no rollout ${o.id}` : 'no rollout yet', { hint: 'start one with: jfleet rollout --release V' });
  if (o.json) return printJson(ctx, s);
  const r = s.rollout;
  println(ctx, `rollout ${r.id}: release ${r.release}, ${s.live}${r.reason ? ` (${deviceText(ctx.stdout)(r.reason)})` : ''}`);
  println(
    ctx,
    `  started ${r.createdAt}${r.finishedAt ? `, finished ${r.finishedAt}` : ''}; waves ${r.waves}; max-fail ${r.maxFail}${r.selector ? `; limit ${r.selector}` : ''}`,
  );
  const c = s.counts;
  println(
    ctx,
    `  ${c.total} devices: ${c.updated} updated, ${c.rolled_back} rolled back, ${c.failed} failed, ${c.pending} pending, ${c.planned + c.updating} to do, ${c.skipped} skipped`,
  );
  for (const w of s.waves)
    println(ctx, `  wave ${w.wave}: ${w.devices} device(s), ${w.counts.updated} updated, ${w.counts.failures} failed, ${w.counts.pending} pending`);
  for (const d of s.devices.filter((x) => x.state !== 'updated' && x.state !== 'planned')) {
    println(ctx, `  ${d.state.padEnd(11)} ${d.id}${d.error ? `: ${deviceText(ctx.stdout)(d.error)}` : ''}`);
  }
}
