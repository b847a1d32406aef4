/**
 * The central reporting API, version 1: defined once here as zod schemas. The runner's client
 * validates answers with them, the reference central server validates reports with them, and
 * openapi/jfleet-central.v1.json is generated from them (src/report/openapi.ts), so the three
 * cannot drift. Pure: schemas and types only.
 *
 * Changing a shipped field is a new contract version (/v2); adding an optional field is not.
 */
import { z } from 'zod';

export const CONTRACT = 'jfleet-central/v1';
export const API_PREFIX = '/v1';

const isoTime = z.iso.datetime({ offset: true });
const line = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[^\u0000-\u0008\u000b-\u001f\u007f]*$/, 'must not contain control characters');

export const HealthStateSchema = z
  .enum(['ok', 'warn', 'critical', 'unknown', 'unreachable'])
  .meta({ id: 'HealthState', description: 'A package\'s state. "unreachable" (no SSH answer) is its own state, never lumped with critical.' });

export const CheckStateSchema = z
  .enum(['ok', 'warn', 'critical', 'unknown'])
  .meta({ id: 'CheckState', description: 'What one check said about a reachable package.' });

export const CheckSchema = z
  .object({
    name: line(64).min(1).meta({ description: 'check name, e.g. "disk"' }),
    state: CheckStateSchema,
    output: line(1024).meta({ description: 'one human line, e.g. "disk / 3% free (512 MiB)"' }),
    perfdata: z.record(z.string().max(64), z.number()).meta({ description: 'numbers for graphs, e.g. {"disk_free_pct": 3}' }),
  })
  .meta({ id: 'Check' });

export const PackageIdSchema = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/)
  .meta({ description: 'package id from the inventory' });
export const VillageCodeSchema = z
  .string()
  .regex(/^35\.09\.\d{2}\.\d{4}$/)
  .meta({ description: 'Kemendagri village code, e.g. 35.09.13.2006' });
export const DistrictCodeSchema = z
  .string()
  .regex(/^35\.09\.\d{2}$/)
  .meta({ description: 'Kemendagri district (kecamatan) code, e.g. 35.09.13' });

export const PackageSnapshotSchema = z
  .object({
    id: PackageIdSchema,
    village: z.object({ code: VillageCodeSchema, name: line(120) }).meta({ description: 'the village office the package stands in' }),
    district: z.object({ code: DistrictCodeSchema, name: line(120) }),
    state: HealthStateSchema,
    hard: z.boolean().meta({ description: 'the state is confirmed (several consecutive observations)' }),
    flapping: z.boolean(),
    silenced: z.boolean().meta({ description: 'a technician silenced alerts for this package' }),
    since: isoTime.meta({ description: 'when the current state began' }),
    lastSeen: isoTime.nullable().meta({ description: 'last successful probe; null if never reached' }),
    release: line(128).nullable().meta({ description: 'installed kiosk release; null if unknown' }),
    checks: z.array(CheckSchema).max(100),
    tunnel: z
      .object({
        bastion: line(63).meta({ description: 'the bastion the kiosk tunnels to' }),
        state: z.enum(['up', 'down', 'unknown']).meta({ description: "the tunnel's own state, apart from the health verdict (the link, not the kiosk)" }),
        connectedSince: isoTime.nullable().meta({ description: 'when the current tunnel connected (its socket appeared on the bastion); null while down' }),
        lastSeen: isoTime.nullable().meta({ description: 'the last time the tunnel was seen up; null if never' }),
        port: z.number().int().min(1).max(65535).nullable().optional().meta({
          description: "the bastion port the kiosk's tunnel last logged in on, as the kiosk told a probe; null if not known yet. Added later, optional",
        }),
      })
      .optional()
      .meta({ description: 'reach: tunnel packages only (behind carrier NAT, reached through their reverse tunnel); added in 1.x, optional' }),
  })
  .meta({ id: 'PackageSnapshot', description: 'One package as the runner last saw it. Carries no personal data.' });

export const StateChangeSchema = z
  .object({
    seq: z.number().int().min(0).meta({ description: "the runner's change sequence number, increasing" }),
    id: PackageIdSchema,
    from: HealthStateSchema.nullable().meta({ description: 'null the first time a package is seen' }),
    to: HealthStateSchema,
    hard: z.boolean(),
    at: isoTime,
  })
  .meta({ id: 'StateChange' });

export const RunnerSchema = z
  .object({
    id: z.uuid().meta({ description: 'stable id of this runner installation' }),
    name: line(255).min(1).meta({ description: 'host name of the runner' }),
    version: line(64).min(1).meta({ description: 'jfleet version' }),
  })
  .meta({ id: 'Runner', description: 'Who sent the report.' });

export const StateCountsSchema = z
  .object({
    ok: z.number().int().min(0),
    warn: z.number().int().min(0),
    critical: z.number().int().min(0),
    unknown: z.number().int().min(0),
    unreachable: z.number().int().min(0),
  })
  .meta({ id: 'StateCounts' });

export const ReportSchema = z
  .object({
    contract: z.literal(CONTRACT),
    reportId: z.uuid().meta({
      description: 'idempotency key (UUID v7, time-ordered): the server stores a report id once; a resend answers duplicate',
    }),
    createdAt: isoTime.meta({
      description:
        "when the runner built the report; at most 5 minutes ahead of the server's clock (else 422 created_in_future). The server orders snapshots by min(createdAt, time received)",
    }),
    runner: RunnerSchema,
    fleet: z
      .object({
        counts: StateCountsSchema,
        packages: z.array(PackageSnapshotSchema).max(100_000),
      })
      .meta({ description: 'every package the runner knows, as of createdAt' }),
    changes: z.array(StateChangeSchema).max(1_000_000).meta({ description: 'state changes since the previous report, oldest first' }),
  })
  .meta({ id: 'Report', description: 'One fleet report from a runner.' });

/**
 * The answer to POST /v1/reports. 201 (stored now) or 200 with duplicate:true (the server
 * already had this report id: "already have it"). A runner treats both as delivered, and also
 * a 409 whose body is an ApiError with error "duplicate_report".
 */
export const ReportAcceptedSchema = z
  .object({
    reportId: z.uuid(),
    duplicate: z.boolean(),
    receivedAt: isoTime.meta({ description: 'when the server first stored this report' }),
  })
  .meta({ id: 'ReportAccepted' });

export const ApiErrorSchema = z
  .object({
    error: z.string().meta({ description: 'machine-readable code, e.g. "invalid_report", "unauthorized", "duplicate_report"' }),
    message: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'ApiError' });

export const FleetPackageSchema = PackageSnapshotSchema.extend({
  reportId: z.uuid().meta({ description: 'the report this snapshot came from' }),
  reportedAt: isoTime.meta({ description: 'createdAt of that report' }),
  runner: z.string().meta({ description: 'name of the runner that reported it' }),
}).meta({ id: 'FleetPackage' });

export const FleetStateSchema = z
  .object({
    generatedAt: isoTime,
    lastReportAt: isoTime.nullable().meta({ description: "when the server received the newest report (the server's clock); null before the first" }),
    reports: z.number().int().min(0).meta({ description: 'reports stored so far' }),
    counts: StateCountsSchema,
    packages: z.array(FleetPackageSchema),
  })
  .meta({ id: 'FleetState', description: 'The fleet as the central server knows it now: the newest snapshot of each package.' });

export const HistoryEntrySchema = z
  .object({
    reportId: z.uuid(),
    at: isoTime.meta({ description: 'createdAt of the report' }),
    state: HealthStateSchema,
    release: z.string().nullable(),
    lastSeen: isoTime.nullable(),
  })
  .meta({ id: 'HistoryEntry', description: "A report in which the package's state or release differed from the previous one." });

export const DeviceHistorySchema = z
  .object({
    id: PackageIdSchema,
    current: FleetPackageSchema,
    entries: z.array(HistoryEntrySchema).meta({ description: 'oldest first' }),
    changes: z.array(StateChangeSchema).meta({ description: 'state changes the runner reported for this package, oldest first' }),
  })
  .meta({ id: 'DeviceHistory' });

export type HealthStateName = z.infer<typeof HealthStateSchema>;
export type Check = z.infer<typeof CheckSchema>;
export type PackageSnapshot = z.infer<typeof PackageSnapshotSchema>;
export type ContractStateChange = z.infer<typeof StateChangeSchema>;
export type Runner = z.infer<typeof RunnerSchema>;
export type StateCounts = z.infer<typeof StateCountsSchema>;
export type Report = z.infer<typeof ReportSchema>;
export type ReportAccepted = z.infer<typeof ReportAcceptedSchema>;
export type ApiErrorBody = z.infer<typeof ApiErrorSchema>;
export type FleetPackage = z.infer<typeof FleetPackageSchema>;
export type FleetState = z.infer<typeof FleetStateSchema>;
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;
export type DeviceHistory = z.infer<typeof DeviceHistorySchema>;

export const STATE_ORDER: readonly HealthStateName[] = ['ok', 'warn', 'critical', 'unknown', 'unreachable'];

export function countStates(packages: Array<{ state: HealthStateName }>): StateCounts {
  const c: StateCounts = { ok: 0, warn: 0, critical: 0, unknown: 0, unreachable: 0 };
  for (const p of packages) c[p.state]++;
  return c;
}
