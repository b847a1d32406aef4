import type { Migration } from '../store/db.js';

/** The tunnel of each reach: tunnel package, as the runner last saw it (src/reach/status.ts). */
export const reachMigrations: Migration[] = [
  {
    name: 'reach-001-tunnel',
    sql: `
CREATE TABLE tunnel_status (
  id               TEXT PRIMARY KEY,
  bastion          TEXT NOT NULL,
  state            TEXT NOT NULL,
  connected_since  TEXT,
  last_seen        TEXT,
  checked_at       TEXT NOT NULL,
  error            TEXT
);`,
  },
  {
    name: 'reach-002-tunnel-port',
    sql: 'ALTER TABLE tunnel_status ADD COLUMN port INTEGER;',
  },
];
