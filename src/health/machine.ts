/**
 * The soft/hard/flapping state machine, Nagios-style. Pure: the previous memory of a device and
 * one new observation in, the next memory and the state change (if any) out.
 *
 * - A non-ok observation starts a soft state (attempt 1); it turns hard after maxAttempts
 *   consecutive non-ok observations. Only hard states alert.
 * - A change between two non-ok states while hard is itself hard.
 * - ok after a soft problem is a soft recovery (never alerted, never hard-non-ok);
 *   ok after a hard problem is a hard recovery.
 * - Flapping: the weighted percent of state changes over the last 21 observations (newer
 *   weigh more, 0.8 → 1.2); starts above flapHighPct, ends below flapLowPct.
 */
import { ExitCode } from '../errors.js';
import type { HealthState } from './types.js';

export interface DeviceMemory {
  state: HealthState;
  hard: boolean;
  /** consecutive non-ok observations (0 when ok) */
  attempt: number;
  /** the last hard state */
  hardState: HealthState;
  /** recent observations, oldest first, at most HISTORY_SIZE */
  history: HealthState[];
  flapping: boolean;
  /** when the current state began */
  since: string;
}

export interface StatePolicy {
  maxAttempts: number;
  flapHighPct: number;
  flapLowPct: number;
}

export interface Transition {
  memory: DeviceMemory;
  /** a change of state or of hardness worth recording; null when nothing changed */
  change: { from: HealthState | null; to: HealthState; hard: boolean } | null;
  /** the percent state change after this observation */
  flapPct: number;
}

export const HISTORY_SIZE = 21;

export function percentStateChange(history: HealthState[]): number {
  if (history.length < 2) return 0;
  const n = history.length - 1; // transitions
  let sum = 0;
  for (let i = 1; i < history.length; i++) {
    if (history[i] !== history[i - 1]) {
      const w = n === 1 ? 1.2 : 0.8 + ((i - 1) * 0.4) / (n - 1);
      sum += w;
    }
  }
  // Nagios divides by the full window (20 transitions) so a short history cannot flap early.
  return (sum / (HISTORY_SIZE - 1)) * 100;
}

export function nextState(prev: DeviceMemory | null, observed: HealthState, at: string, policy: StatePolicy): Transition {
  const history = [...(prev?.history ?? []), observed].slice(-HISTORY_SIZE);
  const flapPct = percentStateChange(history);
  const wasFlapping = prev?.flapping ?? false;
  const flapping = wasFlapping ? flapPct >= policy.flapLowPct : flapPct > policy.flapHighPct;
  const max = Math.max(1, policy.maxAttempts);

  if (!prev) {
    const hard = observed === 'ok' || max <= 1;
    const attempt = observed === 'ok' ? 0 : 1;
    return {
      memory: { state: observed, hard, attempt, hardState: hard ? observed : 'ok', history, flapping, since: at },
      change: { from: null, to: observed, hard },
      flapPct,
    };
  }

  if (observed === 'ok') {
    if (prev.state === 'ok') {
      return { memory: { ...prev, hard: true, attempt: 0, history, flapping }, change: null, flapPct };
    }
    // Recovery: hard if the problem was hard, soft otherwise. ok is always a hard state afterwards.
    return {
      memory: { state: 'ok', hard: true, attempt: 0, hardState: 'ok', history, flapping, since: at },
      change: { from: prev.state, to: 'ok', hard: prev.hard },
      flapPct,
    };
  }

  // observed is a problem
  if (prev.state === 'ok') {
    const hard = max <= 1;
    return {
      memory: { state: observed, hard, attempt: 1, hardState: hard ? observed : prev.hardState, history, flapping, since: at },
      change: { from: 'ok', to: observed, hard },
      flapPct,
    };
  }
  if (prev.hard) {
    if (observed === prev.state) return { memory: { ...prev, attempt: prev.attempt + 1, history, flapping }, change: null, flapPct };
    return {
      memory: { ...prev, state: observed, hardState: observed, attempt: prev.attempt + 1, history, flapping, since: at },
      change: { from: prev.state, to: observed, hard: true },
      flapPct,
    };
  }
  // soft problem continues
  const attempt = prev.attempt + 1;
  const hard = attempt >= max;
  const stateChanged = observed !== prev.state;
  const memory: DeviceMemory = {
    state: observed,
    hard,
    attempt,
    hardState: hard ? observed : prev.hardState,
    history,
    flapping,
    since: stateChanged ? at : prev.since,
  };
  const change = stateChanged || hard ? { from: prev.state, to: observed, hard } : null;
  return { memory, change, flapPct };
}

/** A device alerts when its state is hard, not ok, and it is neither flapping nor silenced. */
export function isAlerting(m: Pick<DeviceMemory, 'state' | 'hard' | 'flapping'>, silenced: boolean): boolean {
  return m.hard && m.state !== 'ok' && !m.flapping && !silenced;
}

/**
 * Exit code of a sweep from the worst alerting hard state (documented in docs/health.md):
 * ok 0, warn 1, unknown 3, critical 6, unreachable 7.
 */
export const SWEEP_EXIT: Record<HealthState, number> = {
  ok: ExitCode.ok,
  warn: ExitCode.sweepWarn,
  unknown: ExitCode.unknown,
  critical: ExitCode.sweepCritical,
  unreachable: ExitCode.sweepUnreachable,
};
