import type { Migration } from '../store/migrations.js';

/** Tables of src/health/. */
export const healthMigrations: Migration[] = [];
