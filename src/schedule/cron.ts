/** A cron expression checked the way the daemon (node-cron) will read it: one place for schedule run, schedule install and config set. */
import cron from 'node-cron';
import { UserError } from '../errors.js';

/** Throws a one-line UserError naming where the expression came from (`what`: "--cron", "config schedule.sweep"…). */
export function validateCron(expr: string, what: string): void {
  if (!cron.validate(expr))
    throw new UserError(`${what} is not a valid cron expression: "${expr}"`, {
      hint: 'five fields (minute hour day month weekday), or six with seconds first, e.g. "*/15 * * * *"',
    });
}
