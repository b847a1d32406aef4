import { describe, expect, it } from 'vitest';
import { STEP_KINDS } from '../../src/provision/steps/index.js';
import type { Action } from '../../src/provision/types.js';
import { fixtureHost, loadFixtures, factKey, type FixtureFact } from './fixture-host.js';

interface StepCase {
  desired: Record<string, unknown>;
  facts: FixtureFact[];
  run?: { keyLoginProven: boolean };
  expected: {
    status: 'ok' | 'change' | 'fail' | 'skip';
    reason?: string;
    /** exec commands and puts, in order: "exec: CMD" / "put: PATH" */
    actions?: string[];
    diffs?: Array<{ label: string; before: string; after: string }>;
    notify?: string[];
  };
}

/** Fixtures give binary .deb contents as text. */
function prepare(kind: string, desired: Record<string, unknown>): unknown {
  if (kind === 'deb') {
    return { ...desired, debs: (desired.debs as Array<Record<string, unknown>>).map((d) => ({ ...d, data: new TextEncoder().encode(String(d.data)) })) };
  }
  return desired;
}

function show(a: Action): string {
  return a.kind === 'exec' ? `exec: ${a.command}` : `put: ${a.path}`;
}

describe('steps (test/fixtures/steps/<kind>/<case>.json)', () => {
  const cases = loadFixtures<StepCase>('steps');
  it('has fixtures for every step kind', () => {
    expect(new Set(cases.map(([n]) => n))).toEqual(new Set(Object.keys(STEP_KINDS)));
  });
  it.each(cases)('%s / %s', (kind, _case, c) => {
    const step = STEP_KINDS[kind]!;
    const desired = prepare(kind, c.desired);
    const host = fixtureHost(c.facts);
    const plan = step.plan(desired, { facts: host, run: c.run ?? { keyLoginProven: true } });
    expect(plan.status).toBe(c.expected.status);
    if (c.expected.reason !== undefined) expect(plan.reason).toContain(c.expected.reason);
    expect(plan.actions.map(show)).toEqual(c.expected.actions ?? []);
    if (c.expected.diffs) expect(plan.diffs).toEqual(c.expected.diffs);
    if (c.expected.notify) expect(plan.notify).toEqual(c.expected.notify);
    if (c.expected.status === 'ok') expect(plan.diffs).toEqual([]);
    // The step declares every fact it reads (so the runner can gather them in one round trip).
    if (plan.status !== 'fail') {
      const declared = new Set(step.facts(desired).map((r) => r.key));
      for (const k of host.asked) expect(declared.has(k), `undeclared fact ${k}`).toBe(true);
    }
  });
  it('fixture fact keys match the engine', () => {
    expect(factKey('file', { path: '/x' })).toBe('file:{"path":"/x"}');
  });
});
