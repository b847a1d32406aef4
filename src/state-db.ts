/**
 * The runner's state database ($JFLEET_HOME/state/jfleet.db) and its schema: every
 * capability's tables, as named migrations applied in this order. It sits at the top, beside
 * main.ts, because it is the one place that knows every capability's tables; capabilities are
 * handed a Db and never open this themselves.
 */
import { homePaths } from './context.js';
import { healthMigrations } from './health/migrations.js';
import { reportMigrations } from './report/migrations.js';
import { rolloutMigrations } from './rollout/migrations.js';
import { reachMigrations } from './reach/migrations.js';
import { openDb, type Db, type Migration } from './store/db.js';

export const STATE_MIGRATIONS: Migration[] = [...healthMigrations, ...reportMigrations, ...rolloutMigrations, ...reachMigrations];

export function openStateDb(home: string): Db {
  return openDb(homePaths(home).db, STATE_MIGRATIONS);
}
