import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startLab, type Lab } from '../../src/lab/lab.js';
import { BIN } from '../helpers/cli.js';
import { installKioskScript, startPageServer, type PageServer } from '../health/kiosk-stand-in.js';
import { at } from '../helpers/at.js';

let lab: Lab;
let page: PageServer;
let home: string;

beforeAll(async () => {
  // a slow kiosk page makes each sweep take ~1.5 s, so the stop below lands mid-sweep
  page = await startPageServer({ delayMs: 1500 });
  lab = await startLab({ devices: 10 });
  for (const d of lab.devices) lab.run(d.id, installKioskScript(page.listen));
  writeFileSync(join(lab.inventoryDir, 'health.yaml'), 'thresholds: { load_warn: 1000, load_crit: 1000 }\nconnect_timeout_ms: 2000\ntimeout_ms: 4000\n');
  home = mkdtempSync(join(tmpdir(), 'jfleet-daemon-lab-'));
});

afterAll(async () => {
  await lab?.stop();
  await page?.close();
});

describe('jfleet schedule run', () => {
  it('runs several sweeps on a fast cron, reuses its connections, stops cleanly on SIGTERM', async () => {
    const child = execa('node', [BIN, 'schedule', 'run', '--sweep', '*/2 * * * * *', '--report', '*/3 * * * * *', '--stop-timeout', '5'], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...lab.env, JFLEET_HOME: home, HOME: home, CI: 'true', NO_COLOR: '1' },
      extendEnv: false,
      reject: false,
    });
    let out = '';
    child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
    const deadline = Date.now() + 60_000;
    while (!/sweep #2:/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    // a kept-open connection dies between sweeps: the next sweep reconnects, no blip
    lab.killSessions(at(lab.devices, 1).id);
    while (!/sweep #4:/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(out).toMatch(/sweep #4:/);
    // stop in the middle of a sweep: it finishes (within --stop-timeout), then everything closes
    while (!/sweep #5:/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 1000));
    const t0 = Date.now();
    child.kill('SIGTERM');
    const r = await child;
    const stopMs = Date.now() - t0;
    if (r.exitCode !== 143) console.log(out, r.stderr, r.signal, stopMs);
    expect(stopMs).toBeLessThan(5000 + 2000);
    expect(out).toMatch(/stopping: waiting up to 5 s for the running job/);
    expect(r.exitCode).toBe(143);
    expect(out).toMatch(/daemon stopped after \d+ sweep\(s\)/);
    const lines = out.split('\n').filter((l) => /sweep #\d+:/.test(l));
    expect(lines[0]).toMatch(/10 device\(s\) in [\d.]+ s, 0 warm: ok 10/);
    for (const l of lines.slice(1)) expect(l).toMatch(/10 device\(s\) in [\d.]+ s, (10|9) warm: ok 10/);
    // the report step runs on its own schedule; without a central API it fails, logged, and the daemon goes on
    expect(out).toMatch(/report/);
    // reuse, from the stored results: only the first sweep measured a handshake per device
    const db = new Database(join(home, 'state', 'jfleet.db'), { readonly: true });
    try {
      const rows = db.prepare('SELECT at, COUNT(ssh_ms) AS handshakes, COUNT(*) AS n FROM health_result GROUP BY at ORDER BY at').all() as {
        handshakes: number;
        n: number;
      }[];
      const sweeps = db.prepare('SELECT COUNT(*) AS n FROM health_result').get() as { n: number };
      expect(sweeps.n).toBeGreaterThanOrEqual(40);
      const handshakes = rows.reduce((s, r) => s + r.handshakes, 0);
      expect(handshakes).toBe(10 + 1); // the first sweep's, plus the one reconnect; every other probe reused its connection
    } finally {
      db.close();
    }
  });
});
