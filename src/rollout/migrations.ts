import type { Migration } from '../store/db.js';

/** Tables of src/rollout/: one row per rollout, one row per device of a rollout. */
export const rolloutMigrations: Migration[] = [
  {
    name: 'rollout-001-rollouts',
    sql: `
      CREATE TABLE rollouts (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        release     TEXT NOT NULL,
        selector    TEXT,
        inventory   TEXT,
        waves       TEXT NOT NULL,
        max_fail    TEXT NOT NULL,
        options     TEXT NOT NULL DEFAULT '{}',
        state       TEXT NOT NULL,
        current_wave INTEGER NOT NULL DEFAULT 0,
        reason      TEXT,
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL,
        finished_at TEXT
      );
      CREATE INDEX rollouts_release ON rollouts (release, id);
      CREATE TABLE rollout_devices (
        rollout_id  INTEGER NOT NULL REFERENCES rollouts (id) ON DELETE CASCADE,
        device_id   TEXT NOT NULL,
        wave        INTEGER NOT NULL,
        position    INTEGER NOT NULL,
        state       TEXT NOT NULL,
        previous    TEXT,
        attempts    INTEGER NOT NULL DEFAULT 0,
        error       TEXT,
        started_at  TEXT,
        finished_at TEXT,
        ms          INTEGER,
        PRIMARY KEY (rollout_id, device_id)
      );
      CREATE INDEX rollout_devices_state ON rollout_devices (rollout_id, state);
    `,
  },
];
