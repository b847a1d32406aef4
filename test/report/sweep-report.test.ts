/**
 * jfleet sweep --report through the built binary: one run sweeps, stores, then queues a report
 * and sends the outbox to the real central server on loopback, as `jfleet report` would.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { jfleet, tempHome } from '../helpers/cli.js';
import { central, TOKEN } from './helpers.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

/** A home whose inventory holds one package on a loopback port nothing listens on: the sweep finds it unreachable at once. */
async function homeWithDeadDevice(): Promise<{ home: string; env: Record<string, string> }> {
  const port = await new Promise<number>((resolve) => {
    const s: Server = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const home = tempHome('jfleet-sweep-report-');
  const inv = join(home, 'inventory');
  mkdirSync(inv, { recursive: true });
  writeFileSync(
    join(inv, 'packages.yaml'),
    `packages:
  - { id: rambipuji-1, village: 35.09.13.2006, address: 127.0.0.1, port: ${port}, registeredAt: 2026-01-01T00:00:00Z }
`,
  );
  return { home, env: { JFLEET_INVENTORY: inv } };
}

describe('jfleet sweep --report (CLI)', () => {
  it("sweeps, then delivers a report of that sweep; the exit code is the sweep's", async () => {
    const srv = await central();
    cleanup.push(() => srv.close());
    const { home, env } = await homeWithDeadDevice();
    const r = await jfleet(['sweep', '--report'], { home, env: { ...env, JFLEET_API_URL: srv.url, JFLEET_API_TOKEN: TOKEN } });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0); // a first unreachable is soft: a plain sweep exits 0 too
    expect(r.stdout).toMatch(/unreachable 1/);
    expect(r.stdout).toMatch(/^queued report [0-9a-f-]{36} \(1 package\(s\), 1 state change\(s\)\)$/m);
    expect(r.stdout).toMatch(/^delivered 1 report\(s\) to /m);
    expect(srv.stats.stored).toBe(1);
    const fleet = (await (await fetch(`${srv.url}/v1/fleet`)).json()) as { packages: { id: string; state: string }[] };
    expect(fleet.packages.map((p) => [p.id, p.state])).toEqual([['rambipuji-1', 'unreachable']]);
    const list = await jfleet(['outbox', 'list', '--json'], { home });
    expect(JSON.parse(list.stdout)).toEqual([]);
  });

  it('with the report delivered, a failing sweep keeps its own exit code (7: hard unreachable)', async () => {
    const srv = await central();
    cleanup.push(() => srv.close());
    const { home, env } = await homeWithDeadDevice();
    for (let i = 0; i < 2; i++) await jfleet(['sweep'], { home, env });
    const r = await jfleet(['sweep', '--report'], { home, env: { ...env, JFLEET_API_URL: srv.url, JFLEET_API_TOKEN: TOKEN } });
    expect(r.exitCode).toBe(7);
    expect(r.stdout).toMatch(/^delivered 1 report\(s\) to /m);
    expect(srv.stats.stored).toBe(1);
  });

  it('--json: one document, the sweep with the report under "report"', async () => {
    const srv = await central();
    cleanup.push(() => srv.close());
    const { home, env } = await homeWithDeadDevice();
    const r = await jfleet(['sweep', '--report', '--json'], { home, env: { ...env, JFLEET_API_URL: srv.url, JFLEET_API_TOKEN: TOKEN } });
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.total).toBe(1);
    expect(doc.devices[0]).toMatchObject({ id: 'rambipuji-1', state: 'unreachable' });
    expect(doc.report).toMatchObject({ packages: 1, changes: 1, pending: 0, url: srv.url });
    expect(doc.report.delivered).toEqual([doc.report.reportId]);
  });

  it("a report that fails decides the exit code; the sweep's results are stored all the same", async () => {
    const { home, env } = await homeWithDeadDevice();
    const r = await jfleet(['sweep', '--report'], { home, env });
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toMatch(/unreachable 1/);
    expect(r.stderr).toContain('no central API configured');
    const status = await jfleet(['status', '--json'], { home, env });
    expect(JSON.parse(status.stdout).map((d: { id: string; state: string }) => [d.id, d.state])).toEqual([['rambipuji-1', 'unreachable']]);
    expect(JSON.parse((await jfleet(['outbox', 'list', '--json'], { home })).stdout)).toEqual([]);
  });

  it('central down: the report stays queued and the run exits 1, as jfleet report does', async () => {
    const srv = await central();
    const url = srv.url;
    await srv.close();
    const { home, env } = await homeWithDeadDevice();
    const r = await jfleet(['sweep', '--report'], { home, env: { ...env, JFLEET_API_URL: url, JFLEET_API_TOKEN: TOKEN, JFLEET_API_TIMEOUT_MS: '2000' } });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/1 report\(s\) still queued/);
    const list = JSON.parse((await jfleet(['outbox', 'list', '--json'], { home })).stdout);
    expect(list).toHaveLength(1);
    expect(list[0].status).toBe('pending');
  });
});
