/**
 * Readers of the health tables, for status, history, the report outbox and the dashboard.
 * WAL mode means these never wait for a sweep that is writing.
 */
import type { Db } from '../store/db.js';
import type { CheckResult, DeviceStatus, HealthState, StateChange } from './types.js';

interface DeviceRow {
  id: string;
  village: string;
  district: string;
  state: HealthState;
  hard: number;
  flapping: number;
  silenced: number;
  since: string;
  last_seen: string | null;
  release: string | null;
  checks: string;
}

/** Devices with an active silence at `now` (a maintenance window is a silence that starts later). */
export function activeSilences(db: Db, now: Date = new Date()): Map<string, { reason: string; endsAt: string }> {
  const t = now.toISOString();
  const rows = db
    .prepare('SELECT device, reason, ends_at FROM health_silence WHERE cleared_at IS NULL AND starts_at <= ? AND ends_at > ? ORDER BY ends_at')
    .all(t, t) as { device: string; reason: string; ends_at: string }[];
  return new Map(rows.map((r) => [r.device, { reason: r.reason, endsAt: r.ends_at }]));
}

/** The last known status of every device ever swept, ordered by district then id. */
export function readFleetStatus(db: Db, now: Date = new Date()): DeviceStatus[] {
  const silences = activeSilences(db, now);
  const rows = db.prepare('SELECT * FROM health_device ORDER BY district, id').all() as DeviceRow[];
  return rows.map((r) => rowToStatus(r, silences.has(r.id)));
}

export function readDeviceStatus(db: Db, id: string, now: Date = new Date()): DeviceStatus | null {
  const r = db.prepare('SELECT * FROM health_device WHERE id = ?').get(id) as DeviceRow | undefined;
  return r ? rowToStatus(r, activeSilences(db, now).has(id)) : null;
}

function rowToStatus(r: DeviceRow, silenced: boolean): DeviceStatus {
  return {
    id: r.id,
    village: r.village,
    district: r.district,
    state: r.state,
    hard: r.hard === 1,
    flapping: r.flapping === 1,
    silenced,
    since: r.since,
    lastSeen: r.last_seen,
    release: r.release,
    checks: JSON.parse(r.checks) as CheckResult[],
  };
}

type ChangeRow = { seq: number; device: string; from_state: HealthState | null; to_state: HealthState; hard: number; at: string };
const toChange = (r: ChangeRow): StateChange => ({ seq: r.seq, id: r.device, from: r.from_state, to: r.to_state, hard: r.hard === 1, at: r.at });

/** State changes with seq > afterSeq, oldest first (at most `limit`). */
export function readStateChanges(db: Db, afterSeq: number, limit = 10_000): StateChange[] {
  const rows = db
    .prepare('SELECT seq, device, from_state, to_state, hard, at FROM health_change WHERE seq > ? ORDER BY seq LIMIT ?')
    .all(afterSeq, limit) as ChangeRow[];
  return rows.map(toChange);
}

export interface HistoryEntry {
  at: string;
  state: HealthState;
  hard: boolean;
  silenced: boolean;
  tcpMs: number | null;
  sshMs: number | null;
  execMs: number | null;
}

/** One device's sweep results since `sinceIso`, newest first. */
export function readHistory(db: Db, id: string, sinceIso: string, limit = 200): HistoryEntry[] {
  const rows = db
    .prepare('SELECT at, state, hard, silenced, tcp_ms, ssh_ms, exec_ms FROM health_result WHERE device = ? AND at >= ? ORDER BY at DESC LIMIT ?')
    .all(id, sinceIso, limit) as { at: string; state: HealthState; hard: number; silenced: number; tcp_ms: number | null; ssh_ms: number | null; exec_ms: number | null }[];
  return rows.map((r) => ({ at: r.at, state: r.state, hard: r.hard === 1, silenced: r.silenced === 1, tcpMs: r.tcp_ms, sshMs: r.ssh_ms, execMs: r.exec_ms }));
}

export function readDeviceChanges(db: Db, id: string, limit = 50): StateChange[] {
  const rows = db
    .prepare('SELECT seq, device, from_state, to_state, hard, at FROM health_change WHERE device = ? ORDER BY seq DESC LIMIT ?')
    .all(id, limit) as ChangeRow[];
  return rows.map(toChange);
}

export interface VillageAvailability {
  village: string;
  samples: number;
  /** share of samples in which the device answered and was not critical, 0..1 */
  available: number;
  counts: Record<HealthState, number>;
}

/** Availability per village since `sinceIso`: the share of sweep samples that were ok or warn. */
export function readAvailability(db: Db, sinceIso: string): VillageAvailability[] {
  const rows = db
    .prepare('SELECT village, state, COUNT(*) AS n FROM health_result WHERE at >= ? GROUP BY village, state ORDER BY village')
    .all(sinceIso) as { village: string; state: HealthState; n: number }[];
  const by = new Map<string, VillageAvailability>();
  for (const r of rows) {
    let v = by.get(r.village);
    if (!v) by.set(r.village, (v = { village: r.village, samples: 0, available: 0, counts: { ok: 0, warn: 0, critical: 0, unknown: 0, unreachable: 0 } }));
    v.counts[r.state] += r.n;
    v.samples += r.n;
  }
  for (const v of by.values()) v.available = v.samples ? (v.counts.ok + v.counts.warn) / v.samples : 0;
  return [...by.values()];
}
