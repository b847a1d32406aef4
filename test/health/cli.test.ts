import { describe, expect, it, beforeAll } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jfleet, tempHome } from '../helpers/cli.js';
import { openDb } from '../../src/store/db.js';
import { STATE_MIGRATIONS } from '../../src/state-db.js';
import { nextState, type DeviceMemory } from '../../src/health/machine.js';
import { healthWriter } from '../../src/health/store.js';
import type { CheckResult } from '../../src/health/types.js';
import type { HealthState } from '../../src/health/types.js';
import { at as elementAt } from '../helpers/at.js';

// A home whose database holds three devices' history, written the way a sweep writes it.
const home = tempHome('jfleet-health-cli-');
const inv = join(home, 'inventory');
const env = { JFLEET_INVENTORY: inv };
// Outputs go outside JFLEET_HOME (jfleet refuses to write into its own state).
const out = mkdtempSync(join(tmpdir(), 'jfleet-health-out-'));

beforeAll(() => {
  mkdirSync(inv, { recursive: true });
  writeFileSync(
    join(inv, 'packages.yaml'),
    `packages:
  - { id: rambipuji-1, village: 35.09.13.2006, address: 127.0.0.11, registeredAt: 2026-01-01T00:00:00Z }
  - { id: kencong-1, village: 35.09.02.2001, address: 127.0.0.12, registeredAt: 2026-01-01T00:00:00Z }
  - { id: kencong-2, village: 35.09.02.2002, address: 127.0.0.13, registeredAt: 2026-01-01T00:00:00Z }
`,
  );
  const db = openDb(join(home, 'state', 'jfleet.db'), STATE_MIGRATIONS);
  const seq: Record<string, [string, string, HealthState[]]> = {
    'rambipuji-1': ['35.09.13.2006', 'Rambipuji', ['ok', 'ok', 'ok', 'ok']],
    'kencong-1': ['35.09.02.2001', 'Kencong', ['ok', 'critical', 'critical', 'critical']],
    'kencong-2': ['35.09.02.2002', 'Kencong', ['ok', 'ok', 'ok', 'unreachable']],
  };
  const now = Date.now();
  const store = healthWriter(db);
  for (const [id, [village, district, states]] of Object.entries(seq)) {
    let mem: DeviceMemory | null = null;
    states.forEach((s, i) => {
      const at = new Date(now - (states.length - i) * 600_000).toISOString();
      const t = nextState(mem, s, at, { maxAttempts: 3, flapHighPct: 30, flapLowPct: 20 });
      mem = t.memory;
      store.addResult({ device: id, village, at, state: s, hard: t.memory.hard, silenced: false, tcpMs: null, sshMs: null, execMs: null, perf: {} });
      if (t.change) store.addChange(id, t.change, at);
    });
    const m = mem!;
    const at = new Date(now).toISOString();
    const status = {
      id,
      village,
      district,
      state: m.state,
      hard: m.hard,
      flapping: false,
      silenced: false,
      since: m.since,
      lastSeen: at,
      release: '1.2.0',
      checks: s2checks(m.state),
    };
    store.putDevice(status, m, at);
  }
  db.close();
});

function s2checks(s: HealthState): CheckResult[] {
  if (s === 'critical') return [{ name: 'disk', state: 'critical', output: 'disk / 0% free (0 MiB)', perfdata: { disk_free_pct: 0 } }];
  if (s === 'unreachable') return [{ name: 'ssh', state: 'critical', output: 'timeout: handshake timed out', perfdata: {} }];
  return [{ name: 'disk', state: 'ok', output: 'disk / 50% free', perfdata: { disk_free_pct: 50 } }];
}

describe('jfleet status / history / silence (built binary)', () => {
  it('status groups by district with counts, problems and since when', async () => {
    const r = await jfleet(['status'], { home, env });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^3 device\(s\): ok 1 · warn 0 · critical 1 · unknown 0 · unreachable 1/);
    expect(r.stdout).toMatch(/^Kencong\s+·\s+·\s+1\s+·\s+1$/m);
    expect(r.stdout).toMatch(/^Rambipuji\s+1\s+·\s+·\s+·\s+·$/m);
    expect(r.stdout).toMatch(/kencong-1\s+critical\s+HARD\s+since 30m\s+disk \/ 0% free/);
    expect(r.stdout).toMatch(/kencong-2\s+unreachable\s+soft\s+since 10m/);
    expect(r.stdout).not.toMatch(/rambipuji-1/);
  });
  it('status --json is DeviceStatus[]; --limit narrows it', async () => {
    const r = await jfleet(['status', '--json', '--limit', 'Kencong'], { home, env });
    const list = JSON.parse(r.stdout) as Array<{ id: string; state: string; hard: boolean; release: string }>;
    expect(list.map((d) => [d.id, d.state, d.hard])).toEqual([
      ['kencong-1', 'critical', true],
      ['kencong-2', 'unreachable', false],
    ]);
    expect(elementAt(list, 0).release).toBe('1.2.0');
  });
  it('history of a device: checks, changes, availability', async () => {
    const r = await jfleet(['history', 'kencong-1'], { home, env });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^kencong-1: critical \(HARD\)/);
    expect(r.stdout).toMatch(/availability: 25\.0% of 4 sweep\(s\)/);
    expect(r.stdout).toMatch(/critical → critical HARD[\s\S]*ok → critical soft[\s\S]*\(new\) → ok HARD/);
    const none = await jfleet(['history', 'nobody'], { home, env });
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toMatch(/no health history for "nobody"/);
  });
  it('availability per village', async () => {
    const r = await jfleet(['history', '--days', '30', '--json'], { home, env });
    const v = JSON.parse(r.stdout) as { villages: Array<{ village: string; available: number; samples: number }> };
    expect(Object.fromEntries(v.villages.map((x) => [x.village, x.available]))).toEqual({ '35.09.13.2006': 1, '35.09.02.2001': 0.25, '35.09.02.2002': 0.75 });
    const t = await jfleet(['history'], { home, env });
    expect(t.stdout).toMatch(/35\.09\.02\.2001\s+\S.*\s+25\.0%\s+4/);
  });
  it('silence: add, list, clear; refused without a reason or for an unknown id', async () => {
    expect((await jfleet(['silence', 'kencong-1', '--for', '2d'], { home, env })).stderr).toMatch(/say why: --reason/);
    expect((await jfleet(['silence', 'kencong-1', '--for', 'soon', '--reason', 'x'], { home, env })).stderr).toMatch(/--for takes a duration/);
    expect((await jfleet(['silence', 'ghost', '--for', '2d', '--reason', 'x'], { home, env })).stderr).toMatch(/no package "ghost"/);
    const add = await jfleet(['silence', 'kencong-1', '--for', '2d', '--reason', 'screen replaced'], { home, env });
    expect(add.exitCode).toBe(0);
    // human output shows times in the fleet's zone (WIB by default), no longer ISO UTC
    expect(add.stdout).toMatch(/^silenced kencong-1 until \d+ \w+ \d{4}, \d\d:\d\d WIB: screen replaced/);
    const st = JSON.parse((await jfleet(['status', '--json'], { home, env })).stdout) as Array<{ id: string; silenced: boolean }>;
    expect(st.find((d) => d.id === 'kencong-1')?.silenced).toBe(true);
    expect((await jfleet(['silence', '--list'], { home, env })).stdout).toMatch(/kencong-1\s+until .*screen replaced/);
    expect((await jfleet(['silence', 'kencong-1', '--clear'], { home, env })).stdout).toMatch(/cleared 1 silence/);
    expect((await jfleet(['silence', '--list'], { home, env })).stdout).toBe('no silences\n');
  });
  it('status --map writes an SVG with one dot per village', async () => {
    const file = join(out, 'fleet.svg');
    const r = await jfleet(['status', '--map', file], { home, env });
    expect(r.exitCode).toBe(0);
    const svg = readFileSync(file, 'utf8');
    expect(svg.match(/<circle /g)).toHaveLength(3);
    expect(svg).toMatch(/data-village="35.09.02.2001" data-state="critical"/);
  });
  it('status --map into a missing or unwritable place: one line naming the file, exit 2, nothing written', async () => {
    const missing = join(out, 'no-such-dir', 'fleet.svg');
    const r = await jfleet(['status', '--map', missing], { home, env });
    expect(r).toMatchObject({ exitCode: 2, stdout: '' });
    expect(r.stderr).toBe(`jfleet: error: --map: cannot write ${missing}: no such directory\n`);
    expect(existsSync(join(out, 'no-such-dir'))).toBe(false);
    const png = await jfleet(['status', '--map', join(out, 'no-such-dir', 'fleet.png')], { home, env });
    expect(png.exitCode).toBe(2);
    expect(png.stderr).toMatch(/^jfleet: error: --map: cannot write .*fleet\.png: no such directory\n$/);
    const dirAsFile = join(out, 'a-dir.svg');
    mkdirSync(dirAsFile);
    const d = await jfleet(['status', '--map', dirAsFile], { home, env });
    expect(d.exitCode).toBe(2);
    expect(d.stderr).toBe(`jfleet: error: --map: cannot write ${dirAsFile}: is a directory\n`);
  });
  it('schedule install writes systemd units or a cron block where told', async () => {
    const dir = join(out, 'units');
    const r = await jfleet(['schedule', 'install', '--kind', 'systemd', '--dir', dir, '--cron', '*/10 * * * *'], { home, env });
    expect(r.exitCode).toBe(0);
    expect(readFileSync(join(dir, 'jfleet-sweep.timer'), 'utf8')).toMatch(/OnCalendar=\*-\*-\* \*:00\/10:00/);
    expect(readFileSync(join(dir, 'jfleet-sweep.service'), 'utf8')).toMatch(new RegExp(`Environment=JFLEET_HOME=${home}`));
    const tab = join(out, 'crontab');
    await jfleet(['schedule', 'install', '--kind', 'cron', '--crontab', tab], { home, env });
    await jfleet(['schedule', 'install', '--kind', 'cron', '--crontab', tab], { home, env });
    expect(readFileSync(tab, 'utf8').match(/sweep --wait/g)).toHaveLength(1);
    const bad = await jfleet(['schedule', 'install', '--kind', 'cron', '--crontab', tab, '--cron', 'every day'], { home, env });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/not a valid cron expression/);
    expect(existsSync(join(out, 'units', 'jfleet-sweep.service'))).toBe(true);
  });
  it("schedule install: --dir means systemd units and --crontab means cron, on any host; the other kind's flag is refused", async () => {
    const dir = join(out, 'units-implied');
    const r = await jfleet(['schedule', 'install', '--dir', dir], { home, env });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(
      `wrote ${join(dir, 'jfleet-sweep.service')}\nwrote ${join(dir, 'jfleet-sweep.timer')}\nnext: systemctl daemon-reload && systemctl enable --now jfleet-sweep.timer\n`,
    );
    const tab = join(out, 'crontab-implied');
    const c = await jfleet(['schedule', 'install', '--crontab', tab], { home, env });
    expect(c.exitCode).toBe(0);
    expect(c.stdout).toBe(`wrote ${tab}\nnext: crontab ${tab}\n`);
    const mixed = await jfleet(['schedule', 'install', '--kind', 'cron', '--dir', join(out, 'units-cron')], { home, env });
    expect(mixed).toMatchObject({ exitCode: 2, stdout: '' });
    expect(mixed.stderr).toBe('jfleet: error: --dir is for systemd units, not --kind cron\n');
    const both = await jfleet(['schedule', 'install', '--dir', join(out, 'units-both'), '--crontab', join(out, 'tab-both')], { home, env });
    expect(both.exitCode).toBe(2);
    expect(both.stderr).toMatch(/^jfleet: error: --dir \(systemd\) and --crontab \(cron\) do not go together\n/);
    expect(existsSync(join(out, 'units-cron'))).toBe(false);
    expect(existsSync(join(out, 'units-both'))).toBe(false);
    expect(existsSync(join(out, 'tab-both'))).toBe(false);
  });
});
