/**
 * Every capability's tables, as named migrations applied in this order. A migration, once
 * shipped, never changes: add a new one.
 */
import { healthMigrations } from '../health/migrations.js';
import { reportMigrations } from '../report/migrations.js';
import { rolloutMigrations } from '../rollout/migrations.js';

export interface Migration {
  /** unique and stable, e.g. "health-001-results" */
  name: string;
  sql: string;
}

export const allMigrations: Migration[] = [...healthMigrations, ...reportMigrations, ...rolloutMigrations];
