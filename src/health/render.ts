/**
 * Text renderings of sweeps, status and history. Pure: data in, lines out.
 */
import { formatDuration } from './checks.js';
import { HEALTH_STATES, type DeviceStatus, type HealthState, type StateChange, type SweepSummary } from './types.js';
import type { HistoryEntry, VillageAvailability } from './store.js';

export type Paint = (state: HealthState, text: string) => string;
export const plain: Paint = (_s, t) => t;

const LABEL: Record<HealthState, string> = { ok: 'ok', warn: 'warn', critical: 'critical', unknown: 'unknown', unreachable: 'unreachable' };

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}
function lpad(s: string, n: number): string {
  return s.length >= n ? s : ' '.repeat(n - s.length) + s;
}

export function ago(fromIso: string, now: Date): string {
  const s = Math.max(0, (now.getTime() - Date.parse(fromIso)) / 1000);
  return formatDuration(s);
}

function flags(d: DeviceStatus): string {
  const f: string[] = [d.hard ? 'HARD' : 'soft'];
  if (d.flapping) f.push('FLAPPING');
  if (d.silenced) f.push('silenced');
  return f.join(',');
}

function problem(d: DeviceStatus): string {
  const bad = d.checks.filter((c) => c.state !== 'ok' && c.state !== 'unknown');
  const core = d.checks.filter((c) => c.state === 'unknown' && ['load', 'memory', 'disk', 'kiosk_browser', 'kiosk_page', 'ssh'].includes(c.name));
  return [...bad, ...core].map((c) => c.output).join('; ');
}

export function countsLine(counts: Record<HealthState, number>, paint: Paint = plain): string {
  return HEALTH_STATES.map((s) => paint(s, `${LABEL[s]} ${counts[s]}`)).join(' · ');
}

export function renderSweep(s: SweepSummary, now: Date, paint: Paint = plain): string[] {
  const lines: string[] = [];
  lines.push(`sweep of ${s.total} device(s) in ${(s.durationMs / 1000).toFixed(1)} s: ${countsLine(s.counts, paint)}`);
  const problems = s.devices.filter((d) => d.status.state !== 'ok').sort((a, b) => a.status.id.localeCompare(b.status.id));
  for (const d of problems) {
    lines.push(
      `  ${pad(d.status.id, 28)} ${paint(d.status.state, pad(d.status.state, 11))} ${pad(flags(d.status), 14)} since ${ago(d.status.since, now)}  ${problem(d.status)}`,
    );
  }
  const soft = s.devices.filter((d) => d.status.state !== 'ok' && !d.status.hard).length;
  const quiet = s.devices.filter((d) => d.status.state !== 'ok' && d.status.hard && !d.alerting).length;
  const alert = s.devices.filter((d) => d.alerting).length;
  lines.push(`${alert} alerting (hard), ${soft} soft (not confirmed yet), ${quiet} hard but silenced or flapping; worst alerting state: ${s.worst}`);
  const standIns = s.devices.filter((d) => isStandIn(d.status)).length;
  if (standIns) lines.push(`${standIns} device(s) run the lab's stand-in browser: no real browser or screen was checked there`);
  return lines;
}

/** A lab device whose kiosk is the stand-in (its kiosk_browser check says so). */
export function isStandIn(d: DeviceStatus): boolean {
  return d.checks.some((c) => c.name === 'kiosk_browser' && c.perfdata.stand_in === 1);
}

export interface DistrictGroup {
  district: string;
  counts: Record<HealthState, number>;
  devices: DeviceStatus[];
}

export function groupByDistrict(list: DeviceStatus[]): DistrictGroup[] {
  const by = new Map<string, DistrictGroup>();
  for (const d of list) {
    let g = by.get(d.district);
    if (!g) by.set(d.district, (g = { district: d.district, counts: { ok: 0, warn: 0, critical: 0, unknown: 0, unreachable: 0 }, devices: [] }));
    g.counts[d.state]++;
    g.devices.push(d);
  }
  return [...by.values()].sort((a, b) => a.district.localeCompare(b.district));
}

export function renderStatus(list: DeviceStatus[], now: Date, paint: Paint = plain): string[] {
  if (list.length === 0) return ['no sweep results yet: run jfleet sweep'];
  const total: Record<HealthState, number> = { ok: 0, warn: 0, critical: 0, unknown: 0, unreachable: 0 };
  for (const d of list) total[d.state]++;
  const lines = [`${list.length} device(s): ${countsLine(total, paint)}`, ''];
  lines.push(`${pad('DISTRICT', 22)}${HEALTH_STATES.map((s) => lpad(s === 'unreachable' ? 'unreach' : s, 9)).join('')}`);
  for (const g of groupByDistrict(list)) {
    lines.push(`${pad(g.district, 22)}${HEALTH_STATES.map((s) => (g.counts[s] ? paint(s, lpad(String(g.counts[s]), 9)) : lpad('·', 9))).join('')}`);
    for (const d of g.devices.filter((x) => x.state !== 'ok').sort((a, b) => a.id.localeCompare(b.id))) {
      lines.push(`    ${pad(d.id, 26)} ${paint(d.state, pad(d.state, 11))} ${pad(flags(d), 14)} since ${pad(ago(d.since, now), 8)} ${problem(d)}`);
    }
  }
  return lines;
}

export function renderHistory(
  id: string,
  status: DeviceStatus | null,
  changes: StateChange[],
  entries: HistoryEntry[],
  now: Date,
  paint: Paint = plain,
): string[] {
  const lines: string[] = [];
  if (status) {
    lines.push(
      `${id}: ${paint(status.state, status.state)} (${flags(status)}) since ${status.since} (${ago(status.since, now)}); last seen ${status.lastSeen ?? 'never'}; release ${status.release ?? '-'}`,
    );
    for (const c of status.checks) lines.push(`  ${pad(c.name, 14)} ${paint(c.state, pad(c.state, 9))} ${c.output}`);
  } else lines.push(`${id}: never swept`);
  const n = entries.length;
  const latest = entries.at(-1);
  if (latest) {
    const up = entries.filter((e) => e.state === 'ok' || e.state === 'warn').length;
    lines.push('', `availability: ${((up / n) * 100).toFixed(1)}% of ${n} sweep(s) since ${latest.at}`);
  }
  if (changes.length) {
    lines.push('', 'state changes (newest first):');
    for (const c of changes) lines.push(`  ${c.at}  ${c.from ?? '(new)'} → ${paint(c.to, c.to)}${c.hard ? ' HARD' : ' soft'}`);
  }
  return lines;
}

export function renderAvailability(list: VillageAvailability[], names: Map<string, string>, days: number): string[] {
  if (list.length === 0) return [`no sweep results in the last ${days} day(s)`];
  const lines = [
    `availability per village, last ${days} day(s) (ok or warn / all sweeps):`,
    `${pad('VILLAGE', 14)} ${pad('NAME', 24)} ${lpad('AVAIL', 7)} ${lpad('SWEEPS', 7)}  unreachable critical`,
  ];
  for (const v of [...list].sort((a, b) => a.available - b.available || a.village.localeCompare(b.village))) {
    lines.push(
      `${pad(v.village, 14)} ${pad(names.get(v.village) ?? '?', 24)} ${lpad((v.available * 100).toFixed(1) + '%', 7)} ${lpad(String(v.samples), 7)}  ${lpad(String(v.counts.unreachable), 11)} ${lpad(String(v.counts.critical), 8)}`,
    );
  }
  return lines;
}
