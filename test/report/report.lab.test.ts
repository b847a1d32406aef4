/**
 * End to end on the lab: real sweeps of real sshd devices feed real reports. The central server
 * is down across three sweeps; once it is back, the three reports arrive in order, none twice,
 * each state change in exactly one report, and the central fleet matches what health knows.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { homePaths, type Context } from '../../src/context.js';
import { readFleetStatus, readStateChanges } from '../../src/health/store.js';
import { runSweep } from '../../src/health/sweep.js';
import { startLab, type Lab } from '../../src/lab/lab.js';
import type { Report } from '../../src/report/contract.js';
import { listOutbox, readOutboxBody } from '../../src/report/outbox.js';
import { startCentral, type CentralServer } from '../../src/central/server.js';
import { flushOutbox, reportNow } from '../../src/report/service.js';
import { openDb } from '../../src/store/db.js';
import { openStateDb, STATE_MIGRATIONS } from '../../src/state-db.js';
import { tempDir, TOKEN } from './helpers.js';
import { at } from '../helpers/at.js';
import { testContext } from '../helpers/context.js';

const N = 6;
let lab: Lab;
let srv: CentralServer | undefined;

function makeCtx(home: string, env: Record<string, string>): Context {
  return testContext(home, env);
}

beforeAll(async () => {
  lab = await startLab({ devices: N });
});

afterAll(async () => {
  await srv?.close();
  await lab?.stop();
});

describe('reports from real sweeps', () => {
  it('central down across three sweeps: all three arrive once it is back, in order, none twice', async () => {
    const dir = tempDir('jfleet-central-lab-');
    const dbFile = join(dir, 'central.db');
    const first = await startCentral({ dbFile, token: TOKEN });
    const port = first.port;
    await first.close();

    const home = tempDir('jfleet-report-lab-');
    const ctx = makeCtx(home, { ...lab.env, JFLEET_API_URL: `http://127.0.0.1:${port}`, JFLEET_API_TOKEN: TOKEN, JFLEET_API_TIMEOUT_MS: '3000' });
    const ids: string[] = [];
    const stateDb = openStateDb(home);
    onTestFinished(() => {
      stateDb.close();
    });
    for (let sweep = 0; sweep < 3; sweep++) {
      if (sweep === 1) await lab.powerOff(at(lab.devices, 0).id);
      const s = await runSweep(ctx, { inventory: lab.inventoryDir, forks: N, db: stateDb });
      expect(s.total).toBe(N);
      const r = await reportNow(ctx, stateDb, {});
      ids.push(r.report.reportId);
      expect(r.report.fleet.packages).toHaveLength(N);
      expect(r.send?.delivered).toEqual([]);
      expect(r.send?.pending).toBe(sweep + 1);
      expect(r.send?.lastError).toMatch(/ECONNREFUSED/);
    }

    srv = await startCentral({ port, dbFile, token: TOKEN });
    const { send } = await flushOutbox(ctx, stateDb, { waitMs: 60_000, force: true });
    expect(send.delivered).toEqual(ids);
    expect(send.pending).toBe(0);
    expect(srv.storedReportIds()).toEqual(ids);
    expect(srv.stats.duplicates).toBe(0);
    expect(srv.stats.stored).toBe(3);

    // every state change health recorded is in exactly one report, in order
    const db = openDb(homePaths(home).db, STATE_MIGRATIONS);
    try {
      const reports = ids.map((id) => readOutboxBody(db, id) as Report);
      const seqs = reports.flatMap((r) => r.changes.map((c) => c.seq));
      expect(seqs).toEqual(readStateChanges(db, 0).map((c) => c.seq));
      expect(new Set(seqs).size).toBe(seqs.length);
      expect(listOutbox(db, { all: true }).map((e) => e.status)).toEqual(['delivered', 'delivered', 'delivered']);

      // the central fleet is what health knows now
      const fleet = (await (await fetch(`${srv.url}/v1/fleet`)).json()) as { packages: Array<{ id: string; state: string }> };
      const health = readFleetStatus(db);
      expect(fleet.packages.map((p) => [p.id, p.state]).sort()).toEqual(health.map((d) => [d.id, d.state]).sort());
      expect(fleet.packages.find((p) => p.id === at(lab.devices, 0).id)?.state).toBe('unreachable');
    } finally {
      db.close();
    }
  });
});
