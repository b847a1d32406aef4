import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseMaxFail, parseWaves, planWaves, thresholdExceeded, allowedFailures } from '../../src/rollout/waves.js';
import { at } from '../helpers/at.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/waves/', import.meta.url));

interface PlanCase {
  description: string;
  devices: string[];
  waves: string;
  expect?: string[][];
  error?: string;
}

/** "id@village#tag#tag" → a plannable device */
function device(s: string) {
  const [head, ...tags] = s.split('#') as [string, ...string[]]; // split always returns at least one part
  const parts = head.split('@');
  return { id: at(parts, 0), village: at(parts, 1), tags };
}

describe('wave planner (test/fixtures/waves/plan)', () => {
  const dir = join(FIXTURES, 'plan');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  it('has fixtures', () => expect(files.length).toBeGreaterThan(5));
  for (const f of files) {
    const c = JSON.parse(readFileSync(join(dir, f), 'utf8')) as PlanCase;
    it(`${f}: ${c.description}`, () => {
      const run = () => planWaves(c.devices.map(device), parseWaves(c.waves)).map((w) => w.map((d) => d.id));
      if (c.error) {
        expect(run).toThrow(c.error);
      } else {
        const plan = run();
        expect(plan).toEqual(c.expect);
        // every device exactly once, whatever the waves
        expect(plan.flat().sort()).toEqual(c.devices.map((d) => device(d).id).sort());
      }
    });
  }

  it('plans the same waves whatever the input order', () => {
    const c = JSON.parse(readFileSync(join(dir, 'ten-devices-three-districts.json'), 'utf8')) as PlanCase;
    const devices = c.devices.map(device);
    const a = planWaves(devices, parseWaves(c.waves)).map((w) => w.map((d) => d.id));
    const b = planWaves([...devices].reverse(), parseWaves(c.waves)).map((w) => w.map((d) => d.id));
    expect(b).toEqual(a);
  });
});

describe('failure threshold (test/fixtures/waves/max-fail)', () => {
  const t = JSON.parse(readFileSync(join(FIXTURES, 'max-fail', 'cases.json'), 'utf8')) as {
    cases: { maxFail: string; failed: number; reached: number; abort: boolean; why?: string }[];
    errors: { maxFail: string; error: string }[];
  };
  for (const c of t.cases) {
    it(`--max-fail ${c.maxFail}: ${c.failed} failed of ${c.reached} reached → ${c.abort ? 'abort' : 'go on'}${c.why ? ` (${c.why})` : ''}`, () => {
      const max = parseMaxFail(c.maxFail);
      expect(thresholdExceeded(c.failed, c.reached, max)).toBe(c.abort);
      // the message helper agrees with the decision
      expect(c.failed > allowedFailures(c.reached, max)).toBe(c.abort);
    });
  }
  for (const e of t.errors) {
    it(`--max-fail ${e.maxFail} is refused`, () => expect(() => parseMaxFail(e.maxFail)).toThrow(e.error));
  }
});
