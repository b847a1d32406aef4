import type { Migration } from '../store/db.js';

/**
 * Tables of src/health/. Times are ISO-8601 UTC strings from Date.toISOString(), so they
 * compare correctly as text.
 */
export const healthMigrations: Migration[] = [
  {
    name: 'health-001-state',
    sql: `
CREATE TABLE health_device (
  id          TEXT PRIMARY KEY,
  village     TEXT NOT NULL,
  district    TEXT NOT NULL,
  state       TEXT NOT NULL,
  hard        INTEGER NOT NULL,
  flapping    INTEGER NOT NULL DEFAULT 0,
  silenced    INTEGER NOT NULL DEFAULT 0,
  since       TEXT NOT NULL,
  last_seen   TEXT,
  release     TEXT,
  checks      TEXT NOT NULL DEFAULT '[]',
  attempt     INTEGER NOT NULL DEFAULT 0,
  hard_state  TEXT NOT NULL DEFAULT 'ok',
  history     TEXT NOT NULL DEFAULT '[]',
  updated_at  TEXT NOT NULL
);
CREATE TABLE health_result (
  rowid_      INTEGER PRIMARY KEY AUTOINCREMENT,
  device      TEXT NOT NULL,
  village     TEXT NOT NULL,
  at          TEXT NOT NULL,
  state       TEXT NOT NULL,
  hard        INTEGER NOT NULL,
  silenced    INTEGER NOT NULL,
  tcp_ms      REAL,
  ssh_ms      REAL,
  exec_ms     REAL,
  perf        TEXT
);
CREATE INDEX health_result_device_at ON health_result (device, at);
CREATE INDEX health_result_village_at ON health_result (village, at);
CREATE INDEX health_result_at ON health_result (at);
CREATE TABLE health_change (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  device      TEXT NOT NULL,
  from_state  TEXT,
  to_state    TEXT NOT NULL,
  hard        INTEGER NOT NULL,
  at          TEXT NOT NULL
);
CREATE INDEX health_change_device ON health_change (device, seq);
CREATE TABLE health_silence (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  device      TEXT NOT NULL,
  reason      TEXT NOT NULL,
  starts_at   TEXT NOT NULL,
  ends_at     TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  cleared_at  TEXT
);
CREATE INDEX health_silence_device ON health_silence (device);
`,
  },
];
