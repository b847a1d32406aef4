/** The reference central server's HTTP surface, over real loopback HTTP. */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceHistorySchema, FleetStateSchema, ReportAcceptedSchema } from '../../src/report/contract.js';
import { central, sampleReport, TOKEN } from '../report/helpers.js';
import { at } from '../helpers/at.js';

let srv: Awaited<ReturnType<typeof central>>;
beforeAll(async () => {
  // the server's clock is after every fixed date below (reports from its future are refused)
  srv = await central(undefined, undefined, 0, { now: () => new Date('2026-12-03T00:00:00Z') });
});
afterAll(async () => {
  await srv.close();
});

const post = (body: string | Buffer, headers: Record<string, string> = {}) =>
  fetch(`${srv.url}/v1/reports`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
    body,
  });

describe('central server', () => {
  it('stores a report (201), answers a resend as a duplicate (200), and keeps the first receipt time', async () => {
    const r = sampleReport({ n: 4 });
    const a = await post(JSON.stringify(r));
    expect(a.status).toBe(201);
    const first = ReportAcceptedSchema.parse(await a.json());
    expect(first).toMatchObject({ reportId: r.reportId, duplicate: false });
    const b = await post(JSON.stringify(r));
    expect(b.status).toBe(200);
    expect(ReportAcceptedSchema.parse(await b.json())).toEqual({ ...first, duplicate: true });
  });

  it('accepts gzip bodies', async () => {
    const r = sampleReport({ n: 2 });
    const res = await post(gzipSync(JSON.stringify(r)), { 'content-encoding': 'gzip' });
    expect(res.status).toBe(201);
  });

  it('refuses what is not a valid, authorised JSON report, saying why', async () => {
    const r = sampleReport();
    const noAuth = await fetch(`${srv.url}/v1/reports`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(r) });
    expect(noAuth.status).toBe(401);
    expect(await noAuth.json()).toMatchObject({ error: 'unauthorized' });
    const wrong = await post(JSON.stringify(r), { authorization: `Bearer ${TOKEN}x` });
    expect(wrong.status).toBe(401);
    const invalid = await post(JSON.stringify({ ...r, reportId: 'x', fleet: { ...r.fleet, packages: [{ ...r.fleet.packages[0], state: 'down' }] } }));
    expect(invalid.status).toBe(400);
    const body = (await invalid.json()) as { error: string; issues: Array<{ path: string }> };
    expect(body.error).toBe('invalid_report');
    expect(body.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['reportId', 'fleet.packages.0.state']));
    expect((await post('{nope')).status).toBe(400);
    expect((await post(JSON.stringify(r), { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post(JSON.stringify(r), { 'content-encoding': 'br' })).status).toBe(415);
    expect((await fetch(`${srv.url}/v1/reports`)).status).toBe(405);
    expect((await fetch(`${srv.url}/v2/reports`)).status).toBe(404);
    expect(srv.storedReportIds()).not.toContain(r.reportId);
  });

  it('answers the fleet (newest snapshot wins, an older report never rolls back) and a package history', async () => {
    const t = Date.parse('2026-12-01T10:00:00Z');
    const older = sampleReport({ n: 3, states: ['ok'], at: new Date(t) });
    const newer = sampleReport({ n: 3, states: ['critical'], at: new Date(t + 300_000) });
    expect((await post(JSON.stringify(newer))).status).toBe(201);
    expect((await post(JSON.stringify(older))).status).toBe(201); // arrives late
    const fleet = FleetStateSchema.parse(await (await fetch(`${srv.url}/v1/fleet`)).json());
    const k1 = fleet.packages.find((p) => p.id === 'kiosk-001')!;
    expect(k1.state).toBe('critical');
    expect(k1.reportId).toBe(newer.reportId);
    expect(fleet.counts.critical).toBe(3);
    const h = DeviceHistorySchema.parse(await (await fetch(`${srv.url}/v1/devices/kiosk-001/history`)).json());
    expect(h.current.state).toBe('critical');
    expect(h.entries.at(-1)).toMatchObject({ reportId: newer.reportId, state: 'critical' });
    expect(h.changes.length).toBeGreaterThan(0);
    const missing = await fetch(`${srv.url}/v1/devices/kiosk-999/history`);
    expect(missing.status).toBe(404);
  });

  it('serves the dashboard as one self-contained page with a strict CSP, escaping device text', async () => {
    const r = sampleReport({ n: 1, states: ['critical'], at: new Date('2026-12-02T00:00:00Z') });
    at(at(r.fleet.packages, 0).checks, 0).output = '<script>alert(1)</script> disk full';
    expect((await post(JSON.stringify(r))).status).toBe(201);
    const res = await fetch(`${srv.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; disk full');
    expect(html).not.toMatch(/(src|href)="https?:/);
  });
});
