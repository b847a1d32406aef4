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
import { join } from 'node:path';
import { isIP } from 'node:net';
import { isMap, isScalar, LineCounter, parseDocument, type Node } from 'yaml';
import { yamlMessage, type InputIssue } from '../errors.js';
import { readInputFile } from '../input-file.js';
import { MAX_ALIAS_COUNT, unknownKeyMessage, YAML_PARSE_OPTIONS, yamlErrorLine, yamlTextIssue, yamlTreeIssues } from '../yaml-guard.js';
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
  // a regular file of at most MAX_INPUT_BYTES; anything else is one UserError line
  const text = readInputFile(file);
  if (text === undefined) return { value: structuredClone(DEFAULT_SETTINGS), issues: [] };
  return parseHealthSettings(text, file);
}

export function parseHealthSettings(text: string, file: string): { value: HealthSettings; issues: InputIssue[] } {
  const issues: InputIssue[] = [];
  const value = structuredClone(DEFAULT_SETTINGS);
  const textIssue = yamlTextIssue(text, file);
  if (textIssue) return { value, issues: [textIssue] };
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, ...YAML_PARSE_OPTIONS });
  const lineAt = (path: string[]): number | undefined => {
    const node = doc.getIn(path, true) as Node | undefined;
    return node?.range ? lc.linePos(node.range[0]).line : undefined;
  };
  for (const e of [...doc.errors, ...doc.warnings]) issues.push({ file, line: yamlErrorLine(e, text, lc), message: yamlMessage(e) });
  if (issues.length) return { value, issues };
  const tree = yamlTreeIssues(doc, file, lc);
  if (tree.length) return { value, issues: tree };
  let raw: Record<string, unknown>;
  try {
    raw = (doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {}) as Record<string, unknown>;
  } catch (e) {
    // an alias bomb ("billion laughs") or nesting past the stack: refused, not expanded
    return { value, issues: [{ file, message: yamlMessage(e) }] };
  }
  if (typeof raw !== 'object' || Array.isArray(raw)) return { value, issues: [...issues, { file, message: 'expected a mapping' }] };
  const keyLine = (k: string): number | undefined => {
    if (!isMap(doc.contents)) return undefined;
    const pair = doc.contents.items.find((p) => isScalar(p.key) && String(p.key.value) === k);
    const r = (pair?.key as Node | undefined)?.range;
    return r ? lc.linePos(r[0]).line : undefined;
  };
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
  const known = ['thresholds', 'groups', 'probe', 'maintenance', 'retention_days', 'timeout_ms', 'connect_timeout_ms', 'utc_offset'];
  for (const k of Object.keys(raw)) {
    if (!known.includes(k))
      issues.push({
        file,
        line: keyLine(k),
        field: k.replace(/[\u0000-\u001f\u007f-\u009f\uFEFF]/g, '?').slice(0, 60),
        message: `unknown setting: ${unknownKeyMessage(k, known)}`,
      });
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
  const names: Record<string, keyof ProbeTargets> = {
    gateway: 'gateway',
    internet: 'internet',
    portal_url: 'portalUrl',
    api_url: 'apiUrl',
    dns_name: 'dnsName',
  };
  for (const [k, v] of Object.entries(probe)) {
    const key = names[k];
    if (!key) issues.push({ file, field: `probe.${k}`, message: `unknown probe setting (known: ${Object.keys(names).join(', ')})` });
    else if (v === null || v === false || v === '') value.probe[key] = undefined;
    else {
      // each value becomes an operand of curl, ping or getent on every device: never an option
      const bad = typeof v !== 'string' ? 'must be text' : probeTargetProblem(key, v);
      if (bad) issues.push({ file, line: lineAt(['probe', k]), field: `probe.${k}`, message: bad });
      else value.probe[key] = v as string;
    }
  }
  const int = (v: unknown, field: string, min: number, max: number): number | undefined => {
    if (v === undefined) return undefined;
    if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) return v;
    issues.push({ file, line: keyLine(field), field, message: `must be a whole number from ${min} to ${max}` });
    return undefined;
  };
  // bounded: 1e300 days would put the pruning cut-off before any date there is
  value.retentionDays = int(raw.retention_days, 'retention_days', 1, MAX_RETENTION_DAYS) ?? value.retentionDays;
  // timers take at most 2^31-1 ms (a larger one fires after 1 ms): at most a day
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
  // a finding named by its field and no line (a threshold, a group's limit) gets the line of that field
  const pathOf = (field: string) =>
    field
      .split(/\.|\[(\d+)\]/)
      .filter((p) => p !== undefined && p !== '')
      .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  for (const i of issues) if (i.line === undefined && i.field) i.line = lineAt(pathOf(i.field) as string[]) ?? lineAt(pathOf(i.field).slice(0, -1) as string[]);
  return { value, issues };
}

/** RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens (a trailing dot allowed). */
const HOST_NAME_RE = /^(?=.{1,253}\.?$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/** Pure: why a probe target cannot be used (null = it can). */
export function probeTargetProblem(key: keyof ProbeTargets, v: string): string | null {
  const shown = JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v);
  if (/[\s\u0000-\u001f\u007f-\u009f]/.test(v)) return `must not contain spaces or control characters (got ${shown})`;
  if (v.startsWith('-')) return `must not start with "-" (got ${shown}): it would reach the device's command as an option`;
  if (key === 'portalUrl' || key === 'apiUrl') {
    let u: URL | null = null;
    try {
      u = new URL(v);
    } catch {
      u = null;
    }
    if (!u || !/^https?:$/.test(u.protocol) || !/^https?:\/\//i.test(v) || u.hostname === '')
      return `must be an http(s) URL, e.g. https://portal.example.id/ (got ${shown})`;
    return null;
  }
  if (key === 'dnsName') return HOST_NAME_RE.test(v) ? null : `must be a host name (RFC 1123), e.g. jemberkab.go.id (got ${shown})`;
  // gateway ("auto" = the default route) and internet: ping targets
  if (key === 'gateway' && v === 'auto') return null;
  if (isIP(v) || HOST_NAME_RE.test(v)) return null;
  return `must be an IP address or a host name${key === 'gateway' ? ' (or auto)' : ''} (got ${shown})`;
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
