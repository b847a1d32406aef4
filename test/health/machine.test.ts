import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAlerting, nextState, percentStateChange, type DeviceMemory, type StatePolicy } from '../../src/health/machine.js';
import type { HealthState } from '../../src/health/types.js';
import { at as elementAt } from '../helpers/at.js';

const DIR = fileURLToPath(new URL('../fixtures/states/', import.meta.url));
const DEFAULT: StatePolicy = { maxAttempts: 3, flapHighPct: 30, flapLowPct: 20 };

interface Case {
  policy?: Partial<StatePolicy>;
  observations: HealthState[];
  expect?: Array<{ state: HealthState; hard: boolean; change?: unknown }>;
  expect_flapping_at?: Record<string, boolean>;
}

const cases = readdirSync(DIR).map((f) => [f.replace(/\.json$/, ''), JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Case] as const);

function run(c: Case) {
  const policy = { ...DEFAULT, ...c.policy };
  let mem: DeviceMemory | null = null;
  return c.observations.map((o, i) => {
    const t = nextState(mem, o, new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(), policy);
    mem = t.memory;
    return t;
  });
}

describe('state machine from fixtures', () => {
  it.each(cases)('%s', (_name, c) => {
    const steps = run(c);
    (c.expect ?? []).forEach((e, i) => {
      expect({ i, state: elementAt(steps, i).memory.state, hard: elementAt(steps, i).memory.hard }).toEqual({ i, state: e.state, hard: e.hard });
      if ('change' in e) expect(elementAt(steps, i).change).toEqual(e.change);
    });
    for (const [at, flapping] of Object.entries(c.expect_flapping_at ?? {})) {
      expect({ at, flapping: elementAt(steps, Number(at)).memory.flapping }).toEqual({ at, flapping });
    }
    expect(c.expect || c.expect_flapping_at).toBeTruthy();
  });
});

describe('state machine properties', () => {
  it('a single failure between oks never alerts, whatever the problem', () => {
    for (const bad of ['warn', 'critical', 'unknown', 'unreachable'] as HealthState[]) {
      const steps = run({ observations: ['ok', bad, 'ok'] });
      expect(steps.some((s) => isAlerting(s.memory, false))).toBe(false);
    }
  });
  it('since keeps the start of the problem while it stays the same', () => {
    const steps = run({ observations: ['ok', 'critical', 'critical', 'critical'] });
    expect(elementAt(steps, 3).memory.since).toBe(elementAt(steps, 1).memory.since);
  });
  it('silenced and flapping devices do not alert', () => {
    const m = { state: 'critical' as const, hard: true, flapping: false };
    expect(isAlerting(m, false)).toBe(true);
    expect(isAlerting(m, true)).toBe(false);
    expect(isAlerting({ ...m, flapping: true }, false)).toBe(false);
  });
  it('percent state change weighs recent changes more', () => {
    const early: HealthState[] = ['ok', 'critical', ...Array(19).fill('critical')];
    const late: HealthState[] = [...Array(20).fill('ok'), 'critical'];
    expect(percentStateChange(late)).toBeGreaterThan(percentStateChange(early));
    expect(percentStateChange(Array(21).fill('ok'))).toBe(0);
  });
});
