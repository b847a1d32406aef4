/**
 * `jfleet schedule run` logs for a person reading the journal: each line's time in the fleet's
 * zone (config timeZone, default Asia/Jakarta: WIB) the language's way, not ISO UTC. The built
 * binary runs a sweep a second against one refused device, and is stopped with SIGTERM.
 */
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { logTime } from '../../src/i18n/format.js';
import { BIN, deadDeviceHome, jfleet } from '../helpers/cli.js';

/** Runs the daemon until its first sweep is logged, stops it, and returns its stdout lines and the time window it ran in. */
async function daemon(home: string, env: Record<string, string>) {
  const from = new Date();
  const child = execa('node', [BIN, 'schedule', 'run', '--sweep', '* * * * * *', '--stop-timeout', '5'], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, JFLEET_HOME: home, CI: 'true', NO_COLOR: '1', ...env },
    extendEnv: false,
    reject: false,
  });
  let out = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  const deadline = Date.now() + 20_000;
  while (!/(sweep ke-1|sweep #1):/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  child.kill('SIGTERM');
  const r = await child;
  const to = new Date();
  return { lines: r.stdout.split('\n').filter((l) => l !== ''), from, to, stderr: r.stderr };
}

/** Every log time a line may carry between from and to, to the second. */
function stampsBetween(f: { locale: string; timeZone: string }, from: Date, to: Date): Set<string> {
  const out = new Set<string>();
  for (let t = Math.floor(from.getTime() / 1000) * 1000; t <= to.getTime() + 1000; t += 1000) out.add(logTime(f, new Date(t)));
  return out;
}

describe("the daemon's log: times in the fleet zone, the language its way", () => {
  it('Indonesian: "2 Des 2026 09.15.03 WIB daemon berjalan: ..."; no ISO UTC time; the sweep line says its seconds with a comma', async () => {
    const { home, env } = await deadDeviceHome('jfleet-daemon-log-');
    const { lines, from, to, stderr } = await daemon(home, { ...env, LANG: 'id_ID.UTF-8' });
    expect(stderr).toBe('');
    const stamps = stampsBetween({ locale: 'id-ID', timeZone: 'Asia/Jakarta' }, from, to);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) {
      const m = /^(\d{1,2} \S+ \d{4} \d\d\.\d\d\.\d\d WIB) (.*)$/.exec(line);
      expect(m, line).not.toBeNull();
      expect(stamps.has(m![1]!), `${m![1]} is not a time between ${from.toISOString()} and ${to.toISOString()}`).toBe(true);
    }
    expect(lines.join('\n')).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d/);
    expect(lines[0]).toMatch(/ WIB daemon berjalan: sweep "\* \* \* \* \* \*", 1 perangkat, /);
    expect(lines.find((l) => / sweep ke-1:/.test(l))).toMatch(/ sweep ke-1: 1 perangkat dalam \d+,\d dtk, 0 koneksi hangat: /);
    expect(lines.at(-1)).toMatch(/ WIB daemon berhenti setelah \d+ sweep/);
  });

  it('English, the zone from config timeZone (Asia/Makassar: WITA): "2 Dec 2026, 10:15:03 WITA daemon started: ..."', async () => {
    const { home, env } = await deadDeviceHome('jfleet-daemon-log-');
    const set = await jfleet(['config', 'set', 'timeZone', 'Asia/Makassar'], { home, env });
    expect(set.exitCode, set.stderr).toBe(0);
    const { lines, from, to } = await daemon(home, { ...env, LANG: 'C' });
    const stamps = stampsBetween({ locale: 'en-GB', timeZone: 'Asia/Makassar' }, from, to);
    for (const line of lines) {
      const m = /^(\d{1,2} \S+ \d{4}, \d\d:\d\d:\d\d WITA) (.*)$/.exec(line);
      expect(m, line).not.toBeNull();
      expect(stamps.has(m![1]!), m![1]).toBe(true);
    }
    expect(lines[0]).toMatch(/ WITA daemon started: sweep "\* \* \* \* \* \*", 1 device\(s\), /);
    expect(lines.find((l) => / sweep #1:/.test(l))).toMatch(/ sweep #1: 1 device\(s\) in \d+\.\d s, 0 warm: /);
  });
});
