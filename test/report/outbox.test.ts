/**
 * The outbox against the real reference central server on loopback (port 0): no fetch mocks.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiClient } from '../../src/report/client.js';
import { deliverOutbox, enqueueReport, listOutbox, readOutboxBody, retryOutbox } from '../../src/report/outbox.js';
import { startCentral } from '../../src/central/server.js';
import type { Db } from '../../src/store/db.js';
import { central, runnerDb, sampleReport, selfSigned, tempDir, TOKEN } from './helpers.js';
import { at } from '../helpers/at.js';

const fast = { baseMs: 40, capMs: 400, maxRetryAfterMs: 5_000 };
// what close() returns is awaited and dropped: a Db's close() returns the Database itself
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function track<T extends { close(): unknown }>(x: T): T {
  cleanup.push(() => x.close());
  return x;
}

function queue(db: Db, n: number, start = Date.parse('2026-11-28T10:00:00Z')): string[] {
  return Array.from({ length: n }, (_, i) => {
    const r = sampleReport({ at: new Date(start + i * 60_000) });
    enqueueReport(db, r);
    return r.reportId;
  });
}

describe('outbox delivery', () => {
  it('central stopped across three reports: all arrive once it is back, in order, none twice', async () => {
    const db = track(runnerDb());
    const stopped = await central();
    const port = stopped.port;
    const dir = stopped.dir;
    await stopped.close();
    const client = track(createApiClient({ url: stopped.url, token: TOKEN, timeoutMs: 2_000 }));

    const ids: string[] = [];
    for (let sweep = 0; sweep < 3; sweep++) {
      ids.push(...queue(db, 1, Date.parse('2026-11-28T10:00:00Z') + sweep * 300_000));
      const s = await deliverOutbox(db, client, { backoff: fast, force: true });
      expect(s.delivered).toEqual([]);
      expect(s.pending).toBe(sweep + 1);
      expect(s.lastError).toMatch(/ECONNREFUSED/);
      // in order: only the head was tried, the newer ones wait behind it
      expect(listOutbox(db).map((e) => e.attempts)).toEqual([sweep + 1, ...Array(sweep).fill(0)]);
    }

    const srv = track(await startCentral({ port, dbFile: join(dir, 'central.db'), token: TOKEN }));
    const s = await deliverOutbox(db, client, { backoff: fast, waitMs: 5_000 });
    expect(s.delivered).toEqual(ids);
    expect(s.pending).toBe(0);
    expect(srv.storedReportIds()).toEqual(ids);
    expect(srv.stats.duplicates).toBe(0);

    // a second pass sends nothing more
    const again = await deliverOutbox(db, client, { backoff: fast, waitMs: 1_000, force: true });
    expect(again.attempts).toBe(0);
    expect(srv.stats.posts).toBe(3);
  });

  it('500, then 429 with Retry-After, then 200: backs off, waits as asked, delivers once', async () => {
    const answers = [{ status: 500 }, { status: 429, headers: { 'retry-after': '1' }, body: { error: 'slow_down', message: 'too many' } }];
    const times: number[] = [];
    const srv = track(
      await central({
        beforeStore: () => {
          times.push(Date.now());
          return answers.shift();
        },
      }),
    );
    const db = track(runnerDb());
    const client = track(createApiClient({ url: srv.url, token: TOKEN }));
    const [id] = queue(db, 1);
    const attempts: string[] = [];
    const s = await deliverOutbox(db, client, {
      backoff: fast,
      waitMs: 10_000,
      onAttempt: (e) => attempts.push(e.outcome.kind === 'delivered' ? 'delivered' : `${e.outcome.kind} ${'status' in e.outcome ? e.outcome.status : ''}`),
    });
    expect(attempts).toEqual(['retry 500', 'retry 429', 'delivered']);
    expect(s.delivered).toEqual([id]);
    expect(srv.storedReportIds()).toEqual([id]);
    expect(srv.stats.posts).toBe(3);
    // backoff after the 500 (>= base/2) and the Retry-After of 1 s after the 429
    expect(at(times, 1) - at(times, 0)).toBeGreaterThanOrEqual(fast.baseMs / 2 - 5);
    expect(at(times, 2) - at(times, 1)).toBeGreaterThanOrEqual(990);
    expect(listOutbox(db, { all: true })[0]).toMatchObject({ status: 'delivered', attempts: 3, duplicate: false });
  });

  it('a bad token: one request, a clear reason, the report stays queued, no retry storm', async () => {
    const srv = track(await central());
    const db = track(runnerDb());
    const client = track(createApiClient({ url: srv.url, token: 'wrong-token' }));
    queue(db, 2);
    const s = await deliverOutbox(db, client, { backoff: fast, waitMs: 3_000, force: true });
    expect(s.authError).toMatch(/HTTP 401: the central API refused the token/);
    expect(s.authError).not.toContain('wrong-token');
    expect(srv.stats.posts).toBe(1);
    expect(srv.stats.unauthorized).toBe(1);
    expect(s.pending).toBe(2);
    expect(listOutbox(db).map((e) => e.status)).toEqual(['pending', 'pending']);
    expect(srv.storedReportIds()).toEqual([]);
    // fixing the token delivers both
    const good = track(createApiClient({ url: srv.url, token: TOKEN }));
    const after = await deliverOutbox(db, good, { backoff: fast, force: true });
    expect(after.delivered).toHaveLength(2);
  });

  it('a 4xx other than 408/429 dead-letters the report with the reason and the queue moves on', async () => {
    let n = 0;
    const srv = track(
      await central({ beforeStore: () => (++n === 1 ? { status: 422, body: { error: 'unprocessable', message: 'village retired' } } : undefined) }),
    );
    const db = track(runnerDb());
    const client = track(createApiClient({ url: srv.url, token: TOKEN }));
    const ids = queue(db, 2);
    const s = await deliverOutbox(db, client, { backoff: fast });
    expect(s.dead).toEqual([{ reportId: ids[0], reason: 'HTTP 422 unprocessable: village retired' }]);
    expect(s.delivered).toEqual([ids[1]]);
    expect(listOutbox(db)).toMatchObject([{ reportId: ids[0], status: 'dead', lastError: 'HTTP 422 unprocessable: village retired' }]);
    // retry puts it back; the server now accepts it
    expect(retryOutbox(db, [at(ids, 0)])).toBe(1);
    const again = await deliverOutbox(db, client, { backoff: fast });
    expect(again.delivered).toEqual([ids[0]]);
    expect(srv.storedReportIds()).toEqual([ids[1], ids[0]]);
  });

  it('a report the server already has is marked delivered (duplicate) and stored once', async () => {
    const srv = track(await central());
    const client = track(createApiClient({ url: srv.url, token: TOKEN }));
    const r = sampleReport();
    const first = await client.postReport(r.reportId, JSON.stringify(r));
    expect(first).toEqual({ kind: 'delivered', status: 201, duplicate: false });
    const db = track(runnerDb());
    enqueueReport(db, r);
    const s = await deliverOutbox(db, client, {});
    expect(s.duplicates).toEqual([r.reportId]);
    expect(srv.storedReportIds()).toEqual([r.reportId]);
    expect(srv.stats).toMatchObject({ posts: 2, stored: 1, duplicates: 1 });
  });

  it('a 2xx that is not the API answer (captive portal) is not taken as delivered', async () => {
    let n = 0;
    const srv = track(await central({ beforeStore: () => (++n === 1 ? { status: 200, body: { welcome: 'please log in' } } : undefined) }));
    const db = track(runnerDb());
    const client = track(createApiClient({ url: srv.url, token: TOKEN }));
    const [id] = queue(db, 1);
    const s = await deliverOutbox(db, client, { backoff: fast, waitMs: 2_000 });
    expect(s.delivered).toEqual([id]);
    expect(srv.stats.posts).toBe(2);
  });

  it('large reports travel gzip-compressed and arrive intact', async () => {
    const srv = track(await central());
    const client = track(createApiClient({ url: srv.url, token: TOKEN }));
    const r = sampleReport({ n: 240, states: ['ok', 'warn', 'critical', 'unreachable'] });
    const body = JSON.stringify(r);
    expect(body.length).toBeGreaterThan(16 * 1024);
    expect(await client.postReport(r.reportId, body)).toMatchObject({ kind: 'delivered', duplicate: false });
    expect(srv.stats.gzipped).toBe(1);
    const fleet = await client.getFleet();
    expect(fleet.packages).toHaveLength(240);
    expect(fleet.counts).toEqual(r.fleet.counts);
  });

  it('keeps queued reports gzip-compressed in the outbox and sends them intact', async () => {
    const srv = track(await central());
    const db = track(runnerDb());
    const r = sampleReport({ n: 240, states: ['ok', 'critical'] });
    enqueueReport(db, r);
    const row = db.prepare('SELECT length(body_gzip) AS gz FROM report_outbox').get() as { gz: number };
    expect(row.gz).toBeLessThan(JSON.stringify(r).length / 5);
    expect(readOutboxBody(db, r.reportId)).toEqual(r);
    const client = track(createApiClient({ url: srv.url, token: TOKEN }));
    expect((await deliverOutbox(db, client, {})).delivered).toEqual([r.reportId]);
    expect((await client.getFleet()).counts).toEqual(r.fleet.counts);
  });

  it('one sender at a time: a second concurrent sender backs off and sends nothing', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const srv = track(await central({ afterStore: () => gate }));
    const dir = tempDir();
    const db1 = track(runnerDb(dir));
    const db2 = track(runnerDb(dir));
    const client = track(createApiClient({ url: srv.url, token: TOKEN }));
    queue(db1, 2);
    const first = deliverOutbox(db1, client, {});
    while (srv.stats.posts === 0) await new Promise((r) => setTimeout(r, 10));
    const second = await deliverOutbox(db2, client, {});
    expect(second.busy).toMatchObject({ pid: process.pid });
    expect(second.attempts).toBe(0);
    release();
    expect((await first).delivered).toHaveLength(2);
    expect(srv.stats.duplicates).toBe(0);
  });

  it('HTTPS with a private CA given as caFile; without it the report stays queued', async () => {
    const dir = tempDir('jfleet-tls-');
    selfSigned(dir, 'ca', '/CN=jfleet test CA');
    execFileSync(
      'openssl',
      [
        'req',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-subj',
        '/CN=127.0.0.1',
        '-keyout',
        join(dir, 'srv.key'),
        '-out',
        join(dir, 'srv.csr'),
      ],
      { stdio: 'ignore' },
    );
    execFileSync(
      'sh',
      [
        '-c',
        `printf 'subjectAltName=IP:127.0.0.1\\n' > ${dir}/ext && openssl x509 -req -in ${dir}/srv.csr -CA ${dir}/ca.pem -CAkey ${dir}/ca.key -CAcreateserial -days 2 -extfile ${dir}/ext -out ${dir}/srv.pem`,
      ],
      { stdio: 'ignore' },
    );
    const srv = track(
      await startCentral({
        dbFile: join(dir, 'c.db'),
        token: TOKEN,
        tls: { cert: readFileSync(join(dir, 'srv.pem'), 'utf8'), key: readFileSync(join(dir, 'srv.key'), 'utf8') },
      }),
    );
    expect(srv.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const db = track(runnerDb());
    const [id] = queue(db, 1);
    const untrusting = track(createApiClient({ url: srv.url, token: TOKEN }));
    const s1 = await deliverOutbox(db, untrusting, { backoff: fast, force: true });
    expect(s1.pending).toBe(1);
    expect(s1.lastError).toMatch(/CERT|certificate|SELF_SIGNED/i);
    const trusting = track(createApiClient({ url: srv.url, token: TOKEN, caFile: join(dir, 'ca.pem') }));
    const s2 = await deliverOutbox(db, trusting, { backoff: fast, force: true });
    expect(s2.delivered).toEqual([id]);
  });
});
