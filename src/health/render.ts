/**
 * Text renderings of sweeps, status and history. Pure: data in, lines out.
 */
import { formatDuration } from './checks.js';
import { HEALTH_STATES, type DeviceStatus, type HealthState, type StateChange, type SweepSummary } from './types.js';
import type { HistoryEntry, VillageAvailability } from './store.js';
import type { Translate } from '../i18n/catalog.js';
import { dateTime, number, percent, type Formats } from '../i18n/format.js';

/** The words and formats a rendering speaks with (the CLI hands in the run's). */
export interface Speech {
  t: Translate;
  f: Formats;
}

export type Paint = (state: HealthState, text: string) => string;
export const plain: Paint = (_s, t) => t;

const label = (t: Translate, s: HealthState) => t(`health.state.${s}`);

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

function flags(t: Translate, d: DeviceStatus): string {
  const f: string[] = [d.hard ? t('health.flag.hard') : t('health.flag.soft')];
  if (d.flapping) f.push(t('health.flag.flapping'));
  if (d.silenced) f.push(t('health.flag.silenced'));
  return f.join(',');
}

function problem(t: Translate, d: DeviceStatus): string {
  const bad = d.checks.filter((c) => c.state !== 'ok' && c.state !== 'unknown');
  const core = d.checks.filter((c) => c.state === 'unknown' && ['load', 'memory', 'disk', 'kiosk_browser', 'kiosk_page', 'ssh'].includes(c.name));
  return [...bad, ...core].map((c) => t.phrase(c.output)).join('; ');
}

export function countsLine(t: Translate, counts: Record<HealthState, number>, paint: Paint = plain): string {
  return HEALTH_STATES.map((s) => paint(s, `${label(t, s)} ${counts[s]}`)).join(' · ');
}

export function renderSweep(sp: Speech, s: SweepSummary, now: Date, paint: Paint = plain): string[] {
  const { t } = sp;
  const lines: string[] = [];
  lines.push(`${t('health.sweep.head', { count: s.total, seconds: number(sp.f, s.durationMs / 1000) })}: ${countsLine(t, s.counts, paint)}`);
  const problems = s.devices.filter((d) => d.status.state !== 'ok').sort((a, b) => a.status.id.localeCompare(b.status.id));
  for (const d of problems) {
    lines.push(
      `  ${pad(d.status.id, 28)} ${paint(d.status.state, pad(label(t, d.status.state), 11))} ${pad(flags(t, d.status), 14)} ${t('health.since', { ago: t.phrase(ago(d.status.since, now)) })}  ${problem(t, d.status)}`,
    );
  }
  const soft = s.devices.filter((d) => d.status.state !== 'ok' && !d.status.hard).length;
  const quiet = s.devices.filter((d) => d.status.state !== 'ok' && d.status.hard && !d.alerting).length;
  const alert = s.devices.filter((d) => d.alerting).length;
  lines.push(t('health.sweep.tail', { alert, soft, quiet, worst: label(t, s.worst) }));
  const standIns = s.devices.filter((d) => isStandIn(d.status)).length;
  if (standIns) lines.push(t('health.sweep.standIns', { count: standIns }));
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

export function renderStatus(sp: Speech, list: DeviceStatus[], now: Date, paint: Paint = plain): string[] {
  const { t } = sp;
  if (list.length === 0) return [t('health.status.noResults')];
  const total: Record<HealthState, number> = { ok: 0, warn: 0, critical: 0, unknown: 0, unreachable: 0 };
  for (const d of list) total[d.state]++;
  const lines = [`${t('health.status.devices', { count: list.length })}: ${countsLine(t, total, paint)}`, ''];
  // a column is 9 wide, or one wider than its heading (Indonesian headings are longer)
  const width = Object.fromEntries(HEALTH_STATES.map((s) => [s, Math.max(9, t(`health.column.${s}`).length + 1)])) as Record<HealthState, number>;
  lines.push(`${pad(t('health.status.district'), 22)}${HEALTH_STATES.map((s) => lpad(t(`health.column.${s}`), width[s])).join('')}`);
  for (const g of groupByDistrict(list)) {
    lines.push(
      `${pad(g.district, 22)}${HEALTH_STATES.map((s) => (g.counts[s] ? paint(s, lpad(String(g.counts[s]), width[s])) : lpad('·', width[s]))).join('')}`,
    );
    for (const d of g.devices.filter((x) => x.state !== 'ok').sort((a, b) => a.id.localeCompare(b.id))) {
      lines.push(
        `    ${pad(d.id, 26)} ${paint(d.state, pad(label(t, d.state), 11))} ${pad(flags(t, d), 14)} ${pad(t('health.since', { ago: t.phrase(ago(d.since, now)) }), 14)} ${problem(t, d)}`,
      );
    }
  }
  return lines;
}

export function renderHistory(
  sp: Speech,
  id: string,
  status: DeviceStatus | null,
  changes: StateChange[],
  entries: HistoryEntry[],
  now: Date,
  paint: Paint = plain,
): string[] {
  const { t, f } = sp;
  const lines: string[] = [];
  if (status) {
    lines.push(
      `${id}: ${paint(status.state, label(t, status.state))} (${flags(t, status)}) ${t('health.history.line', {
        since: dateTime(f, status.since),
        ago: t.phrase(ago(status.since, now)),
        lastSeen: status.lastSeen ? dateTime(f, status.lastSeen) : t('health.history.never'),
        release: status.release ?? '-',
      })}`,
    );
    for (const c of status.checks) lines.push(`  ${pad(c.name, 14)} ${paint(c.state, pad(label(t, c.state), 9))} ${t.phrase(c.output)}`);
  } else lines.push(`${id}: ${t('health.history.neverSwept')}`);
  const n = entries.length;
  const latest = entries.at(-1);
  if (latest) {
    const up = entries.filter((e) => e.state === 'ok' || e.state === 'warn').length;
    lines.push('', t('health.history.availability', { percent: percent(f, up / n), count: n, since: dateTime(f, latest.at) }));
  }
  if (changes.length) {
    lines.push('', t('health.history.changes'));
    for (const c of changes)
      lines.push(
        `  ${dateTime(f, c.at)}  ${c.from ? label(t, c.from) : t('health.history.new')} → ${paint(c.to, label(t, c.to))} ${c.hard ? t('health.flag.hard') : t('health.flag.soft')}`,
      );
  }
  return lines;
}

export function renderAvailability(sp: Speech, list: VillageAvailability[], names: Map<string, string>, days: number): string[] {
  const { t, f } = sp;
  if (list.length === 0) return [t('health.availability.none', { count: days })];
  const lines = [
    t('health.availability.head', { count: days }),
    `${pad(t('health.availability.village'), 14)} ${pad(t('health.availability.name'), 24)} ${lpad(t('health.availability.avail'), 7)} ${lpad(t('health.availability.sweeps'), 7)}  ${lpad(t('health.state.unreachable'), 11)} ${lpad(t('health.state.critical'), 8)}`,
  ];
  for (const v of [...list].sort((a, b) => a.available - b.available || a.village.localeCompare(b.village))) {
    lines.push(
      `${pad(v.village, 14)} ${pad(names.get(v.village) ?? '?', 24)} ${lpad(percent(f, v.available), 7)} ${lpad(String(v.samples), 7)}  ${lpad(String(v.counts.unreachable), 11)} ${lpad(String(v.counts.critical), 8)}`,
    );
  }
  return lines;
}
