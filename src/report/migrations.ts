import type { Migration } from '../store/migrations.js';

/** Tables of src/report/. */
export const reportMigrations: Migration[] = [];
