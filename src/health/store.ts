/**
 * The health tables (health_device, health_result, health_change, health_silence): every
 * statement and row type of them lives here. Readers serve status, history, the report and
 * the dashboard (WAL mode: they never wait for a sweep that is writing); the writer is the
 * sweep's, called inside its one transaction.
 */
import type { Db } from '../store/db.js';
import type { DeviceMemory } from './machine.js';
import type { CheckResult, DeviceStatus, HealthState, StateChange } from './types.js';

/** A health_device row: what status shows and what the state machine remembers. */
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
  attempt: number;
  hard_state: HealthState;
  history: string;
  updated_at: string;
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

function rowToMemory(r: DeviceRow): DeviceMemory {
  return {
    state: r.state,
    hard: r.hard === 1,
    attempt: r.attempt,
    hardState: r.hard_state,
    history: JSON.parse(r.history) as HealthState[],
    flapping: r.flapping === 1,
    since: r.since,
  };
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
    .all(id, sinceIso, limit) as {
    at: string;
    state: HealthState;
    hard: number;
    silenced: number;
    tcp_ms: number | null;
    ssh_ms: number | null;
    exec_ms: number | null;
  }[];
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
  const rows = db.prepare('SELECT village, state, COUNT(*) AS n FROM health_result WHERE at >= ? GROUP BY village, state ORDER BY village').all(sinceIso) as {
    village: string;
    state: HealthState;
    n: number;
  }[];
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

// --- silences -------------------------------------------------------------------------------

export interface Silence {
  id: number;
  device: string;
  reason: string;
  startsAt: string;
  endsAt: string;
  createdAt: string;
}

export function addSilence(db: Db, device: string, reason: string, startsAt: Date, durationMs: number, now: Date): Silence {
  const s = { device, reason, startsAt: startsAt.toISOString(), endsAt: new Date(startsAt.getTime() + durationMs).toISOString(), createdAt: now.toISOString() };
  const info = db
    .prepare('INSERT INTO health_silence (device, reason, starts_at, ends_at, created_at) VALUES (?, ?, ?, ?, ?)')
    .run(s.device, s.reason, s.startsAt, s.endsAt, s.createdAt);
  return { id: Number(info.lastInsertRowid), ...s };
}

/** Silences not yet over (active or scheduled). */
export function listSilences(db: Db, now: Date): Silence[] {
  const rows = db
    .prepare(
      'SELECT id, device, reason, starts_at, ends_at, created_at FROM health_silence WHERE cleared_at IS NULL AND ends_at > ? ORDER BY device, starts_at',
    )
    .all(now.toISOString()) as { id: number; device: string; reason: string; starts_at: string; ends_at: string; created_at: string }[];
  return rows.map((r) => ({ id: r.id, device: r.device, reason: r.reason, startsAt: r.starts_at, endsAt: r.ends_at, createdAt: r.created_at }));
}

/** Clear every open silence of a device; returns how many. */
export function clearSilences(db: Db, device: string, now: Date): number {
  return db
    .prepare('UPDATE health_silence SET cleared_at = ? WHERE device = ? AND cleared_at IS NULL AND ends_at > ?')
    .run(now.toISOString(), device, now.toISOString()).changes;
}

// --- the sweep's writes ---------------------------------------------------------------------

export interface ResultRecord {
  device: string;
  village: string;
  at: string;
  state: HealthState;
  hard: boolean;
  silenced: boolean;
  tcpMs: number | null;
  sshMs: number | null;
  execMs: number | null;
  perf: Record<string, number>;
}

export interface HealthWriter {
  /** what the state machine remembers of a device, and its last seen time and release */
  previous(id: string): { memory: DeviceMemory; lastSeen: string | null; release: string | null; checks: CheckResult[] } | null;
  putDevice(status: DeviceStatus, memory: DeviceMemory, updatedAt: string): void;
  addResult(r: ResultRecord): void;
  /** returns the change's seq */
  addChange(device: string, change: { from: HealthState | null; to: HealthState; hard: boolean }, at: string): number;
  /** drops results and changes older than `cutoffIso` (the newest change is always kept: it is the report cursor's anchor) */
  prune(cutoffIso: string): void;
}

/** Prepared statements for one sweep; the caller wraps the calls in its transaction. */
export function healthWriter(db: Db): HealthWriter {
  const getDevice = db.prepare('SELECT * FROM health_device WHERE id = ?');
  const upsert =
    db.prepare(`INSERT INTO health_device (id, village, district, state, hard, flapping, silenced, since, last_seen, release, checks, attempt, hard_state, history, updated_at)
      VALUES (@id, @village, @district, @state, @hard, @flapping, @silenced, @since, @last_seen, @release, @checks, @attempt, @hard_state, @history, @updated_at)
      ON CONFLICT(id) DO UPDATE SET village = excluded.village, district = excluded.district, state = excluded.state, hard = excluded.hard,
        flapping = excluded.flapping, silenced = excluded.silenced, since = excluded.since, last_seen = excluded.last_seen, release = excluded.release,
        checks = excluded.checks, attempt = excluded.attempt, hard_state = excluded.hard_state, history = excluded.history, updated_at = excluded.updated_at`);
  const result = db.prepare(
    'INSERT INTO health_result (device, village, at, state, hard, silenced, tcp_ms, ssh_ms, exec_ms, perf) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const change = db.prepare('INSERT INTO health_change (device, from_state, to_state, hard, at) VALUES (?, ?, ?, ?, ?)');
  const pruneResults = db.prepare('DELETE FROM health_result WHERE at < ?');
  const pruneChanges = db.prepare('DELETE FROM health_change WHERE at < ? AND seq < (SELECT MAX(seq) FROM health_change)');
  return {
    previous(id) {
      const r = getDevice.get(id) as DeviceRow | undefined;
      return r ? { memory: rowToMemory(r), lastSeen: r.last_seen, release: r.release, checks: JSON.parse(r.checks) as CheckResult[] } : null;
    },
    putDevice(s, m, updatedAt) {
      const row: DeviceRow = {
        id: s.id,
        village: s.village,
        district: s.district,
        state: s.state,
        hard: +s.hard,
        flapping: +s.flapping,
        silenced: +s.silenced,
        since: s.since,
        last_seen: s.lastSeen,
        release: s.release,
        checks: JSON.stringify(s.checks),
        attempt: m.attempt,
        hard_state: m.hardState,
        history: JSON.stringify(m.history),
        updated_at: updatedAt,
      };
      upsert.run(row);
    },
    addResult(r) {
      result.run(r.device, r.village, r.at, r.state, +r.hard, +r.silenced, r.tcpMs, r.sshMs, r.execMs, JSON.stringify(r.perf));
    },
    addChange(device, c, at) {
      return Number(change.run(device, c.from, c.to, +c.hard, at).lastInsertRowid);
    },
    prune(cutoffIso) {
      pruneResults.run(cutoffIso);
      pruneChanges.run(cutoffIso);
    },
  };
}
