/**
 * The provisioning engine's vocabulary. Pure types: a fact is a remote command plus a pure
 * parser; a step plans from desired state and facts to actions, or to none with a reason.
 */

/** What a fact command printed: the runner gathers these for all facts in one remote script. */
export interface RawFact {
  rc: number;
  out: string;
}

export interface FactDef<A, V> {
  name: string;
  /** a POSIX shell snippet printing the fact; every argument quoted with shell.ts quote() */
  command(args: A): string;
  /** pure: tells absent from wrong kind from a value */
  parse(raw: RawFact, args: A): V;
}

/** A request for one fact with its arguments; key is unique per (fact, args). */
export interface FactRequest {
  fact: string;
  args: Record<string, unknown>;
  key: string;
}

/** Where a step reads facts from: the gathered device facts, or a fixture (throws on a fact it lacks). */
export interface FactSource {
  get<V = unknown>(req: FactRequest): V;
}

/** Facts about the run itself, not read from the device. */
export interface RunFacts {
  /** the current connection authenticated with the fleet key (so password login may be disabled) */
  keyLoginProven: boolean;
}

export type Action = { kind: 'exec'; command: string; description?: string } | { kind: 'put'; path: string; data: string | Uint8Array; mode?: number };

export interface Diff {
  /** what is compared: a path, or a setting name */
  label: string;
  before: string;
  after: string;
}

export type PlanStatus = 'ok' | 'change' | 'fail' | 'skip';

export interface StepPlan {
  status: PlanStatus;
  /** why nothing is needed, what will change, why it fails or is skipped */
  reason: string;
  actions: Action[];
  diffs: Diff[];
  /** handlers to run after the steps when this step changed something */
  notify?: string[];
}

export interface StepContext {
  facts: FactSource;
  run: RunFacts;
}

export interface StepKind<D> {
  kind: string;
  /** throws on a desired value that must never reach a command (decided once per value) */
  validate(desired: D): void;
  /** the facts plan() will read */
  facts(desired: D): FactRequest[];
  /** pure: desired + facts -> actions, or none with a reason */
  plan(desired: D, ctx: StepContext): StepPlan;
}

export type StepResultStatus = 'ok' | 'changed' | 'failed' | 'skipped';

export interface StepResult {
  id: string;
  title: string;
  status: StepResultStatus;
  reason: string;
  diffs: Diff[];
  error?: string;
  /** commands run (or, with --check, that would run) */
  commands: string[];
}

export interface DeviceRecap {
  id: string;
  ok: number;
  changed: number;
  failed: number;
  skipped: number;
  unreachable: boolean;
  /** why the device failed as a whole (unreachable, facts could not be read) */
  error?: string;
  steps: StepResult[];
  durationMs: number;
  logFile?: string;
}

export interface ProvisionSummary {
  check: boolean;
  recipe: { name: string; version: string };
  devices: DeviceRecap[];
  total: { devices: number; ok: number; changed: number; failed: number; skipped: number; unreachable: number; failedDevices: number };
}
