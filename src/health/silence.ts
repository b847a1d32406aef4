/**
 * Silences: a device under repair does not alert until the silence ends or is cleared.
 * A maintenance window in health.yaml is the recurring kind; this is the one-off kind.
 * Their rows are in store.ts; here is the duration a technician types.
 */
import { UserError } from '../errors.js';

/** "2d", "36h", "90m", "1w" → milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(m|min|h|d|w)$/i.exec(text.trim());
  if (!m) throw new UserError(`--for takes a duration like 90m, 36h, 2d or 1w, not "${text}"`);
  const unit = { m: 60_000, min: 60_000, h: 3600_000, d: 86400_000, w: 7 * 86400_000 }[m[2]!.toLowerCase() as 'm']; // both groups take part in every match;
  const ms = Number(m[1]) * unit;
  if (ms <= 0 || ms > 366 * 86400_000) throw new UserError(`--for must be between 1 minute and a year, not "${text}"`);
  return ms;
}
