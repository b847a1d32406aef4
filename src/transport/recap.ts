/**
 * What a fleet command's per-device outcome is, and how `jfleet exec` shows it. Pure: turns
 * settled results into statuses, prefixed output lines and a recap; prints nothing itself.
 */
import type { ExecResult } from './types.js';
import { TransportError } from './types.js';
import { quote } from './shell.js';

/** cancelled: Ctrl-C stopped the command (or kept it from starting) on this device: not its fault */
export type DeviceOutcome = 'ok' | 'failed' | 'unreachable' | 'auth' | 'hostkey' | 'timeout' | 'protocol' | 'error' | 'cancelled';

export const OUTCOME_LABEL: Record<DeviceOutcome, string> = {
  ok: 'ok',
  failed: 'failed',
  unreachable: 'unreachable',
  auth: 'auth failed',
  hostkey: 'hostkey',
  timeout: 'timed out',
  protocol: 'protocol error',
  error: 'error',
  cancelled: 'cancelled',
};

export interface DeviceResult {
  id: string;
  status: DeviceOutcome;
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** why the device could not run the command (connect/auth/hostkey/timeout), or null */
  error: string | null;
  durationMs: number;
}

export function outcomeOf(r: { ok: true; value: ExecResult } | { ok: false; error: unknown }): { status: DeviceOutcome; error: string | null } {
  if (r.ok) {
    const ok = r.value.exitCode === 0;
    return { status: ok ? 'ok' : 'failed', error: null };
  }
  const e = r.error;
  if (e instanceof TransportError) return { status: e.kind, error: e.message };
  return { status: 'error', error: e instanceof Error ? e.message : String(e) };
}

/** Each output line prefixed by the device id: "id | line" (stderr lines "id ! line"). */
export function prefixLines(id: string, text: string, mark = '|'): string[] {
  if (!text) return [];
  const lines = text.replace(/\n$/, '').split('\n');
  return lines.map((l) => `${id} ${mark} ${l}`);
}

export function summarize(results: DeviceResult[]): Record<DeviceOutcome, number> & { total: number } {
  const s = { total: results.length, ok: 0, failed: 0, unreachable: 0, auth: 0, hostkey: 0, timeout: 0, protocol: 0, error: 0, cancelled: 0 };
  for (const r of results) s[r.status]++;
  return s;
}

export function recapLines(results: DeviceResult[]): string[] {
  const s = summarize(results);
  const parts = (Object.keys(OUTCOME_LABEL) as DeviceOutcome[]).filter((k) => k === 'ok' || k === 'failed' || k === 'unreachable' || k === 'auth' || s[k] > 0).map((k) => `${OUTCOME_LABEL[k]} ${s[k]}`);
  const lines = [`recap: ${s.total} ${s.total === 1 ? 'device' : 'devices'}: ${parts.join(', ')}`];
  for (const r of results) {
    if (r.status === 'ok') continue;
    const why = r.status === 'failed' ? (r.signal ? `killed by ${r.signal}` : `exit ${r.exitCode ?? '?'}`) : (r.error ?? '');
    lines.push(`  ${r.id}: ${OUTCOME_LABEL[r.status]}${why ? ` (${why})` : ''}`);
  }
  return lines;
}

/** One progress line for a TTY: "[12/20] ok 10, failing 2". */
export function progressLine(done: number, total: number, failures: number): string {
  return `[${done}/${total}] ${done - failures} ok${failures ? `, ${failures} not ok` : ''}`;
}

/**
 * The remote command line from `jfleet exec -- ARGS`: one argument is a shell command line used
 * as written; several are an argv, each quoted. Placeholders {id}, {village}, {address} and
 * {var.NAME} are replaced by the device's values, always quoted, so no inventory value can inject.
 */
export function buildCommand(args: string[], pkg: { id: string; village: string; address: string; vars?: Record<string, string> }): string {
  const value = (key: string, varName?: string) => String((varName ? pkg.vars?.[varName] : (pkg as Record<string, unknown>)[key]) ?? '');
  const PH = /\{(id|village|address|var\.([a-z][a-z0-9_]*))\}/g;
  // a shell line: each value is assigned (quoted) to a shell variable first, and the placeholder
  // becomes an expansion of that variable fitting where it stands (unquoted, in "...", in '...'),
  // which yields the value as one word and nothing more
  if (args.length === 1) {
    const assigns: string[] = [];
    let out = '';
    let state: 'none' | 'single' | 'double' = 'none';
    const line = args[0];
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (ch === '{') {
        PH.lastIndex = i;
        const m = PH.exec(line);
        if (m && m.index === i) {
          const name = `JFLEET_P${assigns.length}`;
          assigns.push(`${name}=${quote(value(m[1].startsWith('var.') ? 'var' : m[1], m[2]))}`);
          out += state === 'double' ? `\${${name}}` : state === 'single' ? `'"\${${name}}"'` : `"\${${name}}"`;
          i += m[0].length - 1;
          continue;
        }
      }
      out += ch;
      if (state === 'single') {
        if (ch === "'") state = 'none';
      } else if (ch === '\\' && i + 1 < line.length) {
        out += line[++i];
      } else if (ch === "'" && state === 'none') state = 'single';
      else if (ch === '"') state = state === 'double' ? 'none' : 'double';
    }
    return assigns.length ? `${assigns.join('; ')}; ${out}` : out;
  }
  // an argv: values replaced raw, then every argument quoted as a whole
  return args.map((a) => quote(a.replace(PH, (_m, key: string, varName?: string) => value(key, varName)))).join(' ');
}
