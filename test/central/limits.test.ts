/**
 * Report bodies cannot exhaust the central server's memory: one body is bounded (413), all
 * bodies in flight together are bounded (503 + Retry-After), both refused without reading the
 * rest, and the limit fits the largest report a real fleet sends.
 */
import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import { request, type ClientRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { IN_FLIGHT_BUDGET_BYTES, MAX_BODY_BYTES } from '../../src/central/server.js';
import { loadVillages } from '../../src/inventory/villages.js';
import { buildReport } from '../../src/report/build.js';
import { ReportSchema } from '../../src/report/contract.js';
import { BIN, tempHome } from '../helpers/cli.js';
import { central, RUNNER, TOKEN } from '../report/helpers.js';
import { at as elementAt } from '../helpers/at.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

const MiB = 1024 * 1024;
const CHECKS = [
  'ssh',
  'load',
  'memory',
  'disk',
  'kiosk_browser',
  'kiosk_page',
  'uptime',
  'temperature',
  'display',
  'time_sync',
  'release',
  'dns',
  'portal',
  'central_api',
  'gateway',
  'internet',
];

/** 500 packages, every check at the contract's longest output line, 10,000 changes: the honest bound. */
function largestReport() {
  const ref = loadVillages();
  const at = '2026-11-28T10:00:00.000Z';
  const devices = Array.from({ length: 500 }, (_, i) => ({
    id: `kiosk-${String(i).padStart(4, '0')}-${'x'.repeat(51)}`,
    village: elementAt(ref.villages, i % ref.villages.length).code,
    district: 'x',
    state: 'critical' as const,
    hard: true,
    flapping: false,
    silenced: false,
    since: at,
    lastSeen: at,
    release: 'r'.repeat(128),
    checks: CHECKS.map((n) => ({
      name: n,
      state: 'critical' as const,
      output: 'o'.repeat(1024),
      perfdata: { [`${n}_a_ms`]: 123456.7, [`${n}_b_pct`]: 99.9, [`${n}_c`]: 1e6 },
    })),
  }));
  const changes = Array.from({ length: 10_000 }, (_, i) => ({
    seq: i + 1,
    id: elementAt(devices, i % 500).id,
    from: 'ok' as const,
    to: 'critical' as const,
    hard: true,
    at,
  }));
  return buildReport({
    reportId: '01a22373-5e87-7502-b580-ed81858f8f58',
    createdAt: new Date(at),
    runner: { ...RUNNER, name: 'n'.repeat(255) },
    devices,
    changes,
    ref,
  });
}

/**
 * POSTs `total` bytes (a JSON-looking stream) in 256 KiB chunks, chunked unless `declare`;
 * resolves with the status as soon as the server answers (the rest is not sent), or when the
 * whole body went out and the answer came. `hold` stops writing after that many bytes.
 */
function pour(
  url: string,
  total: number,
  opts: { declare?: boolean; hold?: number } = {},
): { status: Promise<number>; req: ClientRequest; finish: () => void } {
  const chunk = Buffer.alloc(256 * 1024, 0x20);
  let sent = 0;
  let answered = false;
  let finish = () => {};
  let resolveStatus: (n: number) => void = () => {};
  const status = new Promise<number>((r) => (resolveStatus = r));
  const req = request(`${url}/v1/reports`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...(opts.declare ? { 'content-length': String(total) } : {}) },
  });
  req.on('response', (res) => {
    answered = true;
    res.resume();
    resolveStatus(res.statusCode ?? 0);
  });
  req.on('error', () => {
    if (!answered) resolveStatus(-1);
  });
  const pump = () => {
    while (!answered && sent < total) {
      if (opts.hold !== undefined && sent >= opts.hold) return;
      const n = Math.min(chunk.length, total - sent);
      sent += n;
      if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void req.once('drain', pump);
    }
    if (!answered && sent >= total) req.end();
  };
  finish = () => {
    opts = { ...opts, hold: undefined };
    pump();
  };
  req.flushHeaders();
  pump();
  return { status, req, finish };
}

async function until(cond: () => boolean, ms = 10_000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('body limits', () => {
  it('the per-request limit fits the largest real report with a margin, and that report is accepted', async () => {
    const big = largestReport();
    expect(ReportSchema.safeParse(big).success).toBe(true);
    const bytes = Buffer.byteLength(JSON.stringify(big));
    expect(bytes).toBeGreaterThan(8 * MiB); // the bound is honest: near the contract's maximums
    expect(MAX_BODY_BYTES).toBeGreaterThanOrEqual(Math.ceil(bytes * 1.5));
    expect(MAX_BODY_BYTES).toBeLessThanOrEqual(bytes * 2);
    expect(IN_FLIGHT_BUDGET_BYTES).toBeGreaterThanOrEqual(2 * MAX_BODY_BYTES);
    const srv = await central();
    cleanup.push(() => srv.close());
    const res = await fetch(`${srv.url}/v1/reports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(big),
    });
    expect(res.status).toBe(201);
  });

  it('over the limit is 413 before the body is read: declared, or counted as it streams', async () => {
    const srv = await central(undefined, undefined, 0, { maxBodyBytes: 1 * MiB, inFlightBudgetBytes: 8 * MiB });
    cleanup.push(() => srv.close());
    // declared too large: answered with nothing of the body sent
    const declared = pour(srv.url, 2 * MiB, { declare: true, hold: 0 });
    expect(await declared.status).toBe(413);
    // chunked: answered once it passes the limit, while the sender still holds 3 MiB back
    const streamed = pour(srv.url, 4 * MiB, { hold: 1.25 * MiB });
    expect(await streamed.status).toBe(413);
    await until(() => srv.bodyBytesInFlight() === 0);
  });

  it('past the in-flight budget a request gets 503 with Retry-After; the others complete and the budget frees up', async () => {
    const srv = await central(undefined, undefined, 0, { maxBodyBytes: 1 * MiB, inFlightBudgetBytes: 2 * MiB });
    cleanup.push(() => srv.close());
    const a = pour(srv.url, 900 * 1024, { hold: 768 * 1024 });
    await until(() => srv.bodyBytesInFlight() >= 768 * 1024);
    const b = pour(srv.url, 900 * 1024, { hold: 768 * 1024 });
    await until(() => srv.bodyBytesInFlight() >= 1536 * 1024);
    let retryAfter: string | undefined;
    const c = request(`${srv.url}/v1/reports`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' } });
    const third = new Promise<number>((resolve) => {
      c.on('response', (res) => {
        retryAfter = res.headers['retry-after'] as string | undefined;
        res.resume();
        resolve(res.statusCode ?? 0);
      });
    });
    c.on('error', () => {});
    c.write(Buffer.alloc(768 * 1024, 0x20));
    expect(await third).toBe(503);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    a.finish();
    b.finish();
    // not JSON, but read to the end and judged: the budget let them through
    expect(await a.status).toBe(400);
    expect(await b.status).toBe(400);
    await until(() => srv.bodyBytesInFlight() === 0);
  });

  it('8 parallel 31 MiB bodies (and 8 declared ones) are refused and the server process stays small', async () => {
    const home = tempHome();
    const child = execa('node', [BIN, 'central', 'serve', '--port', '0'], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, JFLEET_HOME: home, JFLEET_CENTRAL_TOKEN: TOKEN, NO_COLOR: '1' },
      extendEnv: false,
      reject: false,
    });
    cleanup.push(async () => {
      child.kill('SIGTERM');
      await child;
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += String(d)));
    await until(() => /serving (http:\/\/\S+)/.test(out), 20_000);
    const url = elementAt(/serving (http:\/\/\S+)/.exec(out)!, 1);
    const status = () => readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status())![1]);
    expect((await fetch(`${url}/`)).status).toBe(200); // warm: the dashboard and its data are loaded
    const before = kb('VmRSS');
    const bodies = [...Array.from({ length: 8 }, () => pour(url, 31 * MiB)), ...Array.from({ length: 8 }, () => pour(url, 31 * MiB, { declare: true }))];
    const codes = await Promise.all(bodies.map((b) => b.status));
    for (const b of bodies) b.req.destroy();
    expect(codes.slice(8).every((c) => c === 413)).toBe(true);
    expect(codes.slice(0, 8).every((c) => c === 413 || c === 503)).toBe(true);
    const peak = kb('VmHWM');
    // Without limits this took the server from ~141 MB to ~455 MB (+314). Now: at most 64 MiB of
    // bodies held, plus the discarded remainders awaiting GC; measured about +140 MiB peak.
    expect((peak - before) / 1024, `peak ${peak} kB, before ${before} kB`).toBeLessThan(200);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });
});
