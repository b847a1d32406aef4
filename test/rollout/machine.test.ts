import { describe, expect, it } from 'vitest';
import { canTransition, countStates, outcome, shouldAbort, type DeviceState } from '../../src/rollout/machine.js';
import { parseMaxFail } from '../../src/rollout/waves.js';
import { renderJUnit } from '../../src/rollout/junit.js';

describe('rollout state machine', () => {
  it.each([
    ['planned', 'updating', true],
    ['updating', 'updated', true],
    ['updating', 'rolled_back', true],
    ['updating', 'pending', true],
    ['updating', 'updating', true], // resumed after a kill
    ['pending', 'updating', true], // picked up by a later run
    ['planned', 'skipped', true], // aborted
    ['updated', 'updating', false], // done is done
    ['rolled_back', 'updated', false],
    ['planned', 'updated', false], // never updated without going through updating
  ] as [DeviceState, DeviceState, boolean][])('%s → %s allowed: %s', (from, to, ok) => {
    expect(canTransition(from, to)).toBe(ok);
  });

  it('counts reached devices without the pending ones', () => {
    const c = countStates(['updated', 'updated', 'rolled_back', 'failed', 'pending', 'pending', 'skipped']);
    expect(c).toMatchObject({ total: 7, updated: 2, failures: 2, reached: 4, pending: 2, skipped: 1 });
    expect(shouldAbort(c, parseMaxFail('50%'))).toBe(false);
    expect(shouldAbort(c, parseMaxFail('49%'))).toBe(true);
  });

  it.each([
    [['updated', 'updated'], false, 'completed', 0],
    [['updated', 'pending'], false, 'completed_pending', 5],
    [['updated', 'rolled_back'], false, 'completed_failures', 1],
    [['updated', 'rolled_back', 'pending'], false, 'completed_failures', 1],
    [['rolled_back', 'skipped'], true, 'aborted', 4],
  ] as [DeviceState[], boolean, string, number][])('%j aborted=%s → %s, exit %d', (states, aborted, state, code) => {
    expect(outcome(countStates(states), aborted)).toEqual({ state, exitCode: code });
  });
});

describe('JUnit XML', () => {
  const xml = renderJUnit({
    id: 7,
    release: '1.2.0',
    state: 'completed_failures',
    startedAt: '2026-11-28T10:00:00.000Z',
    devices: [
      { id: 'kiosk-b', wave: 1, state: 'rolled_back', error: 'page answered 500 <bad> & "worse"\u0001', ms: 2500, previous: '1.1.0' },
      { id: 'kiosk-a', wave: 0, state: 'updated', error: null, ms: 1500, previous: '1.1.0' },
      { id: 'kiosk-c', wave: 1, state: 'pending', error: 'connection refused', ms: null, previous: null },
    ],
  });
  it('has one test case per device, with totals', () => {
    expect(xml).toContain('<testsuites name="jfleet rollout" tests="3" failures="1" errors="0" skipped="1" time="4.000">');
    expect(xml.match(/<testcase /g)).toHaveLength(3);
    expect(xml).toContain('<testcase classname="jfleet.rollout.wave1" name="kiosk-a" time="1.500"/>');
  });
  it('reports a rollback as a failure and a pending device as skipped, escaped', () => {
    expect(xml).toContain(
      '<failure type="rolled_back" message="health gate failed; rolled back to 1.1.0: page answered 500 &lt;bad&gt; &amp; &quot;worse&quot;">',
    );
    expect(xml).not.toContain('\u0001');
    expect(xml).toContain('<skipped message="pending: unreachable (connection refused); a later run updates it"/>');
  });
});
