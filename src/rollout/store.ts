/**
 * The persisted rollout store: rollout state (SQLite via src/store/db.ts). Every device transition is written
 * before the next step starts, so a killed CI job leaves an exact record to resume from.
 */
import type { Db } from '../store/db.js';
import { assertTransition, type DeviceState, type RolloutState } from './machine.js';

export interface RolloutRow {
  id: number;
  release: string;
  selector: string | null;
  inventory: string | null;
  waves: string;
  maxFail: string;
  options: Record<string, unknown>;
  state: RolloutState;
  currentWave: number;
  reason: string | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

export interface DeviceRow {
  id: string;
  wave: number;
  position: number;
  state: DeviceState;
  previous: string | null;
  attempts: number;
  error: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  ms: number | null;
}

type RawRollout = {
  id: number;
  release: string;
  selector: string | null;
  inventory: string | null;
  waves: string;
  max_fail: string;
  options: string;
  state: RolloutState;
  current_wave: number;
  reason: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
};
type RawDevice = {
  device_id: string;
  wave: number;
  position: number;
  state: DeviceState;
  previous: string | null;
  attempts: number;
  error: string | null;
  started_at: string | null;
  finished_at: string | null;
  ms: number | null;
};

const toRollout = (r: RawRollout): RolloutRow => ({
  id: r.id,
  release: r.release,
  selector: r.selector,
  inventory: r.inventory,
  waves: r.waves,
  maxFail: r.max_fail,
  options: JSON.parse(r.options) as Record<string, unknown>,
  state: r.state,
  currentWave: r.current_wave,
  reason: r.reason,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  finishedAt: r.finished_at,
});
const toDevice = (r: RawDevice): DeviceRow => ({
  id: r.device_id,
  wave: r.wave,
  position: r.position,
  state: r.state,
  previous: r.previous,
  attempts: r.attempts,
  error: r.error,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  ms: r.ms,
});

export class RolloutStore {
  constructor(
    private readonly db: Db,
    private readonly now: () => Date,
  ) {}

  private ts(): string {
    return this.now().toISOString();
  }

  create(r: {
    release: string;
    selector?: string;
    inventory: string;
    waves: string;
    maxFail: string;
    options: Record<string, unknown>;
    plan: string[][];
  }): number {
    const at = this.ts();
    return this.db
      .transaction(() => {
        const info = this.db
          .prepare(`INSERT INTO rollouts (release, selector, inventory, waves, max_fail, options, state, created_at, updated_at)
                  VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?)`)
          .run(r.release, r.selector ?? null, r.inventory, r.waves, r.maxFail, JSON.stringify(r.options), at, at);
        const id = Number(info.lastInsertRowid);
        const ins = this.db.prepare(`INSERT INTO rollout_devices (rollout_id, device_id, wave, position, state) VALUES (?, ?, ?, ?, 'planned')`);
        let pos = 0;
        r.plan.forEach((wave, w) => {
          for (const dev of wave) ins.run(id, dev, w, pos++);
        });
        return id;
      })
      .immediate();
  }

  get(id: number): RolloutRow | null {
    const r = this.db.prepare('SELECT * FROM rollouts WHERE id = ?').get(id) as RawRollout | undefined;
    return r ? toRollout(r) : null;
  }

  latest(): RolloutRow | null {
    const r = this.db.prepare('SELECT * FROM rollouts ORDER BY id DESC LIMIT 1').get() as RawRollout | undefined;
    return r ? toRollout(r) : null;
  }

  list(limit = 20): RolloutRow[] {
    return (this.db.prepare('SELECT * FROM rollouts ORDER BY id DESC LIMIT ?').all(limit) as RawRollout[]).map(toRollout);
  }

  devices(id: number): DeviceRow[] {
    return (this.db.prepare('SELECT * FROM rollout_devices WHERE rollout_id = ? ORDER BY position').all(id) as RawDevice[]).map(toDevice);
  }

  device(id: number, deviceId: string): DeviceRow | null {
    const r = this.db.prepare('SELECT * FROM rollout_devices WHERE rollout_id = ? AND device_id = ?').get(id, deviceId) as RawDevice | undefined;
    return r ? toDevice(r) : null;
  }

  /** A device transition, checked against the state machine. */
  setDevice(id: number, deviceId: string, to: DeviceState, fields: { previous?: string | null; error?: string | null; ms?: number | null } = {}): void {
    const at = this.ts();
    this.db
      .transaction(() => {
        const cur = this.device(id, deviceId);
        if (!cur) throw new Error(`rollout ${id} has no device ${deviceId}`);
        assertTransition(deviceId, cur.state, to);
        // updating → updating only records facts (previous); a fresh start counts an attempt.
        const starting = to === 'updating' && cur.state !== 'updating';
        this.db
          .prepare(`UPDATE rollout_devices SET state = ?, attempts = attempts + ?, previous = COALESCE(?, previous),
                  error = ?, started_at = CASE WHEN ? THEN ? ELSE started_at END,
                  finished_at = CASE WHEN ? THEN NULL ELSE ? END, ms = CASE WHEN ? THEN NULL ELSE COALESCE(?, ms) END
                  WHERE rollout_id = ? AND device_id = ?`)
          .run(
            to,
            starting ? 1 : 0,
            fields.previous ?? null,
            to === 'updating' ? null : (fields.error ?? null),
            starting ? 1 : 0,
            at,
            to === 'updating' ? 1 : 0,
            at,
            starting ? 1 : 0,
            fields.ms ?? null,
            id,
            deviceId,
          );
        this.db.prepare('UPDATE rollouts SET updated_at = ? WHERE id = ?').run(at, id);
      })
      .immediate();
  }

  /** Move a device into another wave (a canary that cannot be reached is replaced by the next device). */
  moveToWave(id: number, deviceId: string, wave: number): void {
    this.db.prepare('UPDATE rollout_devices SET wave = ? WHERE rollout_id = ? AND device_id = ?').run(wave, id, deviceId);
  }

  setRollout(id: number, f: { state?: RolloutState; currentWave?: number; reason?: string | null; finished?: boolean }): void {
    const at = this.ts();
    this.db
      .prepare(`UPDATE rollouts SET state = COALESCE(?, state), current_wave = COALESCE(?, current_wave),
                reason = CASE WHEN ? THEN ? ELSE reason END, updated_at = ?,
                finished_at = CASE WHEN ? THEN ? WHEN ? = 'running' THEN NULL ELSE finished_at END WHERE id = ?`)
      .run(f.state ?? null, f.currentWave ?? null, f.reason !== undefined ? 1 : 0, f.reason ?? null, at, f.finished ? 1 : 0, at, f.state ?? null, id);
  }

  /** Devices of this rollout still open, and not yet worked on in this run: mark them skipped. */
  skipOpen(id: number, reason: string): number {
    const at = this.ts();
    return this.db
      .prepare(`UPDATE rollout_devices SET state = 'skipped', error = COALESCE(error, ?), finished_at = ?
                WHERE rollout_id = ? AND state IN ('planned', 'pending', 'updating')`)
      .run(reason, at, id).changes;
  }

  /** Re-open devices left pending (or skipped by an abort) so a resumed run works on them. */
  reopen(id: number, states: DeviceState[]): number {
    if (states.length === 0) return 0;
    return this.db
      .prepare(`UPDATE rollout_devices SET state = 'planned' WHERE rollout_id = ? AND state IN (${states.map(() => '?').join(',')})`)
      .run(id, ...states).changes;
  }

  /**
   * Devices whose latest finished update (any rollout) put them on `release` and kept them there:
   * a repeated `rollout --release V` leaves them out of its waves. A later rollback or failure
   * (of any release) means the device is not known to be on it, so it is planned again.
   */
  alreadyOn(release: string, deviceIds: string[]): Set<string> {
    const rows = this.db
      .prepare(`SELECT d.device_id AS id, r.release AS release, d.state AS state FROM rollout_devices d JOIN rollouts r ON r.id = d.rollout_id
                WHERE d.state IN ('updated', 'rolled_back', 'failed') ORDER BY d.rollout_id`)
      .all() as { id: string; release: string; state: DeviceState }[];
    const last = new Map<string, { release: string; state: DeviceState }>();
    for (const r of rows) last.set(r.id, r);
    const wanted = new Set(deviceIds);
    return new Set([...last.entries()].filter(([id, r]) => wanted.has(id) && r.release === release && r.state === 'updated').map(([id]) => id));
  }
}
