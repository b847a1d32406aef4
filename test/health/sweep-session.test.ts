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

describe('rebooted unexpectedly, from the previous sweep', () => {
  /** One device whose uptime the test sets; the clock is the test's (2026-03-10, Jakarta = UTC+7). */
  async function sweeps(steps: Array<{ at: string; up: number }>) {
    const home = mkdtempSync(join(tmpdir(), 'jfleet-reboot-'));
    let now = new Date(steps[0]!.at);
    let up = steps[0]!.up;
    const ctx: Context = testContext(home, {}, { cwd: home, env: {}, clock: { now: () => now } });
    const inv = loadInventory(join(import.meta.dirname, '../fixtures/inventory/selectors'));
    const selection = { dir: home, packages: inv.packages.slice(0, 1), ref: loadVillages() };
    const pool: SweepPool = {
      async get(pkg) {
        const exec = async (): Promise<ExecResult> => ({ stdout: FACTS.replace('"up":9000', `"up":${up}`), stderr: '', exitCode: 0, signal: null });
        return {
          name: pkg.id,
          connect: async () => undefined,
          exec,
          put: async () => undefined,
          get: async () => Buffer.alloc(0),
          close: async () => undefined,
        };
      },
      closeAll: async () => undefined,
    };
    const db = openDb(join(home, 'jfleet.db'), STATE_MIGRATIONS);
    const out: string[] = [];
    try {
      for (const s of steps) {
        now = new Date(s.at);
        up = s.up;
        const r = await runSweep(ctx, { selection, session: keptSession(pool), forks: 1, db, lock: false });
        const c = r.devices[0]!.status.checks.find((x) => x.name === 'uptime')!;
        out.push(`${c.state}: ${c.output}`);
      }
    } finally {
      db.close();
    }
    return out;
  }

  it('a low uptime on the first sweep ever is no finding', async () => {
    expect(await sweeps([{ at: '2026-03-10T07:05:00Z', up: 60 }])).toEqual(['ok: up 1m']);
  });
  it('a reboot since the last sweep outside the nightly window warns, and keeps warning for an hour', async () => {
    expect(
      await sweeps([
        { at: '2026-03-10T07:00:00Z', up: 86400 }, // 14:00 Jakarta, up a day
        { at: '2026-03-10T07:10:00Z', up: 120 }, // rebooted at 14:08 Jakarta
        { at: '2026-03-10T07:40:00Z', up: 1920 }, // same boot, 32 min up: still the unexpected boot
        { at: '2026-03-10T09:10:00Z', up: 7320 }, // up two hours: over
      ]),
    ).toEqual([
      'ok: up 1d 0h',
      'warn: up 2m (rebooted unexpectedly at 14:08, outside the nightly window 03:30+30min)',
      'warn: up 32m (rebooted unexpectedly at 14:08, outside the nightly window 03:30+30min)',
      'ok: up 2h 2m',
    ]);
  });
  it('the nightly reboot is not unexpected', async () => {
    expect(
      await sweeps([
        { at: '2026-03-09T20:00:00Z', up: 86400 }, // 03:00 Jakarta
        { at: '2026-03-09T20:50:00Z', up: 900 }, // rebooted at 03:35 Jakarta
      ]),
    ).toEqual(['ok: up 1d 0h', 'ok: up 15m']);
  });
});
