/**
 * The embedded state database (better-sqlite3) under $JFLEET_HOME/state/jfleet.db.
 * WAL mode so readers (status, dashboard) are never blocked by a sweep writing; a busy timeout
 * so two writers queue instead of failing. Migrations are named and applied once, in order.
 * The ground floor: it imports nothing of ours, and the caller says which schema a file gets
 * (the runner's is src/state-db.ts; the central server's is its own).
 */
import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { StorageError, storageReason } from '../errors.js';

export type Db = Database.Database;

/** One schema change. Once shipped, a migration never changes: add a new one. */
export interface Migration {
  /** unique and stable, e.g. "health-001-results" */
  name: string;
  sql: string;
}

/**
 * Opens (creating if missing) the database `file` and applies `migrations`. The file is private
 * to the owner (0600; SQLite gives its -wal and -shm files the same mode). A storage failure is a
 * StorageError naming the file. On a read-only or full file system a database whose schema is
 * current is opened read-only instead, so commands that only read still answer; their writes then
 * fail with SQLITE_READONLY, which src/main.ts reports as a storage failure.
 */
export function openDb(file: string, migrations: Migration[]): Db {
  if (file === ':memory:') return setUp(new Database(file), migrations);
  let db: Db | undefined;
  try {
    privateFile(file);
    db = setUp(new Database(file), migrations);
    return db;
  } catch (e) {
    db?.close();
    const why = storageReason(e);
    if (!why) throw e;
    if (!['SQLITE_NOTADB', 'SQLITE_CORRUPT'].includes(why.code.replace(/^(SQLITE_[A-Z]+).*/, '$1'))) {
      const ro = openReadOnly(file, migrations);
      if (ro) return ro;
    }
    throw storageError(file, e);
  }
}

/** The one-line error for a database file that cannot be used. */
export function storageError(file: string, e: unknown): StorageError {
  if (e instanceof StorageError) return e;
  const why = storageReason(e) ?? { code: String((e as { code?: unknown })?.code ?? 'error'), reason: (e as Error)?.message ?? String(e) };
  const base = why.code.replace(/^(SQLITE_[A-Z]+).*/, '$1');
  const broken = base === 'SQLITE_NOTADB' || base === 'SQLITE_CORRUPT';
  const message = broken
    ? `the state database ${file} is ${base === 'SQLITE_NOTADB' ? 'not a database' : 'corrupt'} (${(e as Error).message})`
    : `cannot use the state database ${file}: ${why.reason} (${why.code})`;
  const hint = broken
    ? `restore it from a backup, or move it aside (mv ${file} ${file}.broken) to start with an empty state`
    : 'free space on that file system or make it writable, then run the command again';
  return new StorageError(message, { file, hint, cause: e });
}

/** Creates `file` 0600 if missing (and its directory 0700), or makes an existing one 0600. */
function privateFile(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  if (!existsSync(file)) {
    closeSync(openSync(file, 'a', 0o600));
    return;
  }
  try {
    chmodSync(file, 0o600);
  } catch {
    /* not ours or a read-only file system: opening tells */
  }
}

function setUp(db: Db, migrations: Migration[]): Db {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 10000');
  db.pragma('foreign_keys = ON');
  migrate(db, migrations);
  return db;
}

/**
 * The database read-only, when its schema is current: first the file itself (works when its
 * -wal and -shm files exist), else an in-memory copy of its bytes (a WAL database whose -shm
 * cannot be created on a read-only file system), or an empty state when there is no file yet.
 * Writes to any of them fail with SQLITE_READONLY. Undefined when none works.
 */
function openReadOnly(file: string, migrations: Migration[]): Db | undefined {
  const current = (db: Db): Db | undefined => {
    try {
      db.pragma('foreign_keys = ON');
      const done = new Set((db.prepare('SELECT name FROM schema_migrations').all() as { name: string }[]).map((r) => r.name));
      if (migrations.every((m) => done.has(m.name))) return db;
    } catch {
      /* not readable this way */
    }
    db.close();
    return undefined;
  };
  if (!existsSync(file)) {
    // nothing stored yet and nowhere to store it: an empty state to read, refusing writes
    const db = setUp(new Database(':memory:'), migrations);
    db.pragma('query_only = ON');
    return db;
  }
  try {
    const db = current(new Database(file, { readonly: true, fileMustExist: true }));
    if (db) return db;
  } catch {
    /* try the copy */
  }
  try {
    const bytes = readFileSync(file);
    // bytes 18-19 say "WAL"; an in-memory image opens only as a rollback-journal database
    if (bytes.length >= 100 && bytes[18] === 2 && bytes[19] === 2) bytes[18] = bytes[19] = 1;
    const db = current(new Database(bytes));
    db?.pragma('query_only = ON');
    return db;
  } catch {
    return undefined;
  }
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
