/** Handler of `jfleet schedule run`: resolves the schedules from flags or config, runs the daemon. */
import type { Context } from '../../context.js';
import { runDaemon } from '../../schedule/daemon.js';
import { formats } from '../render/speech.js';

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
  const { openStateDb } = await import('../../state-db.js');
  const db = openStateDb(ctx.home);
  try {
    await runDaemon(ctx, {
      sweepCron: sweepCron ?? '*/15 * * * *',
      reportCron: reportCron && reportCron !== 'none' ? reportCron : undefined,
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
