import type { Migration } from '../store/db.js';

/** Tables of the reference central server, in its own database file. */
export const centralMigrations: Migration[] = [
  {
    name: 'central-001-reports',
    sql: `
      CREATE TABLE central_reports (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        report_id TEXT NOT NULL UNIQUE,
        runner_id TEXT NOT NULL,
        runner_name TEXT NOT NULL,
        created_at TEXT NOT NULL,
        received_at TEXT NOT NULL,
        packages INTEGER NOT NULL,
        changes INTEGER NOT NULL,
        body TEXT NOT NULL
      );
      CREATE TABLE central_packages (
        id TEXT PRIMARY KEY,
        snapshot TEXT NOT NULL,
        state TEXT NOT NULL,
        release TEXT,
        report_id TEXT NOT NULL,
        reported_at TEXT NOT NULL,
        runner_name TEXT NOT NULL
      );
      CREATE TABLE central_history (
        report_seq INTEGER NOT NULL,
        package_id TEXT NOT NULL,
        report_id TEXT NOT NULL,
        at TEXT NOT NULL,
        state TEXT NOT NULL,
        release TEXT,
        last_seen TEXT,
        PRIMARY KEY (package_id, report_seq)
      );
      CREATE TABLE central_changes (
        report_seq INTEGER NOT NULL,
        package_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        from_state TEXT,
        to_state TEXT NOT NULL,
        hard INTEGER NOT NULL,
        at TEXT NOT NULL
      );
      CREATE INDEX central_changes_package ON central_changes (package_id, at);
    `,
  },
  {
    // The order in which snapshots replace each other: the report's createdAt, but never later
    // than the server received it (a runner's clock cannot put a report ahead of the server's).
    // Rows written before this column existed are ordered the same way.
    name: 'central-002-order-by-server-clock',
    sql: `
      ALTER TABLE central_packages ADD COLUMN order_ms INTEGER NOT NULL DEFAULT 0;
      UPDATE central_packages SET order_ms = coalesce((
        SELECT CAST(round((min(julianday(r.created_at), julianday(r.received_at)) - 2440587.5) * 86400000) AS INTEGER)
        FROM central_reports r WHERE r.report_id = central_packages.report_id), 0);
    `,
  },
];
