/**
 * jfleet schedule run: a long-running daemon on node-cron. Sweeps (and reports) on cron
 * expressions with random jitter, never overlapping; one connection pool kept open between
 * sweeps so later sweeps are warm (keepalive; a dropped connection is reopened on the next
 * sweep); on SIGTERM/SIGINT it stops scheduling, lets a running sweep finish within a bound,
 * then closes every connection.
 */
import cron from 'node-cron';
import type { Context } from '../context.js';
import { ExitCode } from '../errors.js';
import { validateCron } from './cron.js';
import type { SweepSession } from '../health/sweep.js';
import type { SweepSummary } from '../health/types.js';
import type { Db } from '../store/db.js';
import { reportNow } from '../report/service.js';
import { countsLine } from '../health/render.js';
import { loadSelection } from '../inventory/service.js';
import { loadHealthSettings } from '../health/settings.js';
import { keptSession, openPool, runSweep } from '../health/sweep.js';
import { DEFAULT_TIME_ZONE, type Formats, logTime } from '../i18n/format.js';
import { intlLocale } from '../i18n/language.js';

export interface DaemonOptions {
  sweepCron: string;
  reportCron?: string;
  /** where each expression came from, for its error: a flag ("--sweep") or a config key */
  sweepFrom?: string | { configKey: string };
  reportFrom?: string | { configKey: string };
  inventory?: string;
  limit?: string;
  forks?: number;
  /** random delay before each run, ms (spreads many runners hitting one central API) */
  jitterMs?: number;
  /** how long a stop waits for a running sweep before closing its connections (default 30 s) */
  stopTimeoutMs?: number;
  /** the state database: sweeps store into it and reports are queued from it; the caller closes it */
  db: Db;
  /** the report step (default: queue a report and send the outbox, one pass) */
  onReport?: (ctx: Context, db: Db) => Promise<void>;
  /** called after each sweep (logging, tests) */
  onSweep?: (summary: SweepSummary, n: number) => void;
  /** where a log line goes (default: stdout, after its time) */
  log?: (line: string) => void;
  /**
   * The language and the fleet's zone a log line's time is shown in (the CLI hands in config
   * timeZone, default Asia/Jakarta: WIB), as every time jfleet shows a person; what the daemon
   * stores and reports keeps ISO 8601 UTC.
   */
  formats?: Formats;
}

export interface DaemonResult {
  sweeps: number;
  reports: number;
  skipped: number;
  failed: number;
}

export async function runDaemon(ctx: Context, opts: DaemonOptions): Promise<DaemonResult> {
  const origin = (from: DaemonOptions['sweepFrom'], fallback: string) => (typeof from === 'object' ? `config ${from.configKey}` : (from ?? fallback));
  validateCron(opts.sweepCron, origin(opts.sweepFrom, 'the sweep schedule'));
  if (opts.reportCron) validateCron(opts.reportCron, origin(opts.reportFrom, 'the report schedule'));
  const f = opts.formats ?? { locale: intlLocale(ctx.lang), timeZone: DEFAULT_TIME_ZONE };
  const log = opts.log ?? ((l: string) => ctx.stdout.write(`${logTime(f, ctx.clock.now())} ${l}\n`));

  const first = await loadSelection(ctx, { inventory: opts.inventory, limit: opts.limit });
  const settings = loadHealthSettings(first.dir).value;
  const db = opts.db;
  const session: SweepSession = keptSession(await openPool(ctx, settings, first));
  // A running sweep keeps going after a stop request until this fires (the stop bound).
  const hardStop = new AbortController();
  const sweepCtx: Context = { ...ctx, signal: hardStop.signal };
  const result: DaemonResult = { sweeps: 0, reports: 0, skipped: 0, failed: 0 };
  let busy: Promise<void> | null = null;
  let busyName = '';
  let stopping = false;

  const report = opts.onReport ?? defaultReport;
  const exclusive = (name: string, job: () => Promise<void>) => async () => {
    if (stopping) return;
    // The other job (a report during a sweep, or the reverse) is waited for; the same job still
    // running means the schedule is tighter than the work: skip this tick.
    while (busy && busyName !== name) await busy;
    if (stopping) return;
    if (busy) {
      result.skipped++;
      log(ctx.t('schedule.skippedPrevious', { job: name }));
      return;
    }
    busyName = name;
    busy = job()
      .catch((err: unknown) => {
        result.failed++;
        const e = err as { exitCode?: number; message?: string };
        if (e.exitCode === ExitCode.locked) {
          result.skipped++;
          log(ctx.t('schedule.skippedLocked', { job: name }));
        } else log(ctx.t('schedule.failed', { job: name, reason: ctx.t.phrase(e.message ?? String(err)) }));
      })
      .finally(() => {
        busy = null;
      });
    await busy;
  };

  const sweepJob = exclusive('sweep', async () => {
    // Re-read the selection each time so inventory edits take effect without a restart.
    const selection = await loadSelection(ctx, { inventory: opts.inventory, limit: opts.limit });
    const warmBefore = selection.packages.filter((p) => session.connected.has(p.id)).length;
    const s = await runSweep(sweepCtx, { selection, session, db, forks: opts.forks });
    result.sweeps++;
    log(
      ctx.t('schedule.sweepLog', {
        n: result.sweeps,
        count: s.total,
        seconds: (s.durationMs / 1000).toFixed(1),
        warm: warmBefore,
        counts: countsLine(ctx.t, s.counts),
        worst: ctx.t(`health.state.${s.worst}`),
      }),
    );
    opts.onSweep?.(s, result.sweeps);
  });
  const reportJob = exclusive('report', async () => {
    await report(sweepCtx, db);
    result.reports++;
    log(ctx.t('schedule.reportDone', { n: result.reports }));
  });

  const common = { noOverlap: true, maxRandomDelay: opts.jitterMs ?? 0 };
  const tasks = [cron.schedule(opts.sweepCron, sweepJob, { ...common, name: 'jfleet-sweep' })];
  if (opts.reportCron) tasks.push(cron.schedule(opts.reportCron, reportJob, { ...common, name: 'jfleet-report' }));
  log(
    ctx.t(opts.reportCron ? 'schedule.startedWithReport' : 'schedule.started', {
      sweep: opts.sweepCron,
      report: opts.reportCron ?? '',
      count: first.packages.length,
      jitter: Math.round((opts.jitterMs ?? 0) / 1000),
      pid: process.pid,
    }),
  );

  await new Promise<void>((resolve) => {
    if (ctx.signal.aborted) return resolve();
    ctx.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  stopping = true;
  for (const t of tasks) await t.stop();
  const bound = opts.stopTimeoutMs ?? 30_000;
  if (busy) {
    log(ctx.t('schedule.stopping', { seconds: Math.round(bound / 1000) }));
    const timer = setTimeout(() => hardStop.abort(new Error('stop timeout')), bound);
    const done = busy as Promise<void>;
    let grace: NodeJS.Timeout | undefined;
    // The aborted sweep gets 2 s more to store what it has; then we close regardless.
    await Promise.race([done, new Promise((r) => (grace = setTimeout(r, bound + 2000)))]);
    clearTimeout(timer);
    clearTimeout(grace);
  }
  await session.pool.closeAll().catch(() => undefined);
  for (const t of tasks) await t.destroy();
  log(ctx.t('schedule.stopped', { sweeps: result.sweeps, reports: result.reports }));
  if (ctx.env.JFLEET_DEBUG_HANDLES) setTimeout(() => log(`still alive: ${process.getActiveResourcesInfo().join(', ')}`), 2000).unref();
  return result;
}

async function defaultReport(ctx: Context, db: Db): Promise<void> {
  await reportNow(ctx, db, { waitMs: 0 });
}
