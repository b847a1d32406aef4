/**
 * The rollout handler's rendering of engine events: the human lines and JSON lines the runner
 * used to print itself, pinned so moving the printing out of the engine changed no text.
 */
import { englishT } from '../helpers/messages.js';
import { describe, expect, it } from 'vitest';
import { humanLine, jsonEvent } from '../../src/cli/handlers/rollout.js';
import type { DeviceEvent } from '../../src/rollout/events.js';
import { countStates } from '../../src/rollout/machine.js';

const dev = (o: Partial<DeviceEvent>): DeviceEvent => ({
  event: 'device',
  rollout: 3,
  wave: 2,
  device: 'k-1',
  state: 'updated',
  previous: '1.0.0',
  error: null,
  ms: 1234,
  release: '1.1.0',
  shown: 'updated',
  reason: '',
  ...o,
});

describe('rollout events, rendered', () => {
  it.each([
    [dev({}), '  ✓ k-1 updated 1.0.0 → 1.1.0 (1.2 s)'],
    [dev({ previous: null }), '  ✓ k-1 updated (none) → 1.1.0 (1.2 s)'],
    [dev({ state: 'skipped', shown: 'skipped', reason: 'no longer in the inventory' }), '  - k-1 skipped: no longer in the inventory (1.2 s)'],
    [dev({ state: 'pending', shown: 'pending', reason: 'unreachable: timed out' }), '  … k-1 pending: unreachable: timed out (1.2 s)'],
    [dev({ state: 'rolled_back', shown: 'rolled_back', reason: 'check failed' }), '  ↩ k-1 rolled back to 1.0.0: check failed (1.2 s)'],
    [dev({ state: 'pending', shown: 'failed', reason: 'boom; rollback: unreachable: gone' }), '  ✗ k-1 FAILED: boom; rollback: unreachable: gone (1.2 s)'],
    [dev({ state: 'failed', shown: 'failed', ms: undefined, previous: null, reason: 'internal error: x' }), '  ✗ k-1 FAILED: internal error: x'],
  ])('device line %#', (e, line) => {
    expect(humanLine(englishT, e)).toBe(line);
  });

  it('start, waves and end lines', () => {
    const counts = countStates(['updated', 'updated', 'failed', 'pending']);
    expect(
      humanLine(englishT, { event: 'rollout-start', rollout: 3, release: '1.1.0', devices: 4, waves: [1, 3], maxFail: '5%', resumed: true, reopened: 2 }),
    ).toBe('rollout 3: release 1.1.0 to 4 device(s) in 2 wave(s) [1, 3], max-fail 5% (resuming 2)');
    expect(humanLine(englishT, { event: 'wave-end', rollout: 3, wave: 2, counts, allowedFailures: 0, abort: true })).toBe(
      'wave 2 done: 2 updated, 1 failed (0 allowed of 3 reached), 1 pending',
    );
    expect(humanLine(englishT, { event: 'rollout-end', rollout: 3, release: '1.1.0', state: 'completed_failures', counts, exitCode: 1 })).toBe(
      'rollout 3 completed_failures: 2 updated, 0 rolled back, 1 failed, 1 pending, 0 skipped (exit 1)',
    );
    expect(humanLine(englishT, { event: 'rollout-end', rollout: 3, release: '1.1.0', state: 'completed', counts, exitCode: 0, nothingToResume: true })).toBe(
      'rollout 3 of 1.1.0 already finished (completed, exit 0 then); nothing to resume',
    );
  });

  it('JSON lines carry the fields they always did, and nothing for people only', () => {
    expect(jsonEvent(dev({}))).toEqual({ event: 'device', rollout: 3, wave: 2, device: 'k-1', state: 'updated', previous: '1.0.0', error: null, ms: 1234 });
    expect(jsonEvent(dev({ state: 'failed', ms: undefined, error: 'internal error: x' }))).toEqual({
      event: 'device',
      rollout: 3,
      wave: 2,
      device: 'k-1',
      state: 'failed',
      error: 'internal error: x',
    });
    expect(jsonEvent({ event: 'rollout-start', rollout: 3, release: '1.1.0', devices: 4, waves: [1, 3], maxFail: '5%', resumed: false, reopened: 0 })).toEqual({
      event: 'rollout-start',
      rollout: 3,
      release: '1.1.0',
      devices: 4,
      waves: [1, 3],
      maxFail: '5%',
      resumed: false,
    });
  });
});
