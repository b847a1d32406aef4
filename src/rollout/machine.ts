/**
 * The rollout state machine. Pure: which device transitions are legal, how a finished run is
 * summed up, and which exit code that outcome means.
 *
 * Device states:
 *   planned      in a wave not worked on yet
 *   updating     being transferred / switched / gated (a killed run leaves it here; resume redoes it,
 *                which is safe because every device step is idempotent)
 *   updated      on the release, health gate passed
 *   rolled_back  switched, failed its gate, switched back to its previous release (a failure)
 *   failed       could not be updated (bad bytes, disk full, rollback failed...) (a failure)
 *   pending      unreachable: neither failed nor reached; a later run (or resume) picks it up
 *   skipped      not worked on because the rollout was aborted
 */
import { ExitCode } from '../errors.js';
import { thresholdExceeded, type MaxFail } from './waves.js';

export const DEVICE_STATES = ['planned', 'updating', 'updated', 'rolled_back', 'failed', 'pending', 'skipped'] as const;
export type DeviceState = (typeof DEVICE_STATES)[number];

export const ROLLOUT_STATES = ['running', 'completed', 'completed_pending', 'completed_failures', 'aborted'] as const;
export type RolloutState = (typeof ROLLOUT_STATES)[number];

const TRANSITIONS: Record<DeviceState, DeviceState[]> = {
  planned: ['updating', 'skipped', 'pending'],
  updating: ['updating', 'updated', 'rolled_back', 'failed', 'pending', 'skipped'],
  pending: ['updating', 'skipped', 'pending'],
  updated: [],
  rolled_back: [],
  failed: [],
  skipped: ['updating'],
};

export function canTransition(from: DeviceState, to: DeviceState): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertTransition(id: string, from: DeviceState, to: DeviceState): void {
  if (!canTransition(from, to)) throw new Error(`rollout: illegal transition of ${id} from ${from} to ${to}`);
}

/** States a run still has to work on (a resumed run redoes "updating"; pending are retried). */
export function isOpen(s: DeviceState): boolean {
  return s === 'planned' || s === 'updating' || s === 'pending';
}

export function isFailure(s: DeviceState): boolean {
  return s === 'rolled_back' || s === 'failed';
}

export function isReached(s: DeviceState): boolean {
  return s === 'updated' || isFailure(s);
}

export interface Counts {
  total: number;
  planned: number;
  updating: number;
  updated: number;
  rolled_back: number;
  failed: number;
  pending: number;
  skipped: number;
  /** updated + rolled_back + failed: the base of the failure threshold */
  reached: number;
  /** rolled_back + failed */
  failures: number;
}

export function countStates(states: Iterable<DeviceState>): Counts {
  const c: Counts = { total: 0, planned: 0, updating: 0, updated: 0, rolled_back: 0, failed: 0, pending: 0, skipped: 0, reached: 0, failures: 0 };
  for (const s of states) {
    c.total++;
    c[s]++;
  }
  c.failures = c.rolled_back + c.failed;
  c.reached = c.updated + c.failures;
  return c;
}

/** Should the rollout stop here? (evaluated after each wave, cumulatively) */
export function shouldAbort(c: Counts, max: MaxFail): boolean {
  return thresholdExceeded(c.failures, c.reached, max);
}

/**
 * The final state of a run that went through all its waves (or was aborted), and its exit code:
 *   0 completed; 1 completed with device failures under the threshold; 4 aborted;
 *   5 completed with devices pending (and no failures). Failures outrank pending: a human should
 *   look at a failed device before a re-run picks up the pending ones.
 */
export function outcome(c: Counts, aborted: boolean): { state: RolloutState; exitCode: number } {
  if (aborted) return { state: 'aborted', exitCode: ExitCode.rolloutAborted };
  if (c.failures > 0) return { state: 'completed_failures', exitCode: ExitCode.deviceFailed };
  if (c.pending > 0) return { state: 'completed_pending', exitCode: ExitCode.rolloutPending };
  return { state: 'completed', exitCode: ExitCode.ok };
}

export function exitCodeOf(state: RolloutState): number {
  switch (state) {
    case 'completed':
      return ExitCode.ok;
    case 'completed_failures':
      return ExitCode.deviceFailed;
    case 'completed_pending':
      return ExitCode.rolloutPending;
    case 'aborted':
      return ExitCode.rolloutAborted;
    case 'running':
      return ExitCode.rolloutPending;
  }
}
