import type { Migration } from '../store/migrations.js';

/** Tables of src/rollout/. */
export const rolloutMigrations: Migration[] = [];
