/**
 * The store-and-forward outbox (SQLite). A report is committed to report_outbox before any
 * attempt to send it; the sender delivers pending reports strictly in seq order (a report that
 * cannot be delivered yet holds back the ones behind it), with exponential backoff and jitter,
 * honouring Retry-After. The central server deduplicates by report id, so a report whose answer
 * was lost (the process killed mid-send) is simply sent again: exactly once as the API sees it.
 *
 * One sender at a time per database: a lease row in report_meta names the sending process; a
 * lease whose process is gone (kill -9) is taken over.
 */
import { hostname } from 'node:os';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Db } from '../store/db.js';
import { pidAlive } from '../store/lock.js';
import { ReportSchema, type Report } from './contract.js';
import { redact, REDACTED } from '../errors.js';
import type { Context } from '../context.js';
import { createApiClient, type ApiClient, type ApiConfig, type SendOutcome } from './client.js';
import { resolveApiConfig } from './settings.js';

export type OutboxStatus = 'pending' | 'delivered' | 'dead';

export interface OutboxEntry {
  seq: number;
  reportId: string;
  createdAt: string;
  packages: number;
  changes: number;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  lastError: string | null;
  deliveredAt: string | null;
  duplicate: boolean;
}

interface Row {
  seq: number;
  report_id: string;
  created_at: string;
  body: string;
  body_gzip: Buffer | null;
  packages: number;
  changes: number;
  status: OutboxStatus;
  attempts: number;
  next_attempt_at: string | null;
  server_delay: number;
  last_attempt_at: string | null;
  last_error: string | null;
  delivered_at: string | null;
  duplicate: number;
}

const toEntry = (r: Row): OutboxEntry => ({
  seq: r.seq,
  reportId: r.report_id,
  createdAt: r.created_at,
  packages: r.packages,
  changes: r.changes,
  status: r.status,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  lastAttemptAt: r.last_attempt_at,
  // stored reasons are redacted when written; this also covers rows kept from older versions
  lastError: r.last_error === null ? null : redact(r.last_error),
  deliveredAt: r.delivered_at,
  duplicate: r.duplicate === 1,
});

/** Delivered reports kept for `outbox list --all`; older ones are pruned. */
export const KEEP_DELIVERED = 200;

/** Writes the report to the outbox (validated first). Returns its seq. */
export function enqueueReport(db: Db, report: Report): number {
  const valid = ReportSchema.parse(report);
  const r = db
    .prepare(
      `INSERT INTO report_outbox (report_id, created_at, body, body_gzip, packages, changes) VALUES (?, ?, '', ?, ?, ?)
       ON CONFLICT (report_id) DO NOTHING`,
    )
    .run(valid.reportId, valid.createdAt, gzipSync(JSON.stringify(valid)), valid.fleet.packages.length, valid.changes.length);
  if (r.changes === 0) {
    return (db.prepare('SELECT seq FROM report_outbox WHERE report_id = ?').get(valid.reportId) as { seq: number }).seq;
  }
  return Number(r.lastInsertRowid);
}

export function listOutbox(db: Db, opts: { all?: boolean } = {}): OutboxEntry[] {
  const sql = opts.all ? 'SELECT * FROM report_outbox ORDER BY seq' : "SELECT * FROM report_outbox WHERE status != 'delivered' ORDER BY seq";
  return (db.prepare(sql).all() as Row[]).map(toEntry);
}

export function readOutboxBody(db: Db, reportId: string): Report | null {
  const r = db.prepare('SELECT body, body_gzip FROM report_outbox WHERE report_id = ?').get(reportId) as Pick<Row, 'body' | 'body_gzip'> | undefined;
  return r ? (JSON.parse(bodyOf(r)) as Report) : null;
}

function bodyOf(r: Pick<Row, 'body' | 'body_gzip'>): string {
  return r.body_gzip ? gunzipSync(r.body_gzip).toString('utf8') : r.body;
}

/** Finds entries by report id or a unique prefix of one (as `outbox list` shows them). */
export function resolveOutboxIds(db: Db, ids: string[]): { found: OutboxEntry[]; missing: string[] } {
  const all = listOutbox(db, { all: true });
  const found: OutboxEntry[] = [];
  const missing: string[] = [];
  for (const id of ids) {
    const m = all.filter((e) => e.reportId === id || e.reportId.startsWith(id) || String(e.seq) === id);
    const [one, ...more] = m;
    if (one && more.length === 0) found.push(one);
    else missing.push(id);
  }
  return { found, missing };
}

/** Dead → pending, and pending becomes due now (attempts reset). Returns how many changed. */
export function retryOutbox(db: Db, reportIds?: string[]): number {
  const stmt = db.prepare(
    `UPDATE report_outbox SET status = 'pending', attempts = 0, next_attempt_at = NULL, server_delay = 0
     WHERE report_id = ? AND status != 'delivered'`,
  );
  if (reportIds) return db.transaction(() => reportIds.reduce((n, id) => n + stmt.run(id).changes, 0))();
  return db.prepare(`UPDATE report_outbox SET status = 'pending', attempts = 0, next_attempt_at = NULL, server_delay = 0 WHERE status != 'delivered'`).run()
    .changes;
}

/** Removes reports for good (never sent, or dead). Returns how many were removed. */
export function dropOutbox(db: Db, sel: { reportIds?: string[]; dead?: boolean }): number {
  let n = 0;
  db.transaction(() => {
    if (sel.dead) n += db.prepare("DELETE FROM report_outbox WHERE status = 'dead'").run().changes;
    const del = db.prepare('DELETE FROM report_outbox WHERE report_id = ?');
    for (const id of sel.reportIds ?? []) n += del.run(id).changes;
  })();
  return n;
}

// --- the sender lease -------------------------------------------------------------------------

interface Lease {
  pid: number;
  host: string;
  token: string;
  at: string;
}

/** Takes the sender lease, or returns who holds it. */
export function acquireSenderLease(db: Db, now: Date): { ok: true; token: string } | { ok: false; holder: Lease } {
  const token = `${process.pid}-${Math.random().toString(36).slice(2)}`;
  const host = hostname();
  return db
    .transaction(() => {
      const row = db.prepare("SELECT value FROM report_meta WHERE key = 'sender'").get() as { value: string } | undefined;
      if (row) {
        const held = JSON.parse(row.value) as Lease;
        const stale = now.getTime() - Date.parse(held.at) > 15 * 60_000;
        const alive = held.host === host ? pidAlive(held.pid) : !stale;
        if (alive && !stale) return { ok: false as const, holder: held };
      }
      const lease: Lease = { pid: process.pid, host, token, at: now.toISOString() };
      db.prepare("INSERT INTO report_meta (key, value) VALUES ('sender', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(JSON.stringify(lease));
      return { ok: true as const, token };
    })
    .immediate();
}

function renewLease(db: Db, token: string, now: Date): void {
  const row = db.prepare("SELECT value FROM report_meta WHERE key = 'sender'").get() as { value: string } | undefined;
  if (!row) return;
  const lease = JSON.parse(row.value) as Lease;
  if (lease.token !== token) return;
  db.prepare("UPDATE report_meta SET value = ? WHERE key = 'sender'").run(JSON.stringify({ ...lease, at: now.toISOString() }));
}

export function releaseSenderLease(db: Db, token: string): void {
  db.transaction(() => {
    const row = db.prepare("SELECT value FROM report_meta WHERE key = 'sender'").get() as { value: string } | undefined;
    if (row && (JSON.parse(row.value) as Lease).token === token) db.prepare("DELETE FROM report_meta WHERE key = 'sender'").run();
  }).immediate();
}

// --- sending ----------------------------------------------------------------------------------

export interface BackoffOptions {
  /** first retry delay (doubled per attempt), default 2 s */
  baseMs: number;
  /** longest delay between attempts, default 10 min */
  capMs: number;
  /** longest Retry-After honoured, default 1 h */
  maxRetryAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 2_000, capMs: 10 * 60_000, maxRetryAfterMs: 60 * 60_000 };

/**
 * Delay before the next attempt after `attempts` failures: exponential with "equal jitter"
 * (half fixed, half random) so a fleet of runners does not retry in lockstep; a Retry-After
 * from the server wins when it asks for longer. Pure.
 */
export function backoffDelayMs(attempts: number, retryAfterMs: number | null, b: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const exp = Math.min(b.capMs, b.baseMs * 2 ** Math.max(0, attempts - 1));
  const jittered = exp / 2 + random() * (exp / 2);
  if (retryAfterMs !== null) return Math.max(Math.min(retryAfterMs, b.maxRetryAfterMs), 0);
  return Math.round(jittered);
}

export interface SendOptions {
  /** how long this run may wait for backoff delays before leaving the rest queued (default 0) */
  waitMs?: number;
  /**
   * attempt the head of the queue now even if its backoff has not run out (a person typed
   * `jfleet report`); a Retry-After the server asked for is still honoured
   */
  force?: boolean;
  backoff?: Partial<BackoffOptions>;
  random?: () => number;
  now?: () => Date;
  signal?: AbortSignal;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** called after every attempt (for progress output); never receives the token */
  onAttempt?: (e: { reportId: string; seq: number; attempt: number; outcome: SendOutcome; nextAttemptAt: string | null }) => void;
}

export interface SendSummary {
  /** another process holds the sender lease; nothing was attempted */
  busy: { pid: number; host: string } | null;
  attempts: number;
  delivered: string[];
  duplicates: string[];
  dead: Array<{ reportId: string; reason: string }>;
  /** still queued after this run */
  pending: number;
  /** the reason the head of the queue is still pending, if any */
  lastError: string | null;
  nextAttemptAt: string | null;
  /** the token was refused: nothing more is tried until it is fixed */
  authError: string | null;
}

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/**
 * Delivers pending reports in order. Stops at the first report that cannot be delivered yet
 * (keeping order), when the wait budget is spent, or on an auth failure (one request, no storm).
 */
export async function deliverOutbox(db: Db, client: ApiClient, opts: SendOptions = {}): Promise<SendSummary> {
  const now = opts.now ?? (() => new Date());
  const b = { ...DEFAULT_BACKOFF, ...opts.backoff };
  const sleep = opts.sleep ?? defaultSleep;
  const deadline = now().getTime() + (opts.waitMs ?? 0);
  const summary: SendSummary = {
    busy: null,
    attempts: 0,
    delivered: [],
    duplicates: [],
    dead: [],
    pending: 0,
    lastError: null,
    nextAttemptAt: null,
    authError: null,
  };

  const lease = acquireSenderLease(db, now());
  if (!lease.ok) {
    summary.busy = { pid: lease.holder.pid, host: lease.holder.host };
    summary.pending = countPending(db);
    return summary;
  }
  const head = db.prepare("SELECT * FROM report_outbox WHERE status = 'pending' ORDER BY seq LIMIT 1");
  let forced = Boolean(opts.force);
  try {
    for (;;) {
      if (opts.signal?.aborted) break;
      const row = head.get() as Row | undefined;
      if (!row) break;
      const dueAt = row.next_attempt_at && !(forced && row.server_delay === 0) ? Date.parse(row.next_attempt_at) : 0;
      forced = false;
      const t = now().getTime();
      if (dueAt > t) {
        summary.lastError = row.last_error;
        summary.nextAttemptAt = row.next_attempt_at;
        if (dueAt > deadline) break;
        renewLease(db, lease.token, now());
        try {
          await sleep(Math.min(dueAt - t, 60_000), opts.signal);
        } catch (e) {
          if (opts.signal?.aborted) break; // interrupted: the report stays queued
          throw e;
        }
        continue;
      }
      renewLease(db, lease.token, now());
      summary.attempts++;
      const attemptAt = now();
      let outcome: SendOutcome;
      try {
        outcome = await client.postReport(row.report_id, bodyOf(row), opts.signal);
      } catch (e) {
        // Interrupted mid-request: we cannot know whether the server stored it; the next run
        // sends it again and the server's report-id dedup makes that safe.
        if (opts.signal?.aborted) break;
        throw e;
      }
      const attempt = row.attempts + 1;
      let nextAttemptAt: string | null = null;
      if (outcome.kind === 'delivered') {
        db.prepare(
          `UPDATE report_outbox SET status = 'delivered', attempts = ?, last_attempt_at = ?, delivered_at = ?, duplicate = ?, last_error = NULL, next_attempt_at = NULL, server_delay = 0 WHERE seq = ?`,
        ).run(attempt, attemptAt.toISOString(), now().toISOString(), outcome.duplicate ? 1 : 0, row.seq);
        (outcome.duplicate ? summary.duplicates : summary.delivered).push(row.report_id);
        summary.lastError = null;
        summary.nextAttemptAt = null;
      } else if (outcome.kind === 'dead') {
        db.prepare(
          `UPDATE report_outbox SET status = 'dead', attempts = ?, last_attempt_at = ?, last_error = ?, next_attempt_at = NULL, server_delay = 0 WHERE seq = ?`,
        ).run(attempt, attemptAt.toISOString(), outcome.reason, row.seq);
        summary.dead.push({ reportId: row.report_id, reason: outcome.reason });
      } else {
        const delay = backoffDelayMs(attempt, outcome.kind === 'retry' ? outcome.retryAfterMs : null, b, opts.random);
        nextAttemptAt = new Date(now().getTime() + delay).toISOString();
        const serverDelay = outcome.kind === 'retry' && outcome.retryAfterMs !== null ? 1 : 0;
        db.prepare(`UPDATE report_outbox SET attempts = ?, last_attempt_at = ?, last_error = ?, next_attempt_at = ?, server_delay = ? WHERE seq = ?`).run(
          attempt,
          attemptAt.toISOString(),
          outcome.reason,
          nextAttemptAt,
          serverDelay,
          row.seq,
        );
        summary.lastError = outcome.reason;
        summary.nextAttemptAt = nextAttemptAt;
      }
      opts.onAttempt?.({ reportId: row.report_id, seq: row.seq, attempt, outcome, nextAttemptAt });
      if (outcome.kind === 'auth') {
        summary.authError = outcome.reason;
        break;
      }
    }
  } finally {
    releaseSenderLease(db, lease.token);
  }
  pruneDelivered(db);
  summary.pending = countPending(db);
  if (summary.pending === 0) {
    summary.lastError = null;
    summary.nextAttemptAt = null;
  }
  return summary;
}

function countPending(db: Db): number {
  return (db.prepare("SELECT count(*) AS n FROM report_outbox WHERE status = 'pending'").get() as { n: number }).n;
}

function pruneDelivered(db: Db): void {
  db.prepare(
    `DELETE FROM report_outbox WHERE status = 'delivered' AND seq NOT IN
       (SELECT seq FROM report_outbox WHERE status = 'delivered' ORDER BY seq DESC LIMIT ?)`,
  ).run(KEEP_DELIVERED);
}

/**
 * The team-facing entry: resolves the central API from config (api.url, api.token, api.caFile
 * or their JFLEET_API_* overrides) and delivers what the outbox holds.
 */
export async function sendOutbox(ctx: Context, db: Db, opts: SendOptions & { api?: ApiConfig } = {}): Promise<SendSummary> {
  const api = opts.api ?? (await resolveApiConfig(ctx));
  if (api.token) scrubToken(db, api.token);
  const client = createApiClient(api, () => ctx.clock.now());
  try {
    return await deliverOutbox(db, client, { signal: ctx.signal, now: () => ctx.clock.now(), ...opts });
  } finally {
    await client.close();
  }
}

/** Removes the token from reasons stored by versions that kept an echoing server's words verbatim. */
function scrubToken(db: Db, token: string): void {
  db.prepare('UPDATE report_outbox SET last_error = replace(last_error, ?, ?) WHERE instr(last_error, ?) > 0').run(token, REDACTED, token);
}
