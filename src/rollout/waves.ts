/**
 * Wave planning and the failure threshold. Pure: no I/O.
 *
 * `--waves 1,10%,50%,100%` lists cumulative targets: after wave k, that many devices (a count)
 * or that share of the selection (a percentage, rounded up) have been worked on. The order is
 * deterministic so a resumed or repeated run plans the same waves: devices tagged `canary`
 * first, then a round-robin across districts (so the early waves touch many districts, not
 * the first district of the list), and by id inside a district.
 */
import { UserError } from '../errors.js';

export type WaveTarget = { kind: 'count'; n: number } | { kind: 'percent'; pct: number };

export interface PlannableDevice {
  id: string;
  village: string;
  tags?: string[];
}

export const DEFAULT_WAVES = '1,10%,50%,100%';
export const DEFAULT_MAX_FAIL = '5%';
export const CANARY_TAG = 'canary';

const PCT_RE = /^(\d{1,3}(?:\.\d{1,2})?)%$/;
const COUNT_RE = /^\d{1,6}$/;

export function parseWaves(spec: string): WaveTarget[] {
  const parts = spec.split(',').map((s) => s.trim());
  if (parts.length === 0 || parts.some((p) => p === '')) {
    throw new UserError(`--waves "${spec}" has an empty entry`, { hint: `use counts and percentages, e.g. --waves ${DEFAULT_WAVES}` });
  }
  const targets = parts.map((p): WaveTarget => {
    if (p === 'all') return { kind: 'percent', pct: 100 };
    const m = PCT_RE.exec(p);
    if (m) {
      const pct = Number(m[1]);
      if (pct <= 0 || pct > 100) throw new UserError(`--waves: "${p}" must be a percentage above 0% and at most 100%`);
      return { kind: 'percent', pct };
    }
    if (COUNT_RE.test(p)) {
      const n = Number(p);
      if (n < 1) throw new UserError(`--waves: "${p}" must be a device count of at least 1`);
      return { kind: 'count', n };
    }
    throw new UserError(`--waves: "${p}" is neither a device count (e.g. 1) nor a percentage (e.g. 10%)`, {
      hint: `e.g. --waves ${DEFAULT_WAVES}`,
    });
  });
  const last = targets.at(-1);
  if (last?.kind === 'percent' && last.pct !== 100) {
    throw new UserError(`--waves "${spec}" ends at ${last.pct}%: the last wave must be 100% so every selected device is updated`);
  }
  return targets;
}

/** Cumulative device count a target stands for in a selection of `total` devices. */
export function targetCount(t: WaveTarget, total: number): number {
  if (t.kind === 'count') return Math.min(t.n, total);
  // Integer arithmetic on hundredths so 10% of 30 is exactly 3, not 3.0000000004 → 4.
  return Math.min(total, Math.ceil((Math.round(t.pct * 100) * total) / 10000));
}

/** The deterministic rollout order: canaries, then round-robin across districts. */
export function orderDevices<T extends PlannableDevice>(devices: T[]): T[] {
  const byId = (a: T, b: T) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const canaries = devices.filter((d) => d.tags?.includes(CANARY_TAG)).sort(byId);
  const rest = devices.filter((d) => !d.tags?.includes(CANARY_TAG));
  const districts = new Map<string, T[]>();
  for (const d of rest) {
    const key = d.village.split('.').slice(0, 3).join('.');
    const list = districts.get(key) ?? [];
    list.push(d);
    districts.set(key, list);
  }
  const groups = [...districts.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([, l]) => l.sort(byId));
  const out: T[] = [...canaries];
  for (let i = 0; groups.some((g) => i < g.length); i++) {
    for (const g of groups) {
      const d = g[i];
      if (d !== undefined) out.push(d);
    }
  }
  return out;
}

/**
 * Concrete waves: arrays of devices, canary wave first. A target that adds no device (10% of
 * 5 devices after a canary of 1) is dropped rather than planned empty.
 */
export function planWaves<T extends PlannableDevice>(devices: T[], targets: WaveTarget[]): T[][] {
  const ordered = orderDevices(devices);
  const total = ordered.length;
  if (total === 0) return [];
  const end = targets.at(-1);
  const lastTarget = end ? targetCount(end, total) : 0;
  if (lastTarget < total) {
    throw new UserError(`the waves cover ${lastTarget} of ${total} selected devices: end them with 100%`);
  }
  const waves: T[][] = [];
  let done = 0;
  for (const t of targets) {
    const upTo = Math.max(targetCount(t, total), done);
    if (upTo > done) waves.push(ordered.slice(done, upTo));
    done = upTo;
  }
  return waves;
}

export type MaxFail = { kind: 'count'; n: number } | { kind: 'percent'; pct: number };

/** `--max-fail 5%` (share of devices reached) or `--max-fail 2` (a count). */
export function parseMaxFail(spec: string): MaxFail {
  const s = spec.trim();
  const m = PCT_RE.exec(s);
  if (m) {
    const pct = Number(m[1]);
    if (pct > 100) throw new UserError(`--max-fail: "${spec}" must be at most 100%`);
    return { kind: 'percent', pct };
  }
  if (COUNT_RE.test(s)) return { kind: 'count', n: Number(s) };
  throw new UserError(`--max-fail: "${spec}" is neither a count (e.g. 2) nor a percentage (e.g. 5%)`);
}

export function formatMaxFail(m: MaxFail): string {
  return m.kind === 'percent' ? `${m.pct}%` : String(m.n);
}

/**
 * Have the failures passed the threshold? Counted on devices actually reached (updated, rolled
 * back or failed); unreachable (pending) devices are neither failures nor part of the base.
 * "Passed" means strictly more than allowed: 3 failures of 30 reached is within 10%.
 */
export function thresholdExceeded(failed: number, reached: number, max: MaxFail): boolean {
  if (failed === 0) return false;
  if (max.kind === 'count') return failed > max.n;
  return failed * 10000 > Math.round(max.pct * 100) * reached;
}

/** How many failures the threshold allows among `reached` devices (for messages). */
export function allowedFailures(reached: number, max: MaxFail): number {
  if (max.kind === 'count') return max.n;
  return Math.floor((Math.round(max.pct * 100) * reached) / 10000);
}
