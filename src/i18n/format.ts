/**
 * Dates, times and numbers as people read them: in the fleet's time zone (config `timeZone`,
 * default Asia/Jakarta, shown as WIB) and the language's conventions, through Intl. Pure.
 * Machine output (--json, files, events) keeps ISO 8601 UTC and never comes through here.
 */
export const DEFAULT_TIME_ZONE = 'Asia/Jakarta';

/** Indonesia's zones by the names people say (Intl gives GMT+7 and the like outside id-ID). */
const INDONESIAN_ZONES: Record<string, string> = {
  'Asia/Jakarta': 'WIB',
  'Asia/Pontianak': 'WIB',
  'Asia/Makassar': 'WITA',
  'Asia/Jayapura': 'WIT',
};

export interface Formats {
  locale: string;
  timeZone: string;
}

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export function zoneLabel(f: Formats, at: Date = new Date(0)): string {
  const known = INDONESIAN_ZONES[f.timeZone];
  if (known) return known;
  if (f.timeZone === 'UTC' || f.timeZone === 'Etc/UTC') return 'UTC';
  const part = new Intl.DateTimeFormat(f.locale, { timeZone: f.timeZone, timeZoneName: 'short' }).formatToParts(at).find((p) => p.type === 'timeZoneName');
  return part?.value ?? f.timeZone;
}

function parts(f: Formats, d: Date, opts: Intl.DateTimeFormatOptions): string {
  return new Intl.DateTimeFormat(f.locale, { timeZone: f.timeZone, ...opts }).format(d);
}

/** "2 Dec 2026, 08:33 WIB" (en) / "2 Des 2026 08.33 WIB" (id) */
export function dateTime(f: Formats, d: Date | string): string {
  const at = typeof d === 'string' ? new Date(d) : d;
  if (Number.isNaN(at.getTime())) return String(d);
  return dateAnd(f, at, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
}

/** A log line's time, to the second: "2 Dec 2026, 08:33:05 WIB" (en) / "2 Des 2026 08.33.05 WIB" (id) */
export function logTime(f: Formats, d: Date): string {
  if (Number.isNaN(d.getTime())) return String(d);
  return dateAnd(f, d, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
}

function dateAnd(f: Formats, at: Date, time: Intl.DateTimeFormatOptions): string {
  const date = parts(f, at, { day: 'numeric', month: 'short', year: 'numeric' });
  return `${date}${f.locale.startsWith('en') ? ',' : ''} ${parts(f, at, time)} ${zoneLabel(f, at)}`;
}

/** "08:33:05 WIB" / "08.33.05 WIB" */
export function timeOfDay(f: Formats, d: Date | string): string {
  const at = typeof d === 'string' ? new Date(d) : d;
  if (Number.isNaN(at.getTime())) return String(d);
  return `${parts(f, at, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })} ${zoneLabel(f, at)}`;
}

/** 1,234.5 (en) / 1.234,5 (id) */
export function number(f: Formats, n: number, maximumFractionDigits = 1): string {
  return new Intl.NumberFormat(f.locale, { maximumFractionDigits }).format(n);
}

/** A number with exactly `digits` decimals, for a column (a coordinate): -8.31828 (en) / -8,31828 (id) */
export function decimal(f: Formats, n: number, digits: number): string {
  return new Intl.NumberFormat(f.locale, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(n);
}

/** 99.5% (en) / 99,5% (id), with a fixed number of decimals so columns line up */
export function percent(f: Formats, ratio: number, fractionDigits = 1): string {
  return new Intl.NumberFormat(f.locale, { style: 'percent', minimumFractionDigits: fractionDigits, maximumFractionDigits: fractionDigits }).format(ratio);
}
