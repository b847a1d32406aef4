/**
 * Handler of jfleet provision: plan -> show -> confirm -> apply, as explicit stages. The
 * command file parses; here we refuse a change run nobody can confirm, draw progress from the
 * engine's events, show the plan, ask (or take --yes), apply, render the recap or the --json
 * summary, and pick the exit code.
 */
import type { Context } from '../../context.js';
import { ExitCode, ExitStatus, UserError } from '../../errors.js';
import type { ProvisionSink } from '../../provision/events.js';
import { renderDevice, renderRecap, type Paint } from '../../provision/render.js';
import { openProvision, type ProvisionOptions } from '../../provision/runner.js';
import type { DeviceRecap, Diff, ProvisionSummary } from '../../provision/types.js';
import { confirmOrYes } from '../prompts.js';
import { colors } from '../render/color.js';
import { deviceText } from '../render/terminal.js';
import { printJson, println } from '../shared.js';
import type { MessageKey } from '../../i18n/catalog.js';

export interface ProvisionCommandOptions extends ProvisionOptions {
  diff?: boolean;
  yes?: boolean;
  json?: boolean;
  /** list ok steps too */
  verbose?: boolean;
}

/**
 * One progress line on a terminal's stderr, redrawn as devices settle: `plan 3/12  desa-1: 2 to
 * change`. Nothing without a terminal (or with --json).
 */
export function progressLine(ctx: Context, enabled: boolean): ProvisionSink {
  const tty = enabled && Boolean(ctx.stderr.isTTY);
  let done = 0;
  let total = 0;
  return (e) => {
    if (e.event === 'stage-start') {
      total = e.devices;
      done = 0;
    } else if (e.event === 'device-end') {
      done++;
      const state = e.failed
        ? ctx.t('provision.progress.failed')
        : e.stage === 'plan'
          ? ctx.t('provision.progress.toChange', { count: e.changes })
          : ctx.t('provision.progress.changed', { count: e.changes });
      if (tty) ctx.stderr.write(`\r\x1b[K${ctx.t(`provision.stage.${e.stage}` as MessageKey)} ${done}/${total}  ${e.device}: ${state}`);
    } else if (e.event === 'stage-end') {
      if (tty) ctx.stderr.write('\r\x1b[K');
      done = 0;
    }
  };
}

/**
 * A device's recap with every text that may hold the device's bytes (its error, step reasons
 * and errors, diff labels and contents: a file's current content, a fact's value) passed through
 * `shown`, for rendering: escaped on a terminal, kept exact otherwise. Diffs are escaped before
 * they are laid out, so our own colours and layout are never escaped.
 */
export function shownRecap(r: DeviceRecap, shown: (s: string) => string): DeviceRecap {
  const diff = (d: Diff): Diff => ({ label: shown(d.label), before: shown(d.before), after: shown(d.after) });
  return {
    ...r,
    ...(r.error !== undefined ? { error: shown(r.error) } : {}),
    steps: r.steps.map((s) => ({ ...s, reason: shown(s.reason), ...(s.error !== undefined ? { error: shown(s.error) } : {}), diffs: s.diffs.map(diff) })),
  };
}

export async function provisionCommand(ctx: Context, opts: ProvisionCommandOptions): Promise<void> {
  const check = Boolean(opts.check);
  const human = !opts.json;
  const p = colors(ctx) as unknown as Paint;
  const out = (s = '') => {
    if (human) println(ctx, s);
  };
  // Refuse before touching anything: a change run needs --yes or someone at a terminal.
  if (!check && !opts.yes && (!ctx.interactive || opts.json)) {
    throw new UserError(opts.json ? ctx.t('provision.refuseJson') : ctx.t('provision.refuse'), {
      hint: ctx.t('provision.refuseHint'),
    });
  }
  const progress = progressLine(ctx, human);
  const shown = deviceText(ctx.stdout);
  const show = (devices: DeviceRecap[], asCheck: boolean) => {
    for (const r of devices)
      if (r.changed || r.failed || r.error || opts.verbose)
        for (const l of renderDevice(shownRecap(r, shown), { check: asCheck, diff: Boolean(opts.diff), verbose: opts.verbose }, p, ctx.t)) out(l);
  };
  const run = await openProvision(ctx, opts, (e) => {
    progress(e);
    if (e.event === 'summary' && human) {
      out();
      for (const l of renderRecap(e.summary, p, ctx.t)) out(l);
      out(p.dim(ctx.t('provision.logs', { dir: run.logDir })));
    }
  });
  let summary: ProvisionSummary;
  try {
    // ---- plan, show ----
    const plan = await run.plan();
    out(
      p.bold(ctx.t(check ? 'provision.checkHead' : 'provision.planHead', { recipe: `${plan.recipe.name} ${plan.recipe.version}`, count: plan.devices.length })),
    );
    show(plan.devices, true);
    if (check) {
      summary = await run.finishCheck();
    } else {
      // ---- confirm ----
      const { devices: n, changes } = plan.changing;
      if (n && !opts.yes) {
        await confirmOrYes(ctx, {
          message: ctx.t('provision.confirm', { changes: ctx.t('provision.changes', { count: changes }), count: n }),
          yes: opts.yes,
          what: ctx.t('provision.changesDevices'),
        });
      }
      // ---- apply ----
      if (n) out(p.bold(ctx.t('provision.applyHead', { count: n })));
      const recaps = await run.apply();
      show(recaps, false);
      summary = await run.finish(recaps);
    }
  } finally {
    await run.close();
  }
  if (opts.json) printJson(ctx, summary);
  if (summary.total.failedDevices > 0) throw new ExitStatus(ExitCode.deviceFailed);
}
