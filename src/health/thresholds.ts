/**
 * Check thresholds: defaults, overridden per group (config "health.groups": selector → values)
 * and per device (package vars "health_<snake_name>", e.g. health_disk_warn_pct: "20").
 * Pure.
 */
import type { CheckState } from './types.js';

export interface Thresholds {
  /** free space on / in percent: below warn → warn, below crit → critical */
  diskWarnPct: number;
  diskCritPct: number;
  /** available memory in percent */
  memWarnPct: number;
  memCritPct: number;
  /** 5-minute load per CPU */
  loadWarn: number;
  loadCrit: number;
  /** CPU temperature, °C */
  tempWarnC: number;
  tempCritC: number;
  /** absolute clock offset, seconds */
  timeOffsetWarnS: number;
  timeOffsetCritS: number;
  /** after a reboot outside the nightly window, the uptime check warns until the device is up this long (s) */
  uptimeWarnS: number;
  /** the nightly reboot window: its start in minutes after local midnight (03:30 = 210) and its length */
  rebootWindowStartMin: number;
  rebootWindowMin: number;
  /** local kiosk page answer time, seconds */
  pageWarnS: number;
  /** auto: no DRM subsystem at all = headless device (ok); required: missing = critical; ignore */
  display: 'auto' | 'required' | 'ignore';
  /** state given when the portal or the central API cannot be reached */
  upstreamState: CheckState;
  /** round-trip time to gateway / internet, ms, and loss in percent */
  rttWarnMs: number;
  rttCritMs: number;
  lossWarnPct: number;
  lossCritPct: number;
  /** consecutive non-ok observations before a state becomes hard */
  maxAttempts: number;
  /** percent state change (Nagios-style, weighted) that starts / ends flapping */
  flapHighPct: number;
  flapLowPct: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = {
  diskWarnPct: 15,
  diskCritPct: 5,
  memWarnPct: 10,
  memCritPct: 5,
  loadWarn: 2,
  loadCrit: 4,
  tempWarnC: 80,
  tempCritC: 90,
  timeOffsetWarnS: 2,
  timeOffsetCritS: 30,
  uptimeWarnS: 3600,
  // the recipe's reboot timer: 03:30 with up to 20 min of jitter, plus time to boot
  rebootWindowStartMin: 210,
  rebootWindowMin: 30,
  pageWarnS: 2,
  display: 'auto',
  upstreamState: 'warn',
  rttWarnMs: 500,
  rttCritMs: 2000,
  lossWarnPct: 10,
  lossCritPct: 50,
  maxAttempts: 3,
  flapHighPct: 30,
  flapLowPct: 20,
};

const ENUMS: Partial<Record<keyof Thresholds, readonly string[]>> = {
  display: ['auto', 'required', 'ignore'],
  upstreamState: ['ok', 'warn', 'critical', 'unknown'],
};

export interface ThresholdIssue {
  key: string;
  message: string;
}

/**
 * Validate a partial set of thresholds from config or package vars (values may be strings).
 * `prefix` is what the file puts before a name (package vars: "health_"), so a refusal names
 * every key as the file spells it (disk_warn_pct, not the code's diskWarnPct).
 */
export function parseThresholds(input: Record<string, unknown>, where: string, prefix = ''): { value: Partial<Thresholds>; issues: ThresholdIssue[] } {
  const value: Record<string, unknown> = {};
  const issues: ThresholdIssue[] = [];
  for (const [rawKey, raw] of Object.entries(input)) {
    const key = rawKey.includes('_') ? snakeToCamel(rawKey) : rawKey;
    // own keys only: a key such as valueOf or __proto__ is unknown, not a method of Object.prototype
    if (!Object.hasOwn(DEFAULT_THRESHOLDS, key)) {
      const known = Object.keys(DEFAULT_THRESHOLDS).map((k) => prefix + camelToSnake(k));
      issues.push({ key: `${where}.${prefix}${rawKey}`, message: `unknown threshold (known: ${known.join(', ')})` });
      continue;
    }
    const k = key as keyof Thresholds;
    const allowed = Object.hasOwn(ENUMS, k) ? ENUMS[k] : undefined;
    if (allowed) {
      if (typeof raw !== 'string' || !allowed.includes(raw)) issues.push({ key: `${where}.${rawKey}`, message: `must be one of ${allowed.join(', ')}` });
      else value[k] = raw;
      continue;
    }
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
    if (!Number.isFinite(n) || n < 0) issues.push({ key: `${where}.${rawKey}`, message: 'must be a number of at least 0' });
    else if (k === 'maxAttempts' && (!Number.isInteger(n) || n < 1))
      issues.push({ key: `${where}.${rawKey}`, message: 'must be a whole number of at least 1' });
    else value[k] = n;
  }
  return { value: value as Partial<Thresholds>, issues };
}

/** diskWarnPct → disk_warn_pct, as health.yaml and package vars spell a threshold. */
export function camelToSnake(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function snakeToCamel(s: string): string {
  return s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Device-level overrides from package vars: health_disk_warn_pct → diskWarnPct. */
export function thresholdsFromVars(vars: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(vars ?? {})) if (k.startsWith('health_')) out[k.slice('health_'.length)] = v;
  return out;
}

/** Defaults, then each matching group in order, then the device's own: later wins. */
export function mergeThresholds(...layers: Array<Partial<Thresholds> | undefined>): Thresholds {
  return Object.assign({}, DEFAULT_THRESHOLDS, ...layers.filter(Boolean)) as Thresholds;
}
