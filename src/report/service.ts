/**
 * What `jfleet report`, `sweep --report`, the daemon and `jfleet outbox` call. Builds a report
 * from what health knows (readFleetStatus / readStateChanges), commits it to the outbox together
 * with the state-change cursor (one transaction: a change is in exactly one report), then sends.
 * Every verb is handed the state database; the caller (a handler, the daemon) owns its lifetime.
 */
import { readTunnels } from '../reach/status.js';
import { hostname } from 'node:os';
import type { Context } from '../context.js';
import { redactUrlCredentials, UserError } from '../errors.js';
import { readFleetStatus, readStateChanges } from '../health/store.js';
import { loadVillages } from '../inventory/villages.js';
import type { Db } from '../store/db.js';
import { VERSION } from '../version.js';
import { buildReport } from './build.js';
import type { ApiConfig } from './client.js';
import type { Report, Runner } from './contract.js';
import { uuidv4, uuidv7 } from './ids.js';
import {
  dropOutbox,
  enqueueReport,
  listOutbox,
  resolveOutboxIds,
  retryOutbox,
  sendOutbox,
  type OutboxEntry,
  type SendOptions,
  type SendSummary,
} from './outbox.js';
import { resolveApiConfig } from './settings.js';

function meta(db: Db, key: string): string | undefined {
  return (db.prepare('SELECT value FROM report_meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
}

function setMeta(db: Db, key: string, value: string): void {
  db.prepare('INSERT INTO report_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
}

/** This installation's identity: a random id made once and kept in the database. */
export function runnerIdentity(db: Db, env: Record<string, string | undefined> = {}): Runner {
  let id = meta(db, 'runner_id');
  if (!id) {
    db.transaction(() => {
      id = meta(db, 'runner_id') ?? uuidv4();
      setMeta(db, 'runner_id', id);
    }).immediate();
  }
  return { id: id!, name: env.JFLEET_RUNNER_NAME || hostname(), version: VERSION };
}

/** Builds the next report from the health tables without writing anything. */
export function composeReport(ctx: Pick<Context, 'clock' | 'env'>, db: Db): { report: Report; lastSeq: number } {
  const now = ctx.clock.now();
  const after = Number(meta(db, 'changes_cursor') ?? '0');
  const changes = readStateChanges(db, after);
  const report = buildReport({
    reportId: uuidv7(now.getTime()),
    createdAt: now,
    runner: runnerIdentity(db, ctx.env),
    devices: readFleetStatus(db, now),
    changes,
    ref: loadVillages(),
    tunnels: new Map(
      [...readTunnels(db)].map(([id, t]) => [id, { bastion: t.bastion, state: t.state, connectedSince: t.connectedSince, lastSeen: t.lastSeen, port: t.port }]),
    ),
  });
  const lastSeq = changes.reduce((m, c) => Math.max(m, c.seq), after);
  return { report, lastSeq };
}

/**
 * Builds the next report and commits it to the outbox with the cursor, atomically: the queueing
 * half of reportNow.
 */
export function queueReport(ctx: Pick<Context, 'clock' | 'env'>, db: Db): { report: Report; seq: number } {
  return db
    .transaction(() => {
      const { report, lastSeq } = composeReport(ctx, db);
      const seq = enqueueReport(db, report);
      setMeta(db, 'changes_cursor', String(lastSeq));
      return { report, seq };
    })
    .immediate();
}

export interface ReportNowResult {
  report: Report;
  /** false for --dry-run */
  queued: boolean;
  send: SendSummary | null;
  url: string | null;
}

/**
 * Queue a report and deliver the outbox now. `dryRun` builds and returns the payload and
 * writes nothing. `waitMs` is how long to keep retrying within this run (default 0: one pass;
 * what is left stays queued for the next run). Throws UserError when the token is refused (the
 * report stays queued). A central API that is down is not an error: see `send.pending`.
 */
export async function reportNow(
  ctx: Context,
  db: Db,
  opts: {
    dryRun?: boolean;
    waitMs?: number;
    /** try the head of the queue now despite its backoff (default true: someone asked); the daemon passes false */
    force?: boolean;
    api?: ApiConfig;
    send?: Omit<SendOptions, 'waitMs' | 'force'>;
  } = {},
): Promise<ReportNowResult> {
  if (opts.dryRun) return { report: composeReport(ctx, db).report, queued: false, send: null, url: null };
  // Resolve the API before queueing, so a missing URL/token is reported before anything is written.
  const api = opts.api ?? (await resolveApiConfig(ctx));
  const { report } = queueReport(ctx, db);
  const send = await sendOutbox(ctx, db, { ...opts.send, force: opts.force ?? true, api, waitMs: opts.waitMs ?? 0 });
  if (send.authError) throw tokenRefused(api, send);
  return { report, queued: true, send, url: redactUrlCredentials(api.url) };
}

function tokenRefused(api: ApiConfig, send: SendSummary): UserError {
  return new UserError(`central API at ${redactUrlCredentials(api.url)}: ${send.authError}; ${send.pending} report(s) stay queued`, {
    hint: { kind: 'api-token-rejected' },
  });
}

/** Deliver what is queued without building a new report (`jfleet report --flush`, the daemon). */
export async function flushOutbox(
  ctx: Context,
  db: Db,
  opts: { waitMs?: number; api?: ApiConfig; force?: boolean; send?: Omit<SendOptions, 'waitMs'> } = {},
): Promise<{ send: SendSummary; url: string }> {
  const api = opts.api ?? (await resolveApiConfig(ctx));
  const send = await sendOutbox(ctx, db, { ...opts.send, api, force: opts.force ?? false, waitMs: opts.waitMs ?? 0 });
  if (send.authError) throw tokenRefused(api, send);
  return { send, url: redactUrlCredentials(api.url) };
}

export function outboxList(db: Db, opts: { all?: boolean } = {}): OutboxEntry[] {
  return listOutbox(db, opts);
}

function resolveOrThrow(db: Db, ids: string[]): OutboxEntry[] {
  const { found, missing } = resolveOutboxIds(db, ids);
  if (missing.length) {
    throw new UserError(`no single report in the outbox matches ${missing.map((m) => `"${m}"`).join(', ')}`, { hint: { kind: 'outbox-list', all: true } });
  }
  return found;
}

/** Checked before the database is opened: a call that names nothing is a usage error. */
export function checkRetrySelection(sel: { ids?: string[]; all?: boolean }): void {
  if (!sel.all && !sel.ids?.length) throw new UserError('name the reports to retry, or pass --all', { hint: { kind: 'outbox-list' } });
}

export function outboxRetry(db: Db, sel: { ids?: string[]; all?: boolean }): number {
  checkRetrySelection(sel);
  if (sel.all) return retryOutbox(db);
  const found = resolveOrThrow(db, sel.ids!);
  const delivered = found.filter((e) => e.status === 'delivered');
  const [done] = delivered;
  if (done) throw new UserError(`report ${done.reportId} was already delivered`);
  return retryOutbox(
    db,
    found.map((e) => e.reportId),
  );
}

/** Checked before the database is opened: a call that names nothing is a usage error. */
export function checkDropSelection(sel: { ids?: string[]; dead?: boolean }): void {
  if (!sel.dead && !sel.ids?.length) throw new UserError('name the reports to drop, or pass --dead', { hint: { kind: 'outbox-list' } });
}

export function outboxDrop(db: Db, sel: { ids?: string[]; dead?: boolean; yes?: boolean }): number {
  checkDropSelection(sel);
  const found = sel.ids?.length ? resolveOrThrow(db, sel.ids) : [];
  if (!sel.yes) {
    const n = found.length + (sel.dead ? listOutbox(db).filter((e) => e.status === 'dead').length : 0);
    throw new UserError(`dropping removes ${n} report(s) for good; the central API will never see them`, { hint: 'add --yes to confirm' });
  }
  return dropOutbox(db, { reportIds: found.map((e) => e.reportId), dead: sel.dead });
}
