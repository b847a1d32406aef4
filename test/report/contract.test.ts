import { describe, expect, it } from 'vitest';
import { classify, parseRetryAfter } from '../../src/report/client.js';
import { ReportSchema } from '../../src/report/contract.js';
import { uuidv7 } from '../../src/report/ids.js';
import { backoffDelayMs, DEFAULT_BACKOFF } from '../../src/report/outbox.js';
import { sampleReport } from './helpers.js';
import { at } from '../helpers/at.js';

describe('report contract', () => {
  it('builds a report from health data that the schema accepts, with village and district names', () => {
    const r = sampleReport({ n: 5, states: ['ok', 'warn', 'critical', 'unknown', 'unreachable'] });
    expect(ReportSchema.parse(r)).toEqual(r);
    expect(r.fleet.counts).toEqual({ ok: 1, warn: 1, critical: 1, unknown: 1, unreachable: 1 });
    const p = at(r.fleet.packages, 0);
    expect(p.village.code).toMatch(/^35\.09\.\d\d\.\d{4}$/);
    expect(p.district.code).toBe(p.village.code.slice(0, 8));
    expect(p.district.name.length).toBeGreaterThan(2);
    expect(at(p.checks, 0).perfdata).toHaveProperty('disk_free_pct');
  });

  it('rejects reports that break the contract', () => {
    const good = sampleReport();
    const bad: Array<[string, unknown]> = [
      ['wrong contract', { ...good, contract: 'jfleet-central/v2' }],
      ['report id not a uuid', { ...good, reportId: 'abc' }],
      ['time without zone', { ...good, createdAt: '2026-11-28 10:00' }],
      ['unknown state', { ...good, fleet: { ...good.fleet, packages: [{ ...good.fleet.packages[0], state: 'down' }] } }],
      [
        'village outside Jember',
        { ...good, fleet: { ...good.fleet, packages: [{ ...good.fleet.packages[0], village: { code: '35.10.01.2001', name: 'x' } }] } },
      ],
      [
        'perfdata not a number',
        {
          ...good,
          fleet: { ...good.fleet, packages: [{ ...good.fleet.packages[0], checks: [{ name: 'd', state: 'ok', output: '', perfdata: { x: '1' } }] }] },
        },
      ],
    ];
    for (const [why, value] of bad) expect(ReportSchema.safeParse(value).success, why).toBe(false);
  });

  it('makes UUID v7 report ids that sort by time and never repeat', () => {
    const a = uuidv7(1_700_000_000_000);
    const b = uuidv7(1_700_000_000_001);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a < b).toBe(true);
    const many = new Set(Array.from({ length: 1000 }, () => uuidv7(1_700_000_000_000)));
    expect(many.size).toBe(1000);
  });
});

describe('answer classification', () => {
  const id = uuidv7();
  const now = new Date('2026-11-28T10:00:00Z');
  const accepted = (dup: boolean, rid = id) => JSON.stringify({ reportId: rid, duplicate: dup, receivedAt: now.toISOString() });
  const cases: Array<[string, number, string, string | null, string]> = [
    ['201 stored', 201, accepted(false), null, 'delivered'],
    ['200 duplicate', 200, accepted(true), null, 'delivered'],
    ['409 duplicate_report', 409, JSON.stringify({ error: 'duplicate_report', message: 'have it' }), null, 'delivered'],
    ['409 other conflict', 409, JSON.stringify({ error: 'conflict', message: 'no' }), null, 'dead'],
    ['200 from a captive portal', 200, '<html>login</html>', null, 'retry'],
    ['200 acknowledging another report', 200, accepted(false, uuidv7()), null, 'retry'],
    ['400 invalid', 400, JSON.stringify({ error: 'invalid_report', message: 'bad' }), null, 'dead'],
    ['404', 404, 'not found', null, 'dead'],
    ['413', 413, '', null, 'dead'],
    ['401', 401, JSON.stringify({ error: 'unauthorized', message: 'no' }), null, 'auth'],
    ['403', 403, '', null, 'auth'],
    ['408', 408, '', null, 'retry'],
    ['429', 429, '', '7', 'retry'],
    ['500', 500, '', null, 'retry'],
    ['503', 503, '', null, 'retry'],
  ];
  it.each(cases)('%s → %s', (_why, status, text, retryAfter, kind) => {
    expect(classify(status, text, retryAfter, id, now).kind).toBe(kind);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter(new Date(now.getTime() + 30_000).toUTCString(), now)).toBe(30_000);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
    const o = classify(429, '', '3', id, now);
    expect(o.kind === 'retry' && o.retryAfterMs).toBe(3000);
  });
});

describe('backoff', () => {
  it('doubles per attempt with jitter, is capped, and lets Retry-After decide', () => {
    const b = DEFAULT_BACKOFF;
    for (let attempt = 1; attempt <= 12; attempt++) {
      const exp = Math.min(b.capMs, b.baseMs * 2 ** (attempt - 1));
      expect(backoffDelayMs(attempt, null, b, () => 0)).toBe(exp / 2);
      expect(backoffDelayMs(attempt, null, b, () => 1)).toBe(exp);
    }
    expect(backoffDelayMs(30, null, b, () => 1)).toBe(b.capMs);
    expect(backoffDelayMs(1, 45_000, b, () => 0.5)).toBe(45_000);
    expect(backoffDelayMs(1, 10 * 3600_000, b, () => 0.5)).toBe(b.maxRetryAfterMs);
  });
});
