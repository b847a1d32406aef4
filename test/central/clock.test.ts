/**
 * A runner's clock cannot freeze a package on the central server: a report dated beyond the
 * allowed skew is refused, and snapshots are ordered by min(createdAt, time received).
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { centralMigrations } from '../../src/central/migrations.js';
import { checkClock, MAX_CLOCK_SKEW_MS, orderKey } from '../../src/central/server.js';
import { FleetStateSchema } from '../../src/report/contract.js';
import { openDb } from '../../src/store/db.js';
import { central, sampleReport, tempDir, TOKEN } from '../report/helpers.js';
import { at } from '../helpers/at.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0)) await f();
});

/** A central server whose clock the test moves. */
async function clocked(start: string, dir?: string) {
  let t = Date.parse(start);
  const srv = await central(undefined, dir, 0, { now: () => new Date(t) });
  cleanup.push(() => srv.close());
  const post = (body: unknown) =>
    fetch(`${srv.url}/v1/reports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const fleet = async () => FleetStateSchema.parse(await (await fetch(`${srv.url}/v1/fleet`)).json());
  return { srv, post, fleet, advance: (ms: number) => (t += ms) };
}

describe('report clocks', () => {
  it('a report created in 2099 is refused with 422 created_in_future and does not freeze the package', async () => {
    const c = await clocked('2026-12-01T10:00:00Z');
    const future = sampleReport({ n: 2, states: ['ok'], at: new Date('2099-01-01T00:00:00Z') });
    const res = await c.post(future);
    expect(res.status).toBe(422);
    const body = (await res.json()) as { error: string; message: string };
    expect(body.error).toBe('created_in_future');
    expect(body.message).toContain('ahead of the server');
    expect(c.srv.storedReportIds()).not.toContain(future.reportId);

    c.advance(60_000);
    const outage = sampleReport({ n: 2, states: ['unreachable'], at: new Date('2026-12-01T10:01:00Z') });
    expect((await c.post(outage)).status).toBe(201);
    const f = await c.fleet();
    expect(f.packages.map((p) => p.state)).toEqual(['unreachable', 'unreachable']);
  });

  it('within the skew, a fast clock never outranks a report the server receives later', async () => {
    const c = await clocked('2026-12-01T10:00:00Z');
    // 4 minutes ahead: accepted, but ordered as received (10:00:00)
    const fast = sampleReport({ n: 1, states: ['ok'], at: new Date('2026-12-01T10:04:00Z') });
    expect((await c.post(fast)).status).toBe(201);
    c.advance(30_000);
    // an honest runner, 30 s later by the server's clock (its createdAt is earlier than fast's)
    const honest = sampleReport({ n: 1, states: ['critical'], at: new Date('2026-12-01T10:00:30Z') });
    expect((await c.post(honest)).status).toBe(201);
    const f = await c.fleet();
    expect(f.packages[0]).toMatchObject({ state: 'critical', reportId: honest.reportId });
    expect(f.lastReportAt).toBe('2026-12-01T10:00:30.000Z');
  });

  it('just inside the skew is accepted, just beyond is refused (a pure check)', () => {
    const now = new Date('2026-12-01T10:00:00Z');
    expect(() => checkClock({ createdAt: new Date(now.getTime() + MAX_CLOCK_SKEW_MS).toISOString() }, now)).not.toThrow();
    expect(() => checkClock({ createdAt: new Date(now.getTime() + MAX_CLOCK_SKEW_MS + 1000).toISOString() }, now)).toThrow(/ahead of the server/);
    expect(orderKey('2026-12-01T10:04:00Z', now)).toBe(now.getTime());
    expect(orderKey('2026-12-01T09:00:00+07:00', now)).toBe(Date.parse('2026-12-01T02:00:00Z'));
  });

  it('a package frozen by a 2099 report before this fix thaws: the migration orders it by its receipt time', async () => {
    const dir = tempDir('jfleet-central-');
    const old = openDb(join(dir, 'central.db'), centralMigrations.slice(0, 1));
    const frozen = sampleReport({ n: 1, states: ['ok'], at: new Date('2099-01-01T00:00:00Z') });
    old
      .prepare(
        `INSERT INTO central_reports (report_id, runner_id, runner_name, created_at, received_at, packages, changes, body) VALUES (?, ?, ?, ?, ?, 1, 0, '{}')`,
      )
      .run(frozen.reportId, frozen.runner.id, frozen.runner.name, frozen.createdAt, '2026-11-30T00:00:00.000Z');
    old
      .prepare(`INSERT INTO central_packages (id, snapshot, state, release, report_id, reported_at, runner_name) VALUES (?, ?, 'ok', '1.4.2', ?, ?, 'x')`)
      .run('kiosk-001', JSON.stringify(frozen.fleet.packages[0]), frozen.reportId, frozen.createdAt);
    old.close();
    const c = await clocked('2026-12-01T10:00:00Z', dir);
    expect(at((await c.fleet()).packages, 0).state).toBe('ok');
    const outage = sampleReport({ n: 1, states: ['unreachable'], at: new Date('2026-12-01T10:00:00Z') });
    expect((await c.post(outage)).status).toBe(201);
    expect((await c.fleet()).packages[0]).toMatchObject({ state: 'unreachable', reportId: outage.reportId });
  });
});
