/**
 * The HTTP client for the central API: Node's fetch (undici) with bearer auth, an optional CA
 * bundle, gzip for large bodies and a timeout. Every answer is validated with the contract's
 * zod schemas and classified into what the outbox should do next. The token never appears in
 * an error, a log line or an outcome: every reason is passed through redact() with the token
 * before it leaves this module (a server may echo the Authorization header in an error body).
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { Agent, fetch, type Dispatcher } from 'undici';
import { redact, redactUrlCredentials, UserError } from '../errors.js';
import { VERSION } from '../version.js';
import { API_PREFIX, ApiErrorSchema, FleetStateSchema, ReportAcceptedSchema, type FleetState } from './contract.js';

export interface ApiConfig {
  /** base URL, e.g. https://central.jemberkab.go.id/fleet (the /v1 paths are appended) */
  url: string;
  token?: string;
  /** PEM bundle of CAs to trust for HTTPS (in addition to nothing else: a private CA) */
  caFile?: string;
  timeoutMs?: number;
  /** bodies larger than this many bytes are gzip-compressed */
  gzipAboveBytes?: number;
}

export type SendOutcome =
  | { kind: 'delivered'; status: number; duplicate: boolean }
  /** try again later: network error, timeout, 408, 429, 5xx, or an answer that is not the API's */
  | { kind: 'retry'; status: number | null; reason: string; retryAfterMs: number | null }
  /** the central API refused this report for good: dead-letter it */
  | { kind: 'dead'; status: number; reason: string }
  /** the token was refused: keep the report, stop sending until the token is fixed */
  | { kind: 'auth'; status: number; reason: string };

export const DEFAULT_TIMEOUT_MS = 30_000;
export const GZIP_ABOVE_BYTES = 16 * 1024;

export interface ApiClient {
  readonly url: string;
  postReport(reportId: string, body: string, signal?: AbortSignal): Promise<SendOutcome>;
  getFleet(signal?: AbortSignal): Promise<FleetState>;
  close(): Promise<void>;
}

export function createApiClient(cfg: ApiConfig, now: () => Date = () => new Date()): ApiClient {
  const base = normaliseBase(cfg.url);
  const timeoutMs = cfg.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const gzipAbove = cfg.gzipAboveBytes ?? GZIP_ABOVE_BYTES;
  // Our own agent (not the global one), closed by close(), so no idle keep-alive socket holds
  // the process open after a report.
  let ca: string | undefined;
  if (cfg.caFile) {
    try {
      ca = readFileSync(cfg.caFile, 'utf8');
    } catch (e) {
      throw new UserError(`api.caFile ${cfg.caFile}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, {
        hint: "point api.caFile (or JFLEET_API_CA_FILE) at a PEM file with the CA that signed the central API's certificate",
      });
    }
  }
  const dispatcher: Dispatcher = new Agent({ connect: ca ? { ca } : {}, connectTimeout: Math.min(timeoutMs, 15_000) });
  const headers = (extra: Record<string, string> = {}): Record<string, string> => ({
    'user-agent': `jfleet/${VERSION}`,
    accept: 'application/json',
    ...(cfg.token ? { authorization: `Bearer ${cfg.token}` } : {}),
    ...extra,
  });
  const clean = (text: string) => redact(text, [cfg.token]);
  const scrub = (o: SendOutcome): SendOutcome => (o.kind === 'delivered' ? o : { ...o, reason: clean(o.reason) });
  const withTimeout = (signal?: AbortSignal) => {
    const t = AbortSignal.timeout(timeoutMs);
    return signal ? AbortSignal.any([signal, t]) : t;
  };

  return {
    url: base,
    async postReport(reportId, body, signal) {
      const raw = Buffer.from(body, 'utf8');
      const gzip = raw.length > gzipAbove;
      const payload = gzip ? gzipSync(raw) : raw;
      let res;
      try {
        res = await fetch(`${base}${API_PREFIX}/reports`, {
          method: 'POST',
          headers: headers({
            'content-type': 'application/json',
            'idempotency-key': reportId,
            ...(gzip ? { 'content-encoding': 'gzip' } : {}),
          }),
          body: payload,
          signal: withTimeout(signal),
          dispatcher,
        });
      } catch (e) {
        if (signal?.aborted) throw e;
        return scrub({ kind: 'retry', status: null, reason: networkReason(e, timeoutMs), retryAfterMs: null });
      }
      const text = await res.text().catch(() => '');
      return scrub(classify(res.status, clean(text), res.headers.get('retry-after'), reportId, now()));
    },
    async getFleet(signal) {
      let res;
      try {
        res = await fetch(`${base}${API_PREFIX}/fleet`, { headers: headers(), signal: withTimeout(signal), dispatcher });
      } catch (e) {
        throw new UserError(clean(`central API at ${base}: ${networkReason(e, timeoutMs)}`));
      }
      const text = await res.text();
      if (res.status !== 200) throw new UserError(`central API at ${base}: HTTP ${res.status} ${describeError(clean(text))}`);
      const parsed = FleetStateSchema.safeParse(safeJson(text));
      if (!parsed.success) throw new UserError(clean(`central API at ${base}: the answer is not a fleet state (${parsed.error.issues[0]?.message})`));
      return parsed.data;
    },
    async close() {
      await dispatcher.close();
    },
  };
}

export function normaliseBase(url: string): string {
  let u: URL;
  const shown = redactUrlCredentials(url);
  try {
    u = new URL(url);
  } catch {
    throw new UserError(`api.url "${shown}" is not a URL`, { hint: { kind: 'api-url-invalid' } });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UserError(`api.url "${shown}" must be http(s)`);
  // fetch refuses such a URL, and its error would quote the password
  if (u.username || u.password) {
    throw new UserError(`api.url "${redactUrlCredentials(u.toString())}" carries a user name or password`, {
      hint: 'put the credential in api.token (sent in the Authorization header) and set api.url without user:password@',
    });
  }
  u.search = '';
  u.hash = '';
  return u.toString().replace(/\/+$/, '');
}

/** What the outbox does with an HTTP answer. Pure (exported for tests). */
export function classify(status: number, text: string, retryAfter: string | null, reportId: string, now: Date): SendOutcome {
  if (status >= 200 && status < 300) {
    const ok = ReportAcceptedSchema.safeParse(safeJson(text));
    if (ok.success && ok.data.reportId === reportId) return { kind: 'delivered', status, duplicate: ok.data.duplicate };
    // A 2xx that is not the API's answer (a captive portal, a misrouted proxy): not delivered.
    const why = ok.success ? `it acknowledged report ${ok.data.reportId}` : 'the answer is not a ReportAccepted document';
    return { kind: 'retry', status, reason: `HTTP ${status}, but ${why}`, retryAfterMs: null };
  }
  const err = ApiErrorSchema.safeParse(safeJson(text));
  if (status === 409 && err.success && err.data.error === 'duplicate_report') return { kind: 'delivered', status, duplicate: true };
  const detail = describeError(text);
  if (status === 401 || status === 403) {
    return { kind: 'auth', status, reason: `HTTP ${status}: the central API refused the token${detail ? ` (${detail})` : ''}` };
  }
  if (status === 408 || status === 429 || status >= 500) {
    return { kind: 'retry', status, reason: `HTTP ${status}${detail ? ` ${detail}` : ''}`, retryAfterMs: parseRetryAfter(retryAfter, now) };
  }
  return { kind: 'dead', status, reason: `HTTP ${status}${detail ? ` ${detail}` : ''}` };
}

/** Retry-After as delay-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(v: string | null, now: Date): number | null {
  if (!v) return null;
  const s = v.trim();
  if (/^\d+$/.test(s)) return Number(s) * 1000;
  const t = Date.parse(s);
  if (Number.isNaN(t)) return null;
  return Math.max(0, t - now.getTime());
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function describeError(text: string): string {
  const err = ApiErrorSchema.safeParse(safeJson(text));
  if (err.success) {
    const first = err.data.issues?.[0];
    return `${err.data.error}: ${err.data.message}${first ? ` (${first.path}: ${first.message})` : ''}`.slice(0, 300);
  }
  return text.replace(/\s+/g, ' ').trim().slice(0, 120);
}

function networkReason(e: unknown, timeoutMs: number): string {
  const err = e as Error & { cause?: Error & { code?: string } };
  if (err?.name === 'TimeoutError' || err?.cause?.name === 'TimeoutError') return `no answer within ${Math.round(timeoutMs / 1000)} s`;
  const cause = err?.cause;
  const code = cause?.code;
  if (code) return `${code}${cause?.message && !cause.message.includes(code) ? `: ${cause.message}` : cause?.message ? ` (${cause.message})` : ''}`;
  return cause?.message ?? err?.message ?? String(e);
}
