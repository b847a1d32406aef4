import type { Migration } from '../store/db.js';

/**
 * Tables of src/report/ in the runner's database.
 * report_outbox: every report, written before any attempt to send it; delivered in seq order.
 * report_meta: the runner's identity, the state-change cursor, and the sender lease.
 */
export const reportMigrations: Migration[] = [
  {
    name: 'report-001-outbox',
    sql: `
      CREATE TABLE report_outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        report_id TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        body TEXT NOT NULL,
        packages INTEGER NOT NULL DEFAULT 0,
        changes INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT,
        -- 1 when next_attempt_at is the server's Retry-After: honoured even by a forced send
        server_delay INTEGER NOT NULL DEFAULT 0,
        last_attempt_at TEXT,
        last_error TEXT,
        delivered_at TEXT,
        duplicate INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX report_outbox_status ON report_outbox (status, seq);
      CREATE TABLE report_meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `,
  },
  {
    // A long outage queues hundreds of full snapshots: keep them gzip-compressed (about 20x
    // smaller). Rows written before this migration keep their text body.
    name: 'report-002-outbox-gzip',
    sql: `ALTER TABLE report_outbox ADD COLUMN body_gzip BLOB;`,
  },
];
