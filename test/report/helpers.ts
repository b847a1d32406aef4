/** Shared pieces for the report tests: sample data, temp databases, a central server on port 0. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeviceStatus, HealthState } from '../../src/health/types.js';
import { loadVillages } from '../../src/inventory/villages.js';
import { buildReport } from '../../src/report/build.js';
import type { Report } from '../../src/report/contract.js';
import { uuidv7 } from '../../src/report/ids.js';
import { startCentral, type CentralHooks, type CentralOptions, type CentralServer } from '../../src/central/server.js';
import { openDb, type Db } from '../../src/store/db.js';
import { STATE_MIGRATIONS } from '../../src/state-db.js';
import { at as elementAt } from '../helpers/at.js';

export const TOKEN = 'test-token-4f1b9c0e7d';
export const RUNNER = { id: '0b6c8f9e-4a1d-4c47-9a51-6f3e2d1c0b9a', name: 'runner-test', version: '0.1.0' };

export function tempDir(prefix = 'jfleet-report-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function runnerDb(dir = tempDir()): Db {
  return openDb(join(dir, 'state', 'jfleet.db'), STATE_MIGRATIONS);
}

/** n devices in distinct villages, states cycling through `states`. */
export function devices(n: number, states: HealthState[] = ['ok'], at = '2026-11-28T10:00:00.000Z'): DeviceStatus[] {
  const ref = loadVillages();
  return Array.from({ length: n }, (_, i): DeviceStatus => {
    const v = elementAt(ref.villages, (i * 7) % ref.villages.length);
    const state = elementAt(states, i % states.length);
    return {
      id: `kiosk-${String(i + 1).padStart(3, '0')}`,
      village: v.code,
      district: v.district,
      state,
      hard: true,
      flapping: false,
      silenced: false,
      since: at,
      lastSeen: state === 'unreachable' ? null : at,
      release: '1.4.2',
      checks: [
        {
          name: 'disk',
          state: state === 'critical' ? 'critical' : 'ok',
          output: state === 'critical' ? 'disk / 2% free' : 'disk / 61% free',
          perfdata: { disk_free_pct: state === 'critical' ? 2 : 61 },
        },
        { name: 'kiosk', state: 'ok', output: 'browser running, page 200', perfdata: { page_ms: 12 } },
      ],
    };
  });
}

export function sampleReport(opts: { n?: number; states?: HealthState[]; at?: Date; id?: string } = {}): Report {
  const at = opts.at ?? new Date('2026-11-28T10:00:00.000Z');
  return buildReport({
    reportId: opts.id ?? uuidv7(at.getTime()),
    createdAt: at,
    runner: RUNNER,
    devices: devices(opts.n ?? 3, opts.states, at.toISOString()),
    changes: [{ seq: 1, id: 'kiosk-001', from: null, to: 'ok', hard: true, at: at.toISOString() }],
    ref: loadVillages(),
  });
}

export async function central(
  hooks?: CentralHooks,
  dir = tempDir('jfleet-central-'),
  port = 0,
  extra: Partial<CentralOptions> = {},
): Promise<CentralServer & { dir: string }> {
  const s = await startCentral({ port, dbFile: join(dir, 'central.db'), token: TOKEN, hooks, ...extra });
  return Object.assign(s, { dir });
}

/** A self-signed P-256 certificate DIR/NAME.pem and its key DIR/NAME.key (openssl; valid 2 days). */
export function selfSigned(dir: string, name: string, subject: string): void {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-subj',
      subject,
      '-keyout',
      join(dir, `${name}.key`),
      '-out',
      join(dir, `${name}.pem`),
    ],
    { stdio: 'ignore' },
  );
}
