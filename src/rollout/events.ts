/**
 * What a rollout tells the outside world while it runs: one typed event per thing that
 * happened. The engine emits; the CLI handler turns each into a human line or a JSON line and
 * writes the JUnit file. Pure types.
 */
import type { Counts, DeviceState, RolloutState } from './machine.js';
import type { DeviceRow, RolloutRow } from './store.js';

export type RolloutEvent =
  | { event: 'rollout-start'; rollout: number; release: string; devices: number; waves: number[]; maxFail: string; resumed: boolean; reopened: number }
  | { event: 'wave-start'; rollout: number; wave: number; devices: string[] }
  | DeviceEvent
  | { event: 'canary-replaced'; rollout: number; device: string }
  | { event: 'wave-end'; rollout: number; wave: number; counts: Counts; allowedFailures: number; abort: boolean }
  | { event: 'rollout-interrupted'; rollout: number; release: string; counts: Counts }
  | { event: 'abort'; rollout: number; reason: string | null; skipped: number }
  | { event: 'rollout-end'; rollout: number; release: string; state: RolloutState; counts: Counts; exitCode: number; nothingToResume?: true }
  /** `jfleet rollout abort` closed the latest rollout; running: a process is still working it */
  | { event: 'rollout-aborted'; rollout: number; release: string; running: boolean }
  /** the rollout's record as it stands at the end (or the interruption): what a JUnit report shows */
  | { event: 'record'; rollout: RolloutRow; devices: DeviceRow[] };

/** One device finished (or was given up on) in a wave. */
export interface DeviceEvent {
  event: 'device';
  rollout: number;
  wave: number;
  device: string;
  state: DeviceState;
  previous: string | null;
  error: string | null;
  /** how long the device took; absent when an internal error ended it */
  ms?: number;
  /** the release being rolled out */
  release: string;
  /** what a person reads: the outcome (a failed rollback after the switch reads as failed even when the device is pending) */
  shown: 'updated' | 'skipped' | 'pending' | 'rolled_back' | 'failed';
  /** the short reason behind a shown outcome other than updated */
  reason: string;
}

export type RolloutSink = (e: RolloutEvent) => void;
