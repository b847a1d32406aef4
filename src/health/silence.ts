/**
 * Silences: a device under repair does not alert until the silence ends or is cleared.
 * A maintenance window in health.yaml is the recurring kind; this is the one-off kind.
 */
import type { Db } from '../store/db.js';
import { UserError } from '../errors.js';

export interface Silence {
  id: number;
  device: string;
  reason: string;
  startsAt: string;
  endsAt: string;
  createdAt: string;
}

/** "2d", "36h", "90m", "1w" → milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(m|min|h|d|w)$/i.exec(text.trim());
  if (!m) throw new UserError(`--for takes a duration like 90m, 36h, 2d or 1w, not "${text}"`);
  const unit = { m: 60_000, min: 60_000, h: 3600_000, d: 86400_000, w: 7 * 86400_000 }[m[2].toLowerCase() as 'm'];
  const ms = Number(m[1]) * unit;
  if (ms <= 0 || ms > 366 * 86400_000) throw new UserError(`--for must be between 1 minute and a year, not "${text}"`);
  return ms;
}

export function addSilence(db: Db, device: string, reason: string, startsAt: Date, durationMs: number, now: Date): Silence {
  const s = { device, reason, startsAt: startsAt.toISOString(), endsAt: new Date(startsAt.getTime() + durationMs).toISOString(), createdAt: now.toISOString() };
  const info = db.prepare('INSERT INTO health_silence (device, reason, starts_at, ends_at, created_at) VALUES (?, ?, ?, ?, ?)').run(s.device, s.reason, s.startsAt, s.endsAt, s.createdAt);
  return { id: Number(info.lastInsertRowid), ...s };
}

/** Silences not yet over (active or scheduled). */
export function listSilences(db: Db, now: Date): Silence[] {
  const rows = db
    .prepare('SELECT id, device, reason, starts_at, ends_at, created_at FROM health_silence WHERE cleared_at IS NULL AND ends_at > ? ORDER BY device, starts_at')
    .all(now.toISOString()) as { id: number; device: string; reason: string; starts_at: string; ends_at: string; created_at: string }[];
  return rows.map((r) => ({ id: r.id, device: r.device, reason: r.reason, startsAt: r.starts_at, endsAt: r.ends_at, createdAt: r.created_at }));
}

/** Clear every open silence of a device; returns how many. */
export function clearSilences(db: Db, device: string, now: Date): number {
  return db.prepare('UPDATE health_silence SET cleared_at = ? WHERE device = ? AND cleared_at IS NULL AND ends_at > ?').run(now.toISOString(), device, now.toISOString()).changes;
}
