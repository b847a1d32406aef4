/**
 * Turns what health knows (DeviceStatus[], StateChange[]) into a contract Report. Pure: the
 * caller passes the data, the time, the ids and the village reference.
 */
import type { DeviceStatus, StateChange } from '../health/types.js';
import type { VillageReference } from '../inventory/villages.js';
import { CONTRACT, countStates, type PackageSnapshot, type Report, type Runner } from './contract.js';

const MAX_OUTPUT = 1024;

/** What a report says of a package's tunnel (src/reach/status.ts), when it has one. */
export type TunnelSnapshot = NonNullable<PackageSnapshot['tunnel']>;

export function snapshotOf(d: DeviceStatus, ref: VillageReference, tunnel?: TunnelSnapshot): PackageSnapshot {
  const village = ref.byCode.get(d.village);
  const districtCode = village?.districtCode ?? d.village.split('.').slice(0, 3).join('.');
  const district = ref.districtByCode.get(districtCode);
  return {
    id: d.id,
    village: { code: d.village, name: village?.name ?? d.village },
    district: { code: districtCode, name: district?.name ?? d.district ?? districtCode },
    state: d.state,
    hard: d.hard,
    flapping: d.flapping,
    silenced: d.silenced,
    since: d.since,
    lastSeen: d.lastSeen,
    release: d.release,
    checks: d.checks.map((c) => ({
      name: c.name,
      state: c.state,
      output: oneLine(c.output),
      perfdata: Object.fromEntries(Object.entries(c.perfdata ?? {}).filter(([, v]) => Number.isFinite(v))),
    })),
    ...(tunnel ? { tunnel } : {}),
  };
}

function oneLine(s: string): string {
  const t = (s ?? '').replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return t.length > MAX_OUTPUT ? t.slice(0, MAX_OUTPUT - 1) + '…' : t;
}

export function buildReport(input: {
  reportId: string;
  createdAt: Date;
  runner: Runner;
  devices: DeviceStatus[];
  changes: StateChange[];
  ref: VillageReference;
  /** tunnelled packages' tunnels, by package id */
  tunnels?: ReadonlyMap<string, TunnelSnapshot>;
}): Report {
  const packages = input.devices.map((d) => snapshotOf(d, input.ref, input.tunnels?.get(d.id))).sort((a, b) => a.id.localeCompare(b.id));
  return {
    contract: CONTRACT,
    reportId: input.reportId,
    createdAt: input.createdAt.toISOString(),
    runner: input.runner,
    fleet: { counts: countStates(packages), packages },
    changes: [...input.changes].sort((a, b) => a.seq - b.seq).map((c) => ({ seq: c.seq, id: c.id, from: c.from, to: c.to, hard: c.hard, at: c.at })),
  };
}
