/**
 * Applying a device's plan (effects): run each step's actions in order over the device's one
 * connection, stop at the first failure, then run the notified handlers once. A failure is
 * explained in the technician's words where we can (a full disk).
 */
import { commandLine, quote } from '../transport/shell.js';
import type { Transport } from '../transport/types.js';
import type { DeviceLog } from './device-log.js';
import { notifiedHandlers, type PlannedStep } from './plan.js';
import type { ResolvedRecipe } from './recipe.js';
import type { Action, StepResult } from './types.js';

export const STEP_TIMEOUT_MS = 120_000;
const APT_TIMEOUT_MS = 30 * 60_000;

export function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function tail(s: string, n = 400): string {
  const t = s.trim();
  return t.length > n ? '…' + t.slice(-n) : t;
}

/** Disk full is the one apply failure a technician must recognise at once. */
async function explainFailure(t: Transport, path: string | undefined, err: string): Promise<string> {
  if (/no space left|ENOSPC/i.test(err) || (path && /failure/i.test(err))) {
    try {
      const dir = path ? path.slice(0, path.lastIndexOf('/')) || '/' : '/';
      const r = await t.exec(`df -Pk ${quote(dir)} | tail -n 1`, { timeoutMs: 10_000 });
      const f = r.stdout.trim().split(/\s+/);
      const avail = Number(f[3]);
      if (Number.isFinite(avail) && avail < 1024) return `disk full on the device (${f[5] ?? dir}: ${avail} KiB free): ${err}`;
    } catch {
      /* fall through to the raw message */
    }
  }
  return err;
}

export async function runAction(t: Transport, a: Action, timeoutMs: number): Promise<void> {
  if (a.kind === 'put') {
    try {
      await t.put(typeof a.data === 'string' ? a.data : Buffer.from(a.data), a.path, { mode: a.mode });
    } catch (e) {
      const why = await explainFailure(t, a.path, message(e));
      // no half-written file stays behind
      await t.exec(commandLine(['rm', '-f', a.path]), { timeoutMs: 10_000 }).catch(() => undefined);
      throw new Error(`cannot write ${a.path}: ${why}`);
    }
    return;
  }
  const r = await t.exec(a.command, { timeoutMs });
  if (r.exitCode !== 0) {
    const why = await explainFailure(t, undefined, tail(r.stderr || r.stdout));
    throw new Error(`exit ${r.exitCode ?? r.signal}: ${why || '(no output)'}`);
  }
}

export function showAction(a: Action): string {
  return a.kind === 'exec' ? a.command : `sftp put ${a.path} (${typeof a.data === 'string' ? Buffer.byteLength(a.data) : a.data.byteLength} bytes)`;
}

/**
 * Apply one device's planned steps after `before` (what already happened, e.g. bootstrap);
 * each result is handed to `onStep` as it is known.
 */
export async function applySteps(
  t: Transport,
  recipe: ResolvedRecipe,
  planned: PlannedStep[],
  before: StepResult[],
  log: DeviceLog,
  onStep: (r: StepResult) => void,
): Promise<StepResult[]> {
  const steps: StepResult[] = [...before];
  const push = (r: StepResult) => {
    steps.push(r);
    onStep(r);
  };
  let failed = false;
  const changedIds = new Set<string>();
  for (const { step, plan } of planned) {
    const base = { id: step.id, title: step.title, diffs: plan.diffs, commands: [] as string[] };
    if (failed) {
      push({ ...base, diffs: [], status: 'skipped', reason: 'an earlier step failed' });
      continue;
    }
    if (plan.status === 'ok' || plan.status === 'skip') {
      push({ ...base, status: plan.status === 'ok' ? 'ok' : 'skipped', reason: plan.reason });
      continue;
    }
    if (plan.status === 'fail') {
      failed = true;
      push({ ...base, status: 'failed', reason: plan.reason, error: plan.reason });
      log.line(`${step.id}: failed: ${plan.reason}`);
      continue;
    }
    try {
      for (const a of plan.actions) {
        base.commands.push(showAction(a));
        log.line(`${step.id}: ${showAction(a)}`);
        await runAction(t, a, step.kind === 'apt' || step.kind === 'deb' ? APT_TIMEOUT_MS : STEP_TIMEOUT_MS);
      }
      push({ ...base, status: 'changed', reason: plan.reason });
      changedIds.add(step.id);
      log.line(`${step.id}: changed: ${plan.reason}`);
    } catch (e) {
      failed = true;
      const error = message(e);
      push({ ...base, status: 'failed', reason: plan.reason, error });
      log.line(`${step.id}: failed: ${error}`);
    }
  }
  // Handlers run once, after the steps, and only on a device that did not fail.
  if (!failed) {
    const wanted = notifiedHandlers(
      recipe,
      planned.filter((x) => changedIds.has(x.step.id)),
    );
    for (const h of wanted) {
      const hd = recipe.handlers[h]!; // notifiedHandlers() returns keys of recipe.handlers
      try {
        log.line(`handler ${h}: ${hd.command}`);
        await runAction(t, { kind: 'exec', command: hd.command }, STEP_TIMEOUT_MS);
        push({ id: `handler:${h}`, title: hd.title, status: 'changed', reason: hd.title, diffs: [], commands: [hd.command] });
      } catch (e) {
        push({ id: `handler:${h}`, title: hd.title, status: 'failed', reason: hd.title, diffs: [], commands: [hd.command], error: message(e) });
        log.line(`handler ${h}: failed: ${message(e)}`);
      }
    }
  }
  return steps;
}
