/**
 * The embedded state database (better-sqlite3) under $JFLEET_HOME/state/jfleet.db.
 * WAL mode so readers (status, dashboard) are never blocked by a sweep writing; a busy timeout
 * so two writers queue instead of failing. Migrations are named and applied once, in order.
 * The ground floor: it imports nothing of ours, and the caller says which schema a file gets
 * (the runner's is src/state-db.ts; the central server's is its own).
 */
import Database from 'better-sqlite3';
import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

export type Db = Database.Database;

/** One schema change. Once shipped, a migration never changes: add a new one. */
export interface Migration {
  /** unique and stable, e.g. "health-001-results" */
  name: string;
  sql: string;
}

export function openDb(file: string, migrations: Migration[]): Db {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const db = new Database(file);
  // Only its owner may read it (reasons of failed sends, the central server's reports): SQLite
  // creates the -wal and -shm files with the main file's mode.
  if (file !== ':memory:') ownerOnly(file);
  db.pragma('journal_mode = WAL');
  if (file !== ':memory:') for (const f of [`${file}-wal`, `${file}-shm`]) if (existsSync(f)) ownerOnly(f);
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 10000');
  db.pragma('foreign_keys = ON');
  migrate(db, migrations);
  return db;
}

export function migrate(db: Db, migrations: Migration[]): string[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    name TEXT PRIMARY KEY,
    applied_at TEXT NOT NULL
  )`);
  const done = new Set((db.prepare('SELECT name FROM schema_migrations').all() as { name: string }[]).map((r) => r.name));
  const applied: string[] = [];
  const record = db.prepare('INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)');
  for (const m of migrations) {
    if (done.has(m.name)) continue;
    // IMMEDIATE: two processes opening a fresh database at once must not both migrate.
    db.transaction(() => {
      const again = db.prepare('SELECT 1 FROM schema_migrations WHERE name = ?').get(m.name);
      if (again) return;
      db.exec(m.sql);
      record.run(m.name, new Date().toISOString());
      applied.push(m.name);
    }).immediate();
  }
  return applied;
}

function ownerOnly(file: string): void {
  try {
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  } catch {
    /* not ours to change (another user's file opened read-only): leave it */
  }
}
