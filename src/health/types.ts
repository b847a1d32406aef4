/**
 * The shapes health shares with the rest of jfleet (report, rollout, demo, central dashboard).
 * Pure: types only.
 */

/** A device's state. "unreachable" is its own state, never lumped with critical. */
export type HealthState = 'ok' | 'warn' | 'critical' | 'unknown' | 'unreachable';
/** What one check can say about a reachable device. */
export type CheckState = 'ok' | 'warn' | 'critical' | 'unknown';

export const HEALTH_STATES: readonly HealthState[] = ['ok', 'warn', 'critical', 'unknown', 'unreachable'];

export interface CheckResult {
  name: string;
  state: CheckState;
  /** one human line, e.g. "disk / 3% free (512 MiB)" */
  output: string;
  /** numbers for graphs and the Nagios perfdata tail */
  perfdata: Record<string, number>;
}

export interface DeviceStatus {
  id: string;
  village: string;
  district: string;
  state: HealthState;
  /** true once the state is confirmed (N consecutive observations); soft states do not alert */
  hard: boolean;
  flapping: boolean;
  silenced: boolean;
  /** ISO time the current state began */
  since: string;
  /** ISO time of the last successful probe, null if never reached */
  lastSeen: string | null;
  release: string | null;
  checks: CheckResult[];
}

export interface StateChange {
  /** monotonically increasing; readers poll with readStateChanges(db, afterSeq) */
  seq: number;
  id: string;
  /** null the first time a device is seen */
  from: HealthState | null;
  to: HealthState;
  hard: boolean;
  at: string;
}

/** What the remote probe script reports (numbers as printed; null when the device could not say). */
export interface RemoteFacts {
  /** seconds since boot */
  up: number | null;
  /** last boot, epoch seconds */
  boot: number | null;
  l1: number | null;
  l5: number | null;
  l15: number | null;
  cpus: number | null;
  /** memory total / available, KiB */
  mt: number | null;
  ma: number | null;
  /** root filesystem size / available, KiB */
  ds: number | null;
  da: number | null;
  /** inodes total / free on / */
  is: number | null;
  ia: number | null;
  /** CPU temperature, millidegrees C (hottest zone); null: no sensor */
  temp: number | null;
  /** display connectors found / connected; dpn null: no DRM subsystem */
  dpn: number | null;
  dpc: number | null;
  /** the real browser answers on its DevTools endpoint (127.0.0.1:9222) with a page: 1/0 */
  kb: number | null;
  /** a lab device's stand-in browser alive (1/0; null: not a lab device or no stand-in) */
  ksi: number | null;
  /** the kiosk unit's ActiveState and NRestarts (null: systemd is not running) */
  ku: string | null;
  kn: number | null;
  /** a tunnelled kiosk: the bastion port its tunnel last logged in on (/var/lib/jfleet/tunnel-port; null elsewhere) */
  tpt: number | null;
  /** kiosk restarts made by the on-device watchdog since boot */
  kwr: number | null;
  /** the browser's restarts inside the kiosk session (its loop in cage) since boot */
  kbr: number | null;
  /** the page as the watchdog last evaluated it: its DevTools URL, and what it is ('error':
   * Chromium's network-error page, which DevTools lists under the URL that failed) */
  pwu: string | null;
  pwk: string | null;
  /** the page the browser shows: URL and title (from DevTools /json/list) */
  purl: string | null;
  ptl: string | null;
  /** the portal the kiosk is set to show (KIOSK_URL of /etc/jfleet/kiosk.env) */
  kurl: string | null;
  /** connected display connectors whose DPMS state is On (null: no DRM subsystem) */
  dpo: number | null;
  /** video capture devices (/dev/video*) */
  cam: number | null;
  /** local kiosk page: HTTP status (0 = no answer) and time in s */
  kp: number | null;
  kpt: number | null;
  /** time sync: 1/0 synchronised, offset in s */
  ts: number | null;
  to: number | null;
  /** installed kiosk release (from current/manifest.json) */
  rel: string | null;
  /** DNS lookup worked (1/0) */
  dns: number | null;
  /** portal / central API: HTTP status (0 = no answer) and total time in s */
  pc: number | null;
  pt: number | null;
  ac: number | null;
  at: number | null;
  /** gateway / internet: average rtt in ms and loss in % */
  gr: number | null;
  gl: number | null;
  ir: number | null;
  il: number | null;
}

export interface ProbeError {
  kind: 'unreachable' | 'auth' | 'hostkey' | 'timeout' | 'protocol' | 'script';
  message: string;
}

export interface ProbeResult {
  id: string;
  at: string;
  reachable: boolean;
  /** TCP connect to the SSH port, ms (null when not measured, e.g. on a warm connection) */
  tcpMs: number | null;
  /** SSH handshake (connect + auth), ms; null on a reused connection */
  sshMs: number | null;
  /** round trip of the probe script, ms */
  execMs: number | null;
  remote: Partial<RemoteFacts> | null;
  error: ProbeError | null;
}

export interface SweepDevice {
  status: DeviceStatus;
  probe: ProbeResult;
  /** this sweep changed the device's state */
  changed: boolean;
  /** hard, not silenced, not flapping, not ok: worth an alert */
  alerting: boolean;
}

export interface SweepSummary {
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  total: number;
  /** devices per state (soft and hard) */
  counts: Record<HealthState, number>;
  /** devices per hard state, silenced and flapping devices excluded */
  hardCounts: Record<HealthState, number>;
  /** the worst alerting hard state, 'ok' if none */
  worst: HealthState;
  /** the exit code the CLI uses (see sweepExitCode) */
  exitCode: number;
  devices: SweepDevice[];
  changes: StateChange[];
}
