/** Handlers of `jfleet schedule run` (the schedules from flags or config, the daemon) and `schedule install`. */
import type { Context } from '../../context.js';
import { runDaemon } from '../../schedule/daemon.js';
import { formats } from '../render/speech.js';
import { printJson, println } from '../shared.js';

/** `schedule install`'s options as commander parses them, plus the global --inventory. */
export interface ScheduleInstallOptions {
  kind?: 'systemd' | 'cron' | 'daemon';
  cron?: string;
  onCalendar?: string;
  jitter: number;
  dir?: string;
  crontab?: string;
  user?: string;
  limit?: string;
  json?: boolean;
  inventory?: string;
}

export async function scheduleInstallCommand(ctx: Context, opts: ScheduleInstallOptions): Promise<void> {
  const { installSchedule } = await import('../../schedule/install.js');
  const { assertOutputs } = await import('../output-file.js');
  const { inventory } = opts;
  const r = await installSchedule(ctx, { ...opts, jitterSec: opts.jitter, checkOutputs: (o) => assertOutputs(ctx, o, { inventory }) });
  if (opts.json) return printJson(ctx, r);
  for (const file of r.files) println(ctx, ctx.t('schedule.wrote', { file }));
  // a command to run is said as it is; "cron picks up /etc/cron.d by itself" in the run's language
  println(ctx, ctx.t('schedule.next', { command: ctx.t.phrase(r.next) }));
  // a one-shot sweep dials every tunnelled kiosk afresh: on a prepaid SIM the daemon is the cheap way
  if (r.tunnelled) ctx.stderr.write(`jfleet: ${ctx.t('schedule.oneShotTunnels', { count: r.tunnelled })}\n`);
}

export async function scheduleRunCommand(
  ctx: Context,
  opts: { sweep?: string; report?: string; jitter: number; stopTimeout: number; limit?: string; forks?: number; inventory?: string },
): Promise<void> {
  let sweepCron = opts.sweep;
  let reportCron = opts.report;
  if (!sweepCron || !reportCron) {
    const cfg = ctx.config();
    sweepCron ??= cfg.schedule?.sweep;
    reportCron ??= cfg.schedule?.report;
  }
  // a bad expression names where it was set: the flag, or the config key to fix
  const from = (flag: string | undefined, name: string, key: string, value: string | undefined) => (flag ? name : value ? { configKey: key } : undefined);
  const { openStateDb } = await import('../../state-db.js');
  const db = openStateDb(ctx.home);
  try {
    await runDaemon(ctx, {
      sweepCron: sweepCron ?? '*/15 * * * *',
      reportCron: reportCron && reportCron !== 'none' ? reportCron : undefined,
      sweepFrom: from(opts.sweep, '--sweep', 'schedule.sweep', sweepCron),
      reportFrom: from(opts.report, '--report', 'schedule.report', reportCron),
      db,
      inventory: opts.inventory,
      limit: opts.limit,
      forks: opts.forks,
      jitterMs: opts.jitter * 1000,
      stopTimeoutMs: opts.stopTimeout * 1000,
      formats: formats(ctx),
    });
  } finally {
    db.close();
  }
}
