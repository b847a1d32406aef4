/**
 * The reference central server: a small node:http server implementing the v1 contract. It
 * stores reports idempotently by report id in its own SQLite file, answers the fleet's current
 * state and a package's history as JSON, and serves the dashboard page.
 *
 *   POST /v1/reports            bearer token; 201 stored, 200 {duplicate:true} already stored
 *   GET  /v1/fleet              FleetState
 *   GET  /v1/devices/:id/history DeviceHistory
 *   GET  /                      dashboard (map + table); GET /healthz
 *
 * Writes need the token. Reads need the read token when one is set; without one they are open
 * on loopback only (or everywhere with publicRead: see access.ts). Every request's Host must be
 * a name the server answers to (DNS rebinding), no page may frame it, and request bodies are
 * bounded one by one (maxBodyBytes: 413) and together (inFlightBudgetBytes: 503 Retry-After).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createGunzip, type Gunzip } from 'node:zlib';
import { hostAllowed, readAccess } from './access.js';
import { openDb, type Db } from '../store/db.js';
import {
  countStates,
  ReportSchema,
  type ApiErrorBody,
  type DeviceHistory,
  type FleetPackage,
  type FleetState,
  type HistoryEntry,
  type PackageSnapshot,
  type Report,
  type ContractStateChange,
} from '../report/contract.js';
import type { DistrictGeoJson } from './dashboard.js';
import { centralMigrations } from './migrations.js';
import { DISTRICTS_GEOJSON, loadVillages } from '../inventory/villages.js';
import { type PageRefusal, type PageSpeech, renderDashboard, renderErrorPage } from './dashboard.js';
import { chooseDashboardLang } from './language.js';
import i18next from 'i18next';
import type { CatalogTree } from '../i18n/catalog.js';
import { DEFAULT_TIME_ZONE } from '../i18n/format.js';
import type { Lang } from '../i18n/language.js';
import en from '../i18n/locales/en.js';
import id from '../i18n/locales/id.js';
import { createMessages } from '../i18n/messages.js';

/**
 * The largest report body accepted (decompressed). A report of 500 packages (twice Jember's 248
 * villages) with all 16 checks each at the contract's longest output line (1024 characters),
 * 62-character ids, 128-character releases and 10,000 state changes (the most one report
 * carries) is 10.4 MiB of JSON (test/central/limits.test.ts builds it); a real one is about
 * 1 MiB. 16 MiB leaves half again as margin.
 */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** Body bytes all requests in flight may hold together; a request past it gets 503 + Retry-After. */
export const IN_FLIGHT_BUDGET_BYTES = 64 * 1024 * 1024;

/**
 * How far ahead of the server's clock a report's createdAt may be. A report dated further in
 * the future is refused (422 "created_in_future"): it would otherwise outrank every honest
 * report that follows it. Within the skew it is ordered as if created when it was received.
 */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/** Test and demo hook: answer a POST /v1/reports yourself (fault injection), or delay the answer. */
export interface CentralHooks {
  /** return an answer to send instead of storing the report (e.g. a 500 or a 429 with Retry-After) */
  beforeStore?: (n: number) => Injected | undefined | void | Promise<Injected | undefined | void>;
  /** runs after the report is committed and before the answer is sent (e.g. a delay) */
  afterStore?: (reportId: string, duplicate: boolean) => Promise<void> | void;
}

export interface Injected {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface CentralOptions {
  port?: number;
  host?: string;
  dbFile: string;
  token: string;
  /** serve HTTPS with this PEM certificate and key (their text, read and checked once by the caller) */
  tls?: { cert: string; key: string };
  hooks?: CentralHooks;
  now?: () => Date;
  /** reads need `Authorization: Bearer READTOKEN` (or Basic with it as the password), even on loopback */
  readToken?: string;
  /** reads are open on a non-loopback address too (the operator said so) */
  publicRead?: boolean;
  /** Host names the server answers to, besides its bind address and localhost */
  serverNames?: string[];
  /** per-request body limit (decompressed), default MAX_BODY_BYTES */
  maxBodyBytes?: number;
  /** body bytes all requests may hold at once, default IN_FLIGHT_BUDGET_BYTES */
  inFlightBudgetBytes?: number;
  /** the fleet's time zone for the dashboard's times (config timeZone), default Asia/Jakarta (WIB) */
  timeZone?: string;
}

export interface CentralServer {
  url: string;
  port: number;
  /** POST /v1/reports requests seen (any answer), for tests and the demo */
  stats: { posts: number; stored: number; duplicates: number; unauthorized: number; gzipped: number };
  /** the report ids stored, in arrival order */
  storedReportIds(): string[];
  /** body bytes held by requests in flight right now */
  bodyBytesInFlight(): number;
  /** whether reads need the read token */
  reads: 'open' | 'token';
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
    readonly headers: Record<string, string> = {},
    /** what a person's browser is told instead, in its language (a page path only; the API answers JSON) */
    readonly page?: PageRefusal,
  ) {
    super(body.message);
  }
}

/**
 * Whether a person reads this answer: a browser (it asks for text/html) opening a page, not the
 * API (/v1/..., /healthz), whose answers stay the contract's JSON whoever asks.
 */
function forPerson(req: IncomingMessage, path: string): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (path === '/healthz' || path === '/v1' || path.startsWith('/v1/')) return false;
  return /\btext\/html\b/i.test(req.headers.accept ?? '');
}

/** Headers on every answer: nothing may frame the server (clickjacking), no type sniffing. */
const BASE_HEADERS = {
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
} as const;
const JSON_CSP = "default-src 'none'; frame-ancestors 'none'";
/** an error page: its own inline style, nothing else */
const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
const DASHBOARD_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

export async function startCentral(opts: CentralOptions): Promise<CentralServer> {
  if (!opts.token) throw new Error('startCentral: a token is required');
  const bindHost = opts.host ?? '127.0.0.1';
  const access = readAccess(bindHost, { readToken: opts.readToken, publicRead: opts.publicRead });
  if ('refuse' in access) throw new Error(`startCentral: ${access.refuse}`);
  const readTokenHash = opts.readToken ? sha256(opts.readToken) : null;
  const maxBody = opts.maxBodyBytes ?? MAX_BODY_BYTES;
  const budget = { max: opts.inFlightBudgetBytes ?? IN_FLIGHT_BUDGET_BYTES, used: 0 };
  const now = opts.now ?? (() => new Date());
  const db = openDb(opts.dbFile, centralMigrations);
  // A report the server acknowledged must survive a power cut: the runner will not send it again.
  db.pragma('synchronous = FULL');
  const store = centralStore(db);
  const tokenHash = sha256(opts.token);
  const stats = { posts: 0, stored: 0, duplicates: 0, unauthorized: 0, gzipped: 0 };
  const ref = loadVillages();
  const geo = JSON.parse(readFileSync(DISTRICTS_GEOJSON, 'utf8')) as DistrictGeoJson;
  const speech = dashboardSpeech(opts.timeZone ?? DEFAULT_TIME_ZONE);

  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://central');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const held = { bytes: 0 };
    try {
      if (!hostAllowed(req.headers.host, { bindHost, serverNames: opts.serverNames })) {
        throw new HttpError(
          421,
          { error: 'misdirected_request', message: 'this server does not answer to that Host name (add it with --server-name)' },
          {},
          { key: 'dashboard.error.misdirected', vars: { host: String(req.headers.host ?? '').slice(0, 200) } },
        );
      }
      if (req.method === 'POST' && path === '/v1/reports') {
        stats.posts++;
        if (!authorised(req.headers.authorization, tokenHash)) {
          stats.unauthorized++;
          throw new HttpError(401, { error: 'unauthorized', message: 'missing or wrong bearer token' });
        }
        const injected = await opts.hooks?.beforeStore?.(stats.posts);
        if (injected) {
          await drain(req);
          return send(res, injected.status, injected.body ?? { error: 'injected', message: `injected HTTP ${injected.status}` }, injected.headers);
        }
        if ((req.headers['content-encoding'] ?? '').toLowerCase() === 'gzip') stats.gzipped++;
        const report = parseReport(await readBody(req, maxBody, budget, held));
        const receivedAt = now();
        checkClock(report, receivedAt);
        const r = store.put(report, receivedAt);
        if (r.duplicate) stats.duplicates++;
        else stats.stored++;
        await opts.hooks?.afterStore?.(report.reportId, r.duplicate);
        return send(res, r.duplicate ? 200 : 201, { reportId: report.reportId, duplicate: r.duplicate, receivedAt: r.receivedAt });
      }
      if (req.method === 'GET' || req.method === 'HEAD') {
        if (path === '/healthz') return send(res, 200, { ok: true });
        if (readTokenHash && !readAuthorised(req.headers.authorization, readTokenHash)) {
          throw new HttpError(
            401,
            { error: 'unauthorized', message: 'reads need the read token (Authorization: Bearer READTOKEN, or any user name with it as the password)' },
            { 'www-authenticate': 'Basic realm="jfleet central", charset="UTF-8"' },
            { key: 'dashboard.error.readToken' },
          );
        }
        if (path === '/v1/fleet') return send(res, 200, store.fleet(now()));
        const m = /^\/v1\/devices\/([a-z0-9-]{1,63})\/history$/.exec(path);
        if (m) {
          const h = store.history(m[1]!); // the one group takes part in every match
          if (!h) throw new HttpError(404, { error: 'not_found', message: `no report mentioned package ${m[1]}` });
          return send(res, 200, h);
        }
        if (path === '/' || path === '/dashboard') {
          const choice = chooseDashboardLang(
            { query: url.searchParams.get('lang'), cookie: req.headers.cookie, acceptLanguage: req.headers['accept-language'] },
            { secure: Boolean(opts.tls) },
          );
          const html = renderDashboard(store.fleet(now()), { now: now(), ref, geo, speech: speech[choice.lang] });
          res.writeHead(200, {
            ...BASE_HEADERS,
            'content-type': 'text/html; charset=utf-8',
            'content-security-policy': DASHBOARD_CSP,
            'content-language': choice.lang,
            vary: 'Accept-Language, Cookie',
            ...(choice.setCookie ? { 'set-cookie': choice.setCookie } : {}),
          });
          return res.end(req.method === 'HEAD' ? undefined : html);
        }
      }
      if (['/v1/reports', '/v1/fleet', '/healthz', '/'].includes(path)) {
        throw new HttpError(405, { error: 'method_not_allowed', message: `${req.method} is not allowed on ${path}` });
      }
      throw new HttpError(
        404,
        { error: 'not_found', message: `no route ${req.method} ${path}` },
        {},
        { key: 'dashboard.error.notFound', vars: { path: path.slice(0, 200) } },
      );
    } catch (e) {
      if (e instanceof HttpError) {
        // A POST refused before its body was read: the rest is discarded as it arrives (never
        // held), so the sender can read the answer; a sender that keeps pouring is cut off.
        if (req.method === 'POST' && !req.readableEnded) discardRest(req, maxBody);
        if (e.page && forPerson(req, path)) return sendPage(res, req, url, e.status, e.body.error, e.page, e.headers);
        return send(res, e.status, e.body, e.headers);
      }
      // The runner went away mid-request (killed, link cut): nothing to answer, nothing stored.
      if (req.destroyed || (e as NodeJS.ErrnoException).code === 'ECONNRESET' || (e as Error).message === 'aborted') return;
      process.stderr.write(`jfleet central: internal error on ${req.method} ${path}: ${(e as Error).stack ?? e}\n`);
      if (forPerson(req, path)) return sendPage(res, req, url, 500, 'internal', { key: 'dashboard.error.internal' });
      return send(res, 500, { error: 'internal', message: 'internal server error' });
    } finally {
      budget.used -= held.bytes;
    }
  };

  /** An error page in the reader's language (the dashboard's choice: ?lang=, the cookie, Accept-Language). */
  const sendPage = (
    res: ServerResponse,
    req: IncomingMessage,
    url: URL,
    status: number,
    code: string,
    page: PageRefusal,
    headers: Record<string, string> = {},
  ) => {
    if (res.headersSent) return void res.end();
    const { lang } = chooseDashboardLang({ query: url.searchParams.get('lang'), cookie: req.headers.cookie, acceptLanguage: req.headers['accept-language'] });
    res.writeHead(status, {
      ...BASE_HEADERS,
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': PAGE_CSP,
      'content-language': lang,
      vary: 'Accept, Accept-Language, Cookie',
      ...headers,
    });
    res.end(req.method === 'HEAD' ? undefined : renderErrorPage(status, code, page, speech[lang]));
  };

  const server: Server = opts.tls
    ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }, (q, s) => void handler(q, s))
    : createServer((q, s) => void handler(q, s));
  server.keepAliveTimeout = 5_000;
  server.requestTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, bindHost, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `${opts.tls ? 'https' : 'http'}://${host}:${addr.port}`;
  let closed = false;
  return {
    url,
    port: addr.port,
    stats,
    storedReportIds: () => store.reportIds(),
    bodyBytesInFlight: () => budget.used,
    reads: access.mode,
    async close() {
      if (closed) return;
      closed = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      db.close();
    },
  };
}

/** The dashboard's two languages, made once: the same catalogs the CLI speaks from (src/i18n/locales/). */
function dashboardSpeech(timeZone: string): Record<Lang, PageSpeech> {
  const catalogs = { en: en as CatalogTree, id: id as CatalogTree };
  const one = (lang: Lang): PageSpeech => {
    const m = createMessages(i18next, lang, catalogs);
    return { lang, t: m.t, f: { locale: m.locale, timeZone } };
  };
  return { en: one('en'), id: one('id') };
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

function authorised(header: string | undefined, tokenHash: Buffer): boolean {
  const token = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
  return token !== undefined && timingSafeEqual(sha256(token), tokenHash);
}

/** Reads: `Bearer READTOKEN`, or HTTP Basic (what a browser prompts for) with it as the password. */
function readAuthorised(header: string | undefined, readTokenHash: Buffer): boolean {
  const h = header ?? '';
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(h)?.[1];
  if (bearer !== undefined) return timingSafeEqual(sha256(bearer), readTokenHash);
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(h)?.[1];
  if (basic === undefined) return false;
  const decoded = Buffer.from(basic, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 && timingSafeEqual(sha256(decoded.slice(colon + 1)), readTokenHash);
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return void res.end();
  const text = JSON.stringify(body);
  res.writeHead(status, { ...BASE_HEADERS, 'content-type': 'application/json; charset=utf-8', 'content-security-policy': JSON_CSP, ...headers });
  res.end(text);
}

/** Drops what is left of a refused body without keeping it; past `limit` more bytes or 10 s, closes the connection. */
function discardRest(req: IncomingMessage, limit: number): void {
  let dropped = 0;
  const cut = () => req.socket?.destroy();
  const timer = setTimeout(cut, 10_000);
  timer.unref();
  req.on('data', (c: Buffer) => {
    dropped += c.length;
    if (dropped > limit) cut();
  });
  req.once('end', () => clearTimeout(timer));
  req.once('close', () => clearTimeout(timer));
  req.resume();
}

async function drain(req: IncomingMessage): Promise<void> {
  for await (const _ of req) {
    /* discard */
  }
}

/**
 * Reads a report body, refusing it as soon as it passes the per-request limit (413) or the
 * bytes all requests hold would pass the budget (503): neither reads the rest. `held` is what
 * this request holds from the budget; the caller gives it back when the request is done.
 */
async function readBody(req: IncomingMessage, maxBody: number, budget: { max: number; used: number }, held: { bytes: number }): Promise<string> {
  const type = ((req.headers['content-type'] ?? '').split(';')[0] ?? '').trim().toLowerCase();
  if (type !== 'application/json') {
    await drain(req);
    throw new HttpError(415, { error: 'unsupported_media_type', message: 'send application/json' });
  }
  const enc = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (enc !== 'gzip' && enc !== 'identity') {
    await drain(req);
    throw new HttpError(415, { error: 'unsupported_encoding', message: `content-encoding ${enc} is not supported (gzip or identity)` });
  }
  const tooLarge = () => new HttpError(413, { error: 'too_large', message: `a report may be at most ${maxBody} bytes` });
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBody) throw tooLarge();
  const gunzip: Gunzip | null = enc === 'gzip' ? createGunzip() : null;
  const source = gunzip ? req.pipe(gunzip) : req;
  const chunks: Buffer[] = [];
  let size = 0;
  await new Promise<void>((resolve, reject) => {
    const stop = (e: Error) => {
      source.off('data', onData);
      if (gunzip) {
        req.unpipe(gunzip);
        gunzip.destroy();
      }
      reject(e);
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > maxBody) return stop(tooLarge());
      if (budget.used + c.length > budget.max) {
        return stop(new HttpError(503, { error: 'busy', message: 'the server holds too many report bodies right now; retry shortly' }, { 'retry-after': '5' }));
      }
      budget.used += c.length;
      held.bytes += c.length;
      chunks.push(c);
    };
    source.on('data', onData);
    source.once('end', () => resolve());
    source.once('error', (e) => stop(new HttpError(400, { error: 'bad_body', message: `cannot read the body: ${e.message}` })));
    req.once('aborted', () => stop(new Error('aborted')));
  });
  return Buffer.concat(chunks).toString('utf8');
}

function parseReport(text: string): Report {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new HttpError(400, { error: 'invalid_json', message: 'the body is not JSON' });
  }
  const r = ReportSchema.safeParse(json);
  if (!r.success) {
    throw new HttpError(400, {
      error: 'invalid_report',
      message: 'the body is not a valid jfleet-central/v1 report',
      issues: r.error.issues.slice(0, 20).map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  }
  return r.data;
}

/** A report dated beyond the allowed skew ahead of the server's clock is refused. */
export function checkClock(report: Pick<Report, 'createdAt'>, receivedAt: Date): void {
  const ahead = Date.parse(report.createdAt) - receivedAt.getTime();
  if (ahead > MAX_CLOCK_SKEW_MS) {
    throw new HttpError(422, {
      error: 'created_in_future',
      message: `createdAt ${report.createdAt} is ${Math.round(ahead / 1000)} s ahead of the server's clock (${receivedAt.toISOString()}); at most ${MAX_CLOCK_SKEW_MS / 1000} s is allowed: fix the runner's clock (NTP), then jfleet outbox retry`,
    });
  }
}

interface PackageRow {
  id: string;
  snapshot: string;
  state: string;
  release: string | null;
  report_id: string;
  reported_at: string;
  runner_name: string;
  order_ms: number;
}

/** The ordering key of a report's snapshots: min(createdAt, receivedAt) in epoch ms. Pure. */
export function orderKey(createdAt: string, receivedAt: Date): number {
  return Math.min(Date.parse(createdAt), receivedAt.getTime());
}

/** The central database: reports by id (unique), the newest snapshot per package, history. */
export function centralStore(db: Db) {
  const insertReport = db.prepare(
    `INSERT INTO central_reports (report_id, runner_id, runner_name, created_at, received_at, packages, changes, body)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (report_id) DO NOTHING`,
  );
  const getReport = db.prepare('SELECT received_at FROM central_reports WHERE report_id = ?');
  const getPackage = db.prepare('SELECT * FROM central_packages WHERE id = ?');
  const upsertPackage = db.prepare(
    `INSERT INTO central_packages (id, snapshot, state, release, report_id, reported_at, runner_name, order_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET snapshot = excluded.snapshot, state = excluded.state, release = excluded.release,
       report_id = excluded.report_id, reported_at = excluded.reported_at, runner_name = excluded.runner_name, order_ms = excluded.order_ms`,
  );
  const insertHistory = db.prepare(
    'INSERT OR IGNORE INTO central_history (report_seq, package_id, report_id, at, state, release, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const insertChange = db.prepare('INSERT INTO central_changes (report_seq, package_id, seq, from_state, to_state, hard, at) VALUES (?, ?, ?, ?, ?, ?, ?)');

  const toFleetPackage = (r: PackageRow): FleetPackage => ({
    ...(JSON.parse(r.snapshot) as PackageSnapshot),
    reportId: r.report_id,
    reportedAt: r.reported_at,
    runner: r.runner_name,
  });

  return {
    /** Stores a report once; a known report id is a duplicate and changes nothing. */
    put(report: Report, receivedAt: Date): { duplicate: boolean; receivedAt: string } {
      return db
        .transaction(() => {
          const at = receivedAt.toISOString();
          const ins = insertReport.run(
            report.reportId,
            report.runner.id,
            report.runner.name,
            report.createdAt,
            at,
            report.fleet.packages.length,
            report.changes.length,
            JSON.stringify(report),
          );
          if (ins.changes === 0) return { duplicate: true, receivedAt: (getReport.get(report.reportId) as { received_at: string }).received_at };
          const seq = Number(ins.lastInsertRowid);
          // Ordered by the server's clock: a report counts as created when the runner says, but
          // never later than the server received it, so no runner's clock can put a snapshot
          // ahead of the reports that arrive after it.
          const order = orderKey(report.createdAt, receivedAt);
          for (const p of report.fleet.packages) {
            const cur = getPackage.get(p.id) as PackageRow | undefined;
            // A report older than what we hold (another runner, or a late resend) does not roll the package back.
            if (cur && cur.order_ms > order) continue;
            upsertPackage.run(p.id, JSON.stringify(p), p.state, p.release, report.reportId, report.createdAt, report.runner.name, order);
            if (!cur || cur.state !== p.state || cur.release !== p.release) {
              insertHistory.run(seq, p.id, report.reportId, report.createdAt, p.state, p.release, p.lastSeen);
            }
          }
          for (const c of report.changes) insertChange.run(seq, c.id, c.seq, c.from, c.to, c.hard ? 1 : 0, c.at);
          return { duplicate: false, receivedAt: at };
        })
        .immediate();
    },
    fleet(now: Date): FleetState {
      const packages = (db.prepare('SELECT * FROM central_packages ORDER BY id').all() as PackageRow[]).map(toFleetPackage);
      // The server's clock: when the newest report arrived (a runner's createdAt may be skewed).
      const last = db.prepare('SELECT max(received_at) AS at, count(*) AS n FROM central_reports').get() as { at: string | null; n: number };
      return { generatedAt: now.toISOString(), lastReportAt: last.at, reports: last.n, counts: countStates(packages), packages };
    },
    history(id: string): DeviceHistory | null {
      const cur = getPackage.get(id) as PackageRow | undefined;
      if (!cur) return null;
      const entries = (
        db.prepare('SELECT report_id, at, state, release, last_seen FROM central_history WHERE package_id = ? ORDER BY report_seq').all(id) as Array<{
          report_id: string;
          at: string;
          state: HistoryEntry['state'];
          release: string | null;
          last_seen: string | null;
        }>
      ).map((r) => ({ reportId: r.report_id, at: r.at, state: r.state, release: r.release, lastSeen: r.last_seen }));
      const changes = (
        db.prepare('SELECT seq, package_id, from_state, to_state, hard, at FROM central_changes WHERE package_id = ? ORDER BY at, seq').all(id) as Array<{
          seq: number;
          package_id: string;
          from_state: ContractStateChange['from'];
          to_state: ContractStateChange['to'];
          hard: number;
          at: string;
        }>
      ).map((r) => ({ seq: r.seq, id: r.package_id, from: r.from_state, to: r.to_state, hard: r.hard === 1, at: r.at }));
      return { id, current: toFleetPackage(cur), entries, changes };
    },
    reportIds(): string[] {
      return (db.prepare('SELECT report_id FROM central_reports ORDER BY seq').all() as { report_id: string }[]).map((r) => r.report_id);
    },
  };
}
