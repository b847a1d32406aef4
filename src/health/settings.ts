/**
 * Health settings, kept with the fleet as a reviewable file: <inventory>/health.yaml.
 *
 *   thresholds: { disk_warn_pct: 15, max_attempts: 3 }      # defaults for every device
 *   groups:                                                 # later groups win; device vars win last
 *     - limit: "Kencong,Gumukmas"                           # any selector
 *       thresholds: { upstream_state: critical }
 *   probe: { gateway: auto, internet: 1.1.1.1, dns_name: jemberkab.go.id, api_url: https://… }
 *   maintenance:                                            # local time (utc_offset, default +07:00, WIB)
 *     - { limit: "tag:nightly-reboot", days: [mon, tue, wed, thu, fri, sat, sun], from: "02:00", to: "02:30" }
 *   retention_days: 90
 *   timeout_ms: 15000
 *
 * parseHealthSettings is pure; loadHealthSettings reads the file (absent = defaults).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { MAX_YAML_ALIASES, yamlMessage, type InputIssue } from '../errors.js';
import { parseThresholds, type Thresholds } from './thresholds.js';
import type { ProbeTargets } from './probe.js';

export interface MaintenanceWindow {
  limit?: string;
  /** 0 = Sunday … 6 = Saturday */
  days: number[];
  /** minutes after local midnight; to < from wraps past midnight */
  fromMin: number;
  toMin: number;
}

export interface HealthSettings {
  thresholds: Partial<Thresholds>;
  groups: Array<{ limit: string; thresholds: Partial<Thresholds> }>;
  probe: ProbeTargets;
  maintenance: MaintenanceWindow[];
  utcOffsetMin: number;
  retentionDays: number;
  timeoutMs: number;
  connectTimeoutMs: number;
}

export const DEFAULT_SETTINGS: HealthSettings = {
  thresholds: {},
  groups: [],
  probe: { gateway: 'auto', internet: '1.1.1.1', dnsName: 'jemberkab.go.id' },
  maintenance: [],
  utcOffsetMin: 7 * 60,
  retentionDays: 90,
  timeoutMs: 15_000,
  connectTimeoutMs: 8_000,
};

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** Ten years of results at most; timers past 10 minutes are a typo (and Node caps them at 2^31 ms). */
export const MAX_RETENTION_DAYS = 3650;
export const MAX_TIMEOUT_MS = 600_000;

export function healthSettingsFile(inventoryDir: string): string {
  return join(inventoryDir, 'health.yaml');
}

export function loadHealthSettings(inventoryDir: string): { value: HealthSettings; issues: InputIssue[] } {
  const file = healthSettingsFile(inventoryDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { value: structuredClone(DEFAULT_SETTINGS), issues: [] };
    throw e;
  }
  return parseHealthSettings(text, file);
}

export function parseHealthSettings(text: string, file: string): { value: HealthSettings; issues: InputIssue[] } {
  const issues: InputIssue[] = [];
  const value = structuredClone(DEFAULT_SETTINGS);
  const doc = parseDocument(text);
  for (const e of doc.errors) issues.push({ file, message: `YAML: ${yamlMessage(e.message)}` });
  let raw: Record<string, unknown>;
  try {
    raw = (doc.toJS({ maxAliasCount: MAX_YAML_ALIASES }) ?? {}) as Record<string, unknown>;
  } catch (e) {
    // an alias bomb ("billion laughs") or nesting past the stack: refused, not expanded
    return { value, issues: [...issues, { file, message: `YAML: ${yamlMessage(e instanceof Error ? e.message : String(e))}` }] };
  }
  if (typeof raw !== 'object' || Array.isArray(raw)) return { value, issues: [...issues, { file, message: 'expected a mapping' }] };
  const obj = (v: unknown, field: string): Record<string, unknown> => {
    if (v === undefined || v === null) return {};
    if (typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    issues.push({ file, field, message: 'must be a mapping' });
    return {};
  };
  const th = (v: unknown, field: string) => {
    const r = parseThresholds(obj(v, field), field);
    for (const i of r.issues) issues.push({ file, field: i.key, message: i.message });
    return r.value;
  };
  for (const k of Object.keys(raw)) {
    if (!['thresholds', 'groups', 'probe', 'maintenance', 'retention_days', 'timeout_ms', 'connect_timeout_ms', 'utc_offset'].includes(k)) issues.push({ file, field: k, message: 'unknown setting' });
  }
  value.thresholds = th(raw.thresholds, 'thresholds');
  if (raw.groups !== undefined) {
    if (!Array.isArray(raw.groups)) issues.push({ file, field: 'groups', message: 'must be a list of { limit, thresholds }' });
    else
      raw.groups.forEach((g: unknown, i) => {
        const o = obj(g, `groups[${i}]`);
        if (typeof o.limit !== 'string' || o.limit.trim() === '') issues.push({ file, field: `groups[${i}].limit`, message: 'must be a selector' });
        else value.groups.push({ limit: o.limit, thresholds: th(o.thresholds, `groups[${i}].thresholds`) });
      });
  }
  const probe = obj(raw.probe, 'probe');
  const names: Record<string, keyof ProbeTargets> = { gateway: 'gateway', internet: 'internet', portal_url: 'portalUrl', api_url: 'apiUrl', dns_name: 'dnsName' };
  for (const [k, v] of Object.entries(probe)) {
    const key = names[k];
    if (!key) issues.push({ file, field: `probe.${k}`, message: `unknown probe setting (known: ${Object.keys(names).join(', ')})` });
    else if (v === null || v === false || v === '') value.probe[key] = undefined;
    else if (typeof v !== 'string' || /[\u0000-\u001f\u007f]/.test(v)) issues.push({ file, field: `probe.${k}`, message: 'must be text' });
    else value.probe[key] = v;
  }
  const int = (v: unknown, field: string, min: number, max: number): number | undefined => {
    if (v === undefined) return undefined;
    if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) return v;
    issues.push({ file, field, message: `must be a whole number from ${min} to ${max}` });
    return undefined;
  };
  // bounded: 1e300 days would put the pruning cut-off before any date there is
  value.retentionDays = int(raw.retention_days, 'retention_days', 1, MAX_RETENTION_DAYS) ?? value.retentionDays;
  value.timeoutMs = int(raw.timeout_ms, 'timeout_ms', 500, MAX_TIMEOUT_MS) ?? value.timeoutMs;
  value.connectTimeoutMs = int(raw.connect_timeout_ms, 'connect_timeout_ms', 500, MAX_TIMEOUT_MS) ?? value.connectTimeoutMs;
  if (raw.utc_offset !== undefined) {
    const m = /^([+-])(\d{2}):(\d{2})$/.exec(String(raw.utc_offset));
    if (!m) issues.push({ file, field: 'utc_offset', message: 'must look like +07:00' });
    else value.utcOffsetMin = (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
  }
  if (raw.maintenance !== undefined) {
    if (!Array.isArray(raw.maintenance)) issues.push({ file, field: 'maintenance', message: 'must be a list of windows' });
    else
      raw.maintenance.forEach((w: unknown, i) => {
        const o = obj(w, `maintenance[${i}]`);
        const f = `maintenance[${i}]`;
        const from = hhmm(o.from);
        const to = hhmm(o.to);
        if (from === null) issues.push({ file, field: `${f}.from`, message: 'must be a time like "02:00"' });
        if (to === null) issues.push({ file, field: `${f}.to`, message: 'must be a time like "02:30"' });
        let days = [0, 1, 2, 3, 4, 5, 6];
        if (o.days !== undefined) {
          const list = Array.isArray(o.days) ? o.days.map((d) => DAYS.indexOf(String(d).toLowerCase().slice(0, 3))) : [-1];
          if (list.includes(-1)) issues.push({ file, field: `${f}.days`, message: `must be a list of ${DAYS.join(', ')}` });
          else days = list;
        }
        if (o.limit !== undefined && typeof o.limit !== 'string') issues.push({ file, field: `${f}.limit`, message: 'must be a selector' });
        if (from !== null && to !== null) value.maintenance.push({ limit: o.limit as string | undefined, days, fromMin: from, toMin: to });
      });
  }
  return { value, issues };
}

function hhmm(v: unknown): number | null {
  const m = /^(\d{1,2}):(\d{2})$/.exec(String(v ?? ''));
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) return null;
  return Number(m[1]) * 60 + Number(m[2]);
}

/** Pure: is `now` inside the window, in the fleet's local time? */
export function inMaintenance(w: MaintenanceWindow, now: Date, utcOffsetMin: number): boolean {
  const local = new Date(now.getTime() + utcOffsetMin * 60_000);
  const day = local.getUTCDay();
  const min = local.getUTCHours() * 60 + local.getUTCMinutes();
  if (w.fromMin <= w.toMin) return w.days.includes(day) && min >= w.fromMin && min < w.toMin;
  // wraps past midnight: the part after midnight belongs to the previous day's window
  if (min >= w.fromMin) return w.days.includes(day);
  if (min < w.toMin) return w.days.includes((day + 6) % 7);
  return false;
}
