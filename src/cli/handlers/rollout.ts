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
import { when } from '../render/speech.js';
import type { MessageKey, Translate } from '../../i18n/catalog.js';

/** What the rollout commands take on top of the service's options: how to report. */
export interface RolloutCommandOptions extends Omit<RolloutOptions, 'emit' | 'checkOutputs'> {
  junit?: string;
  json?: boolean;
}

const DEVICE_MARK = { updated: '✓', skipped: '-', pending: '…', rolled_back: '↩', failed: '✗' } as const;

/** A rollout state's word (the keyword itself in English; --json keeps the keyword). */
function rolloutState(t: Translate, state: string): string {
  return t(`rollout.rolloutState.${state}` as MessageKey, { defaultValue: state });
}

/** The line a person reads for an event; undefined: nothing to show. */
export function humanLine(t: Translate, e: RolloutEvent): string | undefined {
  switch (e.event) {
    case 'rollout-start': {
      const v = { rollout: e.rollout, release: e.release, count: e.devices, waveCount: e.waves.length, waves: e.waves.join(', '), maxFail: e.maxFail };
      return e.reopened ? t('rollout.line.startResuming', { ...v, reopened: e.reopened }) : t('rollout.line.start', v);
    }
    case 'wave-start':
      return t('rollout.line.waveStart', { wave: e.wave, count: e.devices.length });
    case 'device': {
      const m = DEVICE_MARK[e.shown];
      const what =
        e.shown === 'updated'
          ? t('rollout.line.updated', { device: e.device, previous: e.previous ?? t('rollout.line.none'), release: e.release })
          : e.shown === 'skipped'
            ? t('rollout.line.skipped', { device: e.device, reason: t.phrase(e.reason ?? '') })
            : e.shown === 'pending'
              ? t('rollout.line.pending', { device: e.device, reason: t.phrase(e.reason ?? '') })
              : e.shown === 'rolled_back'
                ? t('rollout.line.rolledBack', { device: e.device, previous: e.previous ?? '', reason: t.phrase(e.reason ?? '') })
                : t('rollout.line.failed', { device: e.device, reason: t.phrase(e.reason ?? '') });
      return `  ${m} ${what}${e.ms !== undefined ? ` ${t('rollout.line.seconds', { seconds: (e.ms / 1000).toFixed(1) })}` : ''}`;
    }
    case 'canary-replaced':
      return `  ${t('rollout.line.canaryReplaced', { device: e.device })}`;
    case 'wave-end':
      return t('rollout.line.waveEnd', {
        wave: e.wave,
        updated: e.counts.updated,
        failures: e.counts.failures,
        allowed: e.allowedFailures,
        reached: e.counts.reached,
        pending: e.counts.pending,
      });
    case 'rollout-interrupted':
      return t('rollout.line.interrupted', { rollout: e.rollout });
    case 'abort':
      return t('rollout.line.aborted', { reason: t.phrase(e.reason ?? ''), count: e.skipped });
    case 'rollout-end':
      if (e.nothingToResume)
        return t('rollout.line.nothingToResume', { rollout: e.rollout, release: e.release, state: rolloutState(t, e.state), exitCode: exitCodeOf(e.state) });
      return t('rollout.line.end', {
        rollout: e.rollout,
        state: rolloutState(t, e.state),
        updated: e.counts.updated,
        rolledBack: e.counts.rolled_back,
        failed: e.counts.failed,
        pending: e.counts.pending,
        skipped: e.counts.skipped,
        exitCode: e.exitCode,
      });
    case 'rollout-aborted':
      return t(e.running ? 'rollout.line.abortedRunning' : 'rollout.line.abortedStopped', { rollout: e.rollout, release: e.release });
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
      const l = humanLine(ctx.t, e);
      if (l !== undefined) println(ctx, deviceText(ctx.stdout)(l));
    }
  };
}

function writeJUnit(ctx: Context, o: RolloutCommandOptions, e: Extract<RolloutEvent, { event: 'record' }>): void {
  if (o.junit === undefined) return;
  const file = resolve(ctx.cwd, o.junit);
  const r = e.rollout;
  try {
    // a device's own error inside the sentence ("why") is a lower layer's English: said in the run's language too
    const said = (vars: Record<string, string | number>) => (typeof vars.why === 'string' ? { ...vars, why: ctx.t.phrase(vars.why) } : vars);
    const say = (key: string, vars: Record<string, string | number>) =>
      key === 'gateFailed' && vars.previous === undefined
        ? ctx.t('rollout.junit.gateFailedNoPrevious')
        : ctx.t(`rollout.junit.${key}` as MessageKey, said(vars));
    writeAtomic(file, renderJUnit({ id: r.id, release: r.release, state: r.state, startedAt: r.createdAt, devices: e.devices }, say), { label: '--junit' });
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
  if (!s)
    throw new UserError(o.id ? ctx.t('rollout.status.noRollout', { id: o.id }) : ctx.t('rollout.status.noRolloutYet'), { hint: ctx.t('advice.rolloutStart') });
  if (o.json) return printJson(ctx, s);
  const r = s.rollout;
  println(
    ctx,
    `${ctx.t('rollout.status.head', { id: r.id, release: r.release, state: rolloutState(ctx.t, s.live) })}${r.reason ? ` (${deviceText(ctx.stdout)(ctx.t.phrase(r.reason))})` : ''}`,
  );
  const times = r.finishedAt
    ? ctx.t('rollout.status.startedFinished', { started: when(ctx, r.createdAt), finished: when(ctx, r.finishedAt) })
    : ctx.t('rollout.status.started', { started: when(ctx, r.createdAt) });
  println(
    ctx,
    `  ${times}; ${ctx.t('rollout.status.plan', { waves: r.waves, maxFail: r.maxFail })}${r.selector ? `; ${ctx.t('rollout.status.limit', { selector: r.selector })}` : ''}`,
  );
  const c = s.counts;
  println(
    ctx,
    `  ${ctx.t('rollout.status.counts', { count: c.total, updated: c.updated, rolledBack: c.rolled_back, failed: c.failed, pending: c.pending, todo: c.planned + c.updating, skipped: c.skipped })}`,
  );
  for (const w of s.waves)
    println(
      ctx,
      `  ${ctx.t('rollout.status.wave', { wave: w.wave, count: w.devices, updated: w.counts.updated, failed: w.counts.failures, pending: w.counts.pending })}`,
    );
  for (const d of s.devices.filter((x) => x.state !== 'updated' && x.state !== 'planned')) {
    println(
      ctx,
      `  ${ctx.t(`rollout.state.${d.state}` as MessageKey).padEnd(11)} ${d.id}${d.error ? `: ${deviceText(ctx.stdout)(ctx.t.phrase(d.error))}` : ''}`,
    );
  }
}
