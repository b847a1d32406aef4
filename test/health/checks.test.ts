import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AUX_CHECKS, CORE_CHECKS, evaluate, nagiosLine, type CheckContext } from '../../src/health/checks.js';
import { mergeThresholds, parseThresholds, thresholdsFromVars } from '../../src/health/thresholds.js';
import type { ProbeResult, RemoteFacts } from '../../src/health/types.js';

const DIR = fileURLToPath(new URL('../fixtures/checks/', import.meta.url));
const ALL = { ...CORE_CHECKS, ...AUX_CHECKS };

interface Case {
  facts: Partial<RemoteFacts>;
  thresholds?: Record<string, unknown>;
  /** what the check knows beyond the probe (the previous sweep, the fleet's UTC offset) */
  context?: CheckContext;
  /** the check's line as the technician and Nagios read it, exactly */
  expect: { state: string; output: string; perfdata?: Record<string, number> };
}

const cases = readdirSync(DIR).flatMap((check) =>
  readdirSync(join(DIR, check)).map((f) => ({ check, name: f.replace(/\.json$/, ''), data: JSON.parse(readFileSync(join(DIR, check, f), 'utf8')) as Case })),
);

describe('checks from fixtures', () => {
  it('has fixtures for every check', () => {
    expect(new Set(cases.map((c) => c.check))).toEqual(new Set(Object.keys(ALL)));
  });
  it.each(cases.map((c) => [`${c.check}/${c.name}`, c] as const))('%s', (_n, c) => {
    const parsed = parseThresholds(c.data.thresholds ?? {}, 'fixture');
    expect(parsed.issues).toEqual([]);
    const r = ALL[c.check]!(c.data.facts, mergeThresholds(parsed.value), c.data.context);
    expect(r.name).toBe(c.check);
    expect(r.state).toBe(c.data.expect.state);
    expect(r.output).toBe(c.data.expect.output);
    if (c.data.expect.perfdata) expect(r.perfdata).toMatchObject(c.data.expect.perfdata);
  });
});

const healthy: Partial<RemoteFacts> = {
  up: 86400,
  l1: 0.1,
  l5: 0.1,
  l15: 0.1,
  cpus: 2,
  mt: 4e6,
  ma: 2e6,
  ds: 1e7,
  da: 5e6,
  kb: 1,
  kp: 200,
  kpt: 0.01,
  rel: '1.0.0',
  dpn: null,
};
const probe = (remote: Partial<RemoteFacts> | null, extra: Partial<ProbeResult> = {}): ProbeResult => ({
  id: 'k1',
  at: '2026-01-01T00:00:00.000Z',
  reachable: remote !== null,
  tcpMs: 3,
  sshMs: 20,
  execMs: 40,
  remote,
  error: null,
  ...extra,
});

describe('evaluate', () => {
  const t = mergeThresholds();
  it('a healthy device is ok even when optional sensors and upstream URLs are absent', () => {
    const ev = evaluate(probe(healthy), t);
    expect(ev.state).toBe('ok');
    expect(ev.summary).toBe('all checks ok');
    expect(ev.checks.find((c) => c.name === 'temperature')?.state).toBe('unknown');
  });
  it('a core check without data makes the device unknown', () => {
    expect(evaluate(probe({ ...healthy, ds: null }), t).state).toBe('unknown');
  });
  it('the worst check wins and the summary names it', () => {
    const ev = evaluate(probe({ ...healthy, da: 0, l5: 3, cpus: 1 }), t);
    expect(ev.state).toBe('critical');
    expect(ev.summary).toMatch(/^disk \/ 0% free/);
    expect(ev.summary).toMatch(/load 3/);
  });
  it('unreachable is its own state', () => {
    const ev = evaluate(probe(null, { reachable: false, error: { kind: 'timeout', message: 'handshake timed out after 5000 ms' } }), t);
    expect(ev.state).toBe('unreachable');
    expect(ev.summary).toContain('timeout');
  });
  it('a script that printed garbage is unknown, not unreachable', () => {
    expect(evaluate(probe(null, { reachable: true, error: { kind: 'script', message: 'bad JSON' } }), t).state).toBe('unknown');
  });
});

describe('nagios contract', () => {
  const t = mergeThresholds();
  it.each([
    [{ ...healthy }, 0, /^JFLEET OK - k1: all checks ok \| /],
    [{ ...healthy, ds: 1e6, da: 1e5 }, 1, /^JFLEET WARNING - k1: disk/],
    [{ ...healthy, kb: 0 }, 2, /^JFLEET CRITICAL - k1: kiosk browser does not answer/],
    [{ ...healthy, mt: null }, 3, /^JFLEET UNKNOWN - k1: memory: no data/],
  ] as const)('%# exit %i', (facts, code, re) => {
    const r = nagiosLine('k1', evaluate(probe(facts), t));
    expect(r.exitCode).toBe(code);
    expect(r.line).toMatch(re);
    expect(r.line.split('\n')).toHaveLength(1);
    expect(r.line).toMatch(/ \| .*disk_free_pct=\d+/);
  });
  it('unreachable is CRITICAL (2) for Nagios', () => {
    const r = nagiosLine('k1', evaluate(probe(null, { reachable: false, error: { kind: 'unreachable', message: 'connection refused' } }), t));
    expect(r.exitCode).toBe(2);
    expect(r.line).toMatch(/^JFLEET CRITICAL - k1: unreachable \(unreachable: connection refused\)/);
  });
});

describe('thresholds', () => {
  it('rejects unknown keys and bad values, located', () => {
    const r = parseThresholds({ disk_warn_pct: 'x', nope: 1, display: 'maybe', maxAttempts: 0 }, 'health.thresholds');
    expect(r.issues.map((i) => i.key)).toEqual([
      'health.thresholds.disk_warn_pct',
      'health.thresholds.nope',
      'health.thresholds.display',
      'health.thresholds.maxAttempts',
    ]);
  });
  it('names the known thresholds as the file spells them: snake_case in health.yaml, health_ in package vars', () => {
    const [yaml] = parseThresholds({ disk_warning: 3 }, 'thresholds').issues;
    expect(yaml?.message).toMatch(/^unknown threshold \(known: disk_warn_pct, disk_crit_pct, mem_warn_pct, .*, time_offset_warn_s, .*, flap_low_pct\)$/);
    expect(yaml?.message).not.toMatch(/[a-z][A-Z]/);
    const [vars] = parseThresholds(thresholdsFromVars({ health_disk_warning: '3' }), 'k1.vars', 'health_').issues;
    expect(vars?.key).toBe('k1.vars.health_disk_warning');
    expect(vars?.message).toMatch(/^unknown threshold \(known: health_disk_warn_pct, health_disk_crit_pct, .*, health_flap_low_pct\)$/);
  });
  it('device vars override groups which override defaults', () => {
    const group = parseThresholds({ diskWarnPct: 20, diskCritPct: 8 }, 'g').value;
    const dev = parseThresholds(thresholdsFromVars({ health_disk_warn_pct: '30', kiosk_listen: '127.0.0.1:8080' }), 'vars').value;
    const t = mergeThresholds(group, dev);
    expect([t.diskWarnPct, t.diskCritPct, t.memWarnPct]).toEqual([30, 8, 10]);
  });
});
