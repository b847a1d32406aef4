// A kept session's sweeps with stand-in transports (no SSH): which probes wait for a fork slot.
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keptSession, runSweep, type SweepPool } from '../../src/health/sweep.js';
import { loadInventory } from '../../src/inventory/load.js';
import { loadVillages } from '../../src/inventory/villages.js';
import { openDb } from '../../src/store/db.js';
import { STATE_MIGRATIONS } from '../../src/state-db.js';
import type { Context } from '../../src/context.js';
import type { ExecResult, RemoteShell, Transport } from '../../src/transport/types.js';
import { testContext } from '../helpers/context.js';

const FACTS =
  '{"up":9000,"cpus":2,"l1":0.1,"l5":0.1,"l15":0.1,"mt":4000000,"ma":3000000,"ds":1000000,"da":900000,"is":100000,"ia":90000,"kb":1,"kp":200,"kpt":0.01,"rel":"1.0.0"}';

/** Counts how many probes are in flight at once, over exec and over kept shells. */
function standIns() {
  let now = 0;
  const peak = { exec: 0, shell: 0 };
  const slow = async <T>(kind: 'exec' | 'shell', v: T): Promise<T> => {
    now++;
    peak[kind] = Math.max(peak[kind], now);
    await new Promise((r) => setTimeout(r, 30));
    now--;
    return v;
  };
  const result: ExecResult = { stdout: FACTS, stderr: '', exitCode: 0, signal: null };
  const transports = new Map<string, Transport>();
  const pool: SweepPool = {
    async get(pkg) {
      let t = transports.get(pkg.id);
      if (!t) {
        const shell: RemoteShell = { alive: true, run: () => slow('shell', result), close() {} };
        t = {
          name: pkg.id,
          connect: async () => undefined,
          exec: () => slow('exec', result),
          put: async () => undefined,
          get: async () => Buffer.alloc(0),
          openShell: async () => shell,
          close: async () => undefined,
        };
        transports.set(pkg.id, t);
      }
      return t;
    },
    closeAll: async () => undefined,
  };
  return { pool, peak, reset: () => Object.assign(peak, { exec: 0, shell: 0 }) };
}

describe('sweeps in a kept session', () => {
  it('--forks bounds new devices; devices with a kept shell are probed all at once', async () => {
    const home = mkdtempSync(join(tmpdir(), 'jfleet-session-'));
    const ctx: Context = testContext(home, {}, { cwd: home, env: {} });
    const inv = loadInventory(join(import.meta.dirname, '../fixtures/inventory/selectors'));
    expect(inv.issues).toEqual([]);
    const selection = { dir: home, packages: inv.packages, ref: loadVillages() };
    const s = standIns();
    const session = keptSession(s.pool);
    const db = openDb(join(home, 'jfleet.db'), STATE_MIGRATIONS);
    try {
      const first = await runSweep(ctx, { selection, session, forks: 2, db, lock: false });
      expect(first.total).toBe(inv.packages.length);
      expect(first.devices.every((d) => d.probe.reachable && d.status.checks.length > 0)).toBe(true);
      expect(s.peak.shell).toBe(2); // first contact: two at a time, as --forks says
      s.reset();
      const second = await runSweep(ctx, { selection, session, forks: 2, db, lock: false });
      expect(second.total).toBe(inv.packages.length);
      expect(s.peak).toEqual({ exec: 0, shell: inv.packages.length }); // every kept shell at once
    } finally {
      db.close();
    }
  });
});
