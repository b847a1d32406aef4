/**
 * Handlers of `jfleet report` and `jfleet outbox ...`: call one service, render the result,
 * pick the exit code. Never prints the API token.
 */
import type { Context } from '../../context.js';
import { CancelledError, ExitCode, ExitStatus } from '../../errors.js';
import { printJson, println } from '../shared.js';
import type { SendOutcome } from '../../report/client.js';
import type { Db } from '../../store/db.js';
import type { SendSummary } from '../../report/outbox.js';
import type { MessageKey } from '../../i18n/catalog.js';
import { when } from '../render/speech.js';

function short(id: string): string {
  return id.slice(0, 13);
}

function describeWait(ctx: Context, iso: string | null): string {
  if (!iso) return '';
  const s = Math.max(0, Math.round((Date.parse(iso) - ctx.clock.now().getTime()) / 1000));
  return `; ${ctx.t('report.nextAttempt', { seconds: s, time: when(ctx, iso) })}`;
}

function renderSend(ctx: Context, send: SendSummary, url: string): void {
  if (send.delivered.length || send.duplicates.length) {
    const dup = send.duplicates.length ? ` ${ctx.t('report.duplicates', { count: send.duplicates.length })}` : '';
    println(ctx, `${ctx.t('report.delivered', { count: send.delivered.length + send.duplicates.length, url })}${dup}`);
  }
  for (const d of send.dead) println(ctx, ctx.t('report.deadLettered', { id: d.reportId, reason: ctx.t.phrase(d.reason) }));
}

function exitFor(ctx: Context, send: SendSummary): void {
  if (ctx.signal.aborted) throw new CancelledError(ctx.t('report.interrupted', { count: send.pending }));
  if (send.busy) {
    throw new ExitStatus(ExitCode.locked, ctx.t('report.busy', { pid: send.busy.pid, host: send.busy.host, count: send.pending }));
  }
  if (send.pending > 0) {
    throw new ExitStatus(
      ExitCode.reportsQueued,
      `${ctx.t('report.stillQueued', { count: send.pending, reason: send.lastError ? ctx.t.phrase(send.lastError) : ctx.t('report.notDueYet') })}${describeWait(ctx, send.nextAttemptAt)}`,
    );
  }
  if (send.dead.length) throw new ExitStatus(ExitCode.reportsQueued, ctx.t('report.deadCount', { count: send.dead.length }));
}

function progress(ctx: Context, json?: boolean) {
  return (e: { reportId: string; attempt: number; outcome: SendOutcome; nextAttemptAt: string | null }) => {
    if (json || e.outcome.kind === 'delivered') return;
    const what = e.outcome.kind === 'retry' || e.outcome.kind === 'auth' || e.outcome.kind === 'dead' ? e.outcome.reason : '';
    ctx.stderr.write(
      `jfleet: ${ctx.t('report.attempt', { id: short(e.reportId), attempt: e.attempt, reason: ctx.t.phrase(what) })}${describeWait(ctx, e.nextAttemptAt)}\n`,
    );
  };
}

function sendJson(send: SendSummary) {
  return {
    delivered: send.delivered,
    duplicates: send.duplicates,
    dead: send.dead,
    pending: send.pending,
    attempts: send.attempts,
    lastError: send.lastError,
    nextAttemptAt: send.nextAttemptAt,
    busy: send.busy,
  };
}

/** The state database for one command: opened here, handed down, closed when the command ends. */
async function withStateDb<T>(ctx: Context, fn: (db: Db) => Promise<T> | T): Promise<T> {
  const { openStateDb } = await import('../../state-db.js');
  const db = openStateDb(ctx.home);
  try {
    return await fn(db);
  } finally {
    db.close();
  }
}

export async function reportCommand(ctx: Context, opts: { dryRun?: boolean; flush?: boolean; wait: number; json?: boolean }): Promise<void> {
  await withStateDb(ctx, (db) => reportWith(ctx, db, opts));
}

async function reportWith(ctx: Context, db: Db, opts: { dryRun?: boolean; flush?: boolean; wait: number; json?: boolean }): Promise<void> {
  const { reportNow, flushOutbox } = await import('../../report/service.js');
  const waitMs = Math.round(opts.wait * 1000);
  if (opts.dryRun) {
    const r = await reportNow(ctx, db, { dryRun: true });
    printJson(ctx, r.report);
    return;
  }
  if (opts.flush) {
    const { send, url } = await flushOutbox(ctx, db, { waitMs, force: true, send: { onAttempt: progress(ctx, opts.json) } });
    if (opts.json) printJson(ctx, { url, ...sendJson(send) });
    else {
      if (!send.attempts && !send.busy && send.pending === 0) println(ctx, ctx.t('report.outboxEmpty'));
      renderSend(ctx, send, url);
    }
    return exitFor(ctx, send);
  }
  const { doc, send } = await queueAndSend(ctx, db, { waitMs, json: opts.json });
  if (opts.json) printJson(ctx, doc);
  exitFor(ctx, send);
}

/**
 * Queue a report and send the outbox: `jfleet report`, and `jfleet sweep --report` after its
 * sweep. Prints the human lines itself (unless json); returns the JSON document and the send,
 * whose exit status `reportExit` throws.
 */
export async function queueAndSend(ctx: Context, db: Db, opts: { waitMs: number; json?: boolean }): Promise<{ doc: object; send: SendSummary }> {
  const { reportNow } = await import('../../report/service.js');
  const r = await reportNow(ctx, db, { waitMs: opts.waitMs, send: { onAttempt: progress(ctx, opts.json) } });
  const send = r.send!;
  if (!opts.json) {
    println(ctx, ctx.t('report.queued', { id: r.report.reportId, packages: r.report.fleet.packages.length, changes: r.report.changes.length }));
    renderSend(ctx, send, r.url!);
  }
  return {
    doc: { reportId: r.report.reportId, packages: r.report.fleet.packages.length, changes: r.report.changes.length, url: r.url, ...sendJson(send) },
    send,
  };
}

/** Throws the exit status of a send that left reports queued, dead-lettered or busy. */
export const reportExit = exitFor;

export async function outboxListCommand(ctx: Context, opts: { all?: boolean; json?: boolean }): Promise<void> {
  const { outboxList } = await import('../../report/service.js');
  const entries = await withStateDb(ctx, (db) => outboxList(db, opts));
  if (opts.json) return printJson(ctx, entries);
  if (!entries.length) return println(ctx, opts.all ? ctx.t('report.outboxEmpty') : ctx.t('report.nothingQueued'));
  const now = ctx.clock.now();
  const h = (k: MessageKey, n: number) => ctx.t(k).padEnd(n);
  println(
    ctx,
    `${h('report.column.report', 36)}  ${h('report.column.created', 24)}  ${h('report.column.status', 9)}  ${ctx.t('report.column.tries').padStart(5)}  ${ctx.t('report.column.packages').padStart(8)}  ${ctx.t('report.column.note')}`,
  );
  for (const e of entries) {
    const note =
      e.status === 'delivered'
        ? `${ctx.t('report.deliveredAt', { time: e.deliveredAt ? when(ctx, e.deliveredAt) : '' })}${e.duplicate ? ` ${ctx.t('report.alreadyThere')}` : ''}`
        : e.status === 'dead'
          ? ctx.t.phrase(e.lastError ?? '')
          : `${e.lastError ? ctx.t.phrase(e.lastError) : ctx.t('report.notTriedYet')}${e.nextAttemptAt && Date.parse(e.nextAttemptAt) > now.getTime() ? `; ${ctx.t('report.next', { time: when(ctx, e.nextAttemptAt) })}` : ''}`;
    println(
      ctx,
      `${e.reportId}  ${when(ctx, e.createdAt).padEnd(24)}  ${ctx.t(`report.status.${e.status}` as MessageKey).padEnd(9)}  ${String(e.attempts).padStart(5)}  ${String(e.packages).padStart(8)}  ${note}`,
    );
  }
}

export async function outboxRetryCommand(ctx: Context, ids: string[], opts: { all?: boolean }): Promise<void> {
  const { outboxRetry, checkRetrySelection } = await import('../../report/service.js');
  checkRetrySelection({ ids, all: opts.all });
  const n = await withStateDb(ctx, (db) => outboxRetry(db, { ids, all: opts.all }));
  println(ctx, ctx.t('report.retried', { count: n }));
}

export async function outboxDropCommand(ctx: Context, ids: string[], opts: { dead?: boolean; yes?: boolean }): Promise<void> {
  const { outboxDrop, checkDropSelection } = await import('../../report/service.js');
  checkDropSelection({ ids, dead: opts.dead });
  const n = await withStateDb(ctx, (db) => outboxDrop(db, { ids, dead: opts.dead, yes: opts.yes }));
  println(ctx, ctx.t('report.dropped', { count: n }));
}
