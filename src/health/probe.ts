/**
 * The probe: I/O only. One exec of PROBE_SCRIPT on an open transport, parsed into facts.
 * Never throws: a device that cannot be reached or answers garbage becomes a ProbeResult
 * with an error (unreachable / script), which the checks turn into a state.
 */
import type { Package } from '../inventory/schema.js';
import type { Transport } from '../transport/types.js';
import { quote } from '../transport/shell.js';
import { PROBE_SCRIPT } from './probe-script.js';
import type { ProbeError, ProbeResult, RemoteFacts } from './types.js';

export interface ProbeTargets {
  /** "auto" (default route), an address, or undefined (not checked) */
  gateway?: string;
  internet?: string;
  portalUrl?: string;
  apiUrl?: string;
  dnsName?: string;
}

export interface ProbeOptions {
  targets?: ProbeTargets;
  timeoutMs?: number;
  /** measured by the caller while connecting (null on a reused connection) */
  tcpMs?: number | null;
  sshMs?: number | null;
  clock?: { now(): Date };
  signal?: AbortSignal;
}

const FACT_KEYS: ReadonlyArray<keyof RemoteFacts> = [
  'up', 'boot', 'l1', 'l5', 'l15', 'cpus', 'mt', 'ma', 'ds', 'da', 'is', 'ia', 'temp', 'dpn', 'dpc', 'kb', 'kp', 'kpt',
  'ts', 'to', 'rel', 'dns', 'pc', 'pt', 'ac', 'at', 'gr', 'gl', 'ir', 'il',
];

/** The command line sent to the device: quoted inputs, then the script. */
export function probeCommand(targets: ProbeTargets = {}): string {
  const vars: string[] = [];
  const set = (k: string, v: string | undefined) => {
    if (v !== undefined && v !== '') vars.push(`${k}=${quote(v)}`);
  };
  set('JG', targets.gateway);
  set('JI', targets.internet);
  set('JP', targets.portalUrl);
  set('JA', targets.apiUrl?.replace(/\/+$/, ''));
  set('JD', targets.dnsName);
  return (vars.length ? vars.join(' ') + ';' : '') + PROBE_SCRIPT;
}

/** Pure: the script's stdout to facts, or why it cannot be read. */
export function parseProbeOutput(stdout: string): { facts: Partial<RemoteFacts> } | { error: string } {
  const text = stdout.trim();
  const start = text.lastIndexOf('{');
  if (start < 0) return { error: `no JSON in the probe output (${JSON.stringify(text.slice(0, 80))})` };
  let raw: unknown;
  try {
    raw = JSON.parse(text.slice(start));
  } catch (e) {
    return { error: `probe output is not valid JSON: ${(e as Error).message}` };
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return { error: 'probe output is not a JSON object' };
  const facts: Partial<RemoteFacts> = {};
  const obj = raw as Record<string, unknown>;
  for (const k of FACT_KEYS) {
    const v = obj[k];
    if (k === 'rel') facts.rel = typeof v === 'string' && /^[A-Za-z0-9._+-]{1,64}$/.test(v) ? v : null;
    else (facts as Record<string, number | null>)[k] = typeof v === 'number' && Number.isFinite(v) ? v : null;
  }
  return { facts };
}

export async function probeDevice(transport: Transport, pkg: Package, opts: ProbeOptions = {}): Promise<ProbeResult> {
  const clock = opts.clock ?? { now: () => new Date() };
  const at = clock.now().toISOString();
  const base = { id: pkg.id, at, tcpMs: opts.tcpMs ?? null, sshMs: opts.sshMs ?? null };
  const t0 = performance.now();
  try {
    const r = await transport.exec(probeCommand(opts.targets), { timeoutMs: opts.timeoutMs ?? 15_000, signal: opts.signal });
    const execMs = performance.now() - t0;
    const parsed = parseProbeOutput(r.stdout);
    if ('error' in parsed) {
      const why = r.exitCode !== 0 ? ` (exit ${r.exitCode}${r.stderr ? `: ${r.stderr.trim().split('\n')[0].slice(0, 120)}` : ''})` : '';
      return { ...base, reachable: true, execMs, remote: null, error: { kind: 'script', message: parsed.error + why } };
    }
    const f = parsed.facts;
    // the device reports uptime; its boot time follows from our clock (its own may be wrong)
    if (f.boot == null && f.up != null) f.boot = Math.floor(Date.parse(at) / 1000 - f.up);
    return { ...base, reachable: true, execMs, remote: f, error: null };
  } catch (err) {
    return unreachableProbe(pkg, err, { ...opts, clock });
  }
}

/** A probe result for a device we could not talk to (connect failed, handshake hung, exec timed out). */
export function unreachableProbe(pkg: Package, err: unknown, opts: Pick<ProbeOptions, 'tcpMs' | 'sshMs' | 'clock'> = {}): ProbeResult {
  const e = err as { kind?: string; message?: string };
  const kinds: ProbeError['kind'][] = ['unreachable', 'auth', 'hostkey', 'timeout', 'protocol'];
  const kind = kinds.includes(e?.kind as ProbeError['kind']) ? (e.kind as ProbeError['kind']) : 'unreachable';
  return {
    id: pkg.id,
    at: (opts.clock ?? { now: () => new Date() }).now().toISOString(),
    reachable: false,
    tcpMs: opts.tcpMs ?? null,
    sshMs: opts.sshMs ?? null,
    execMs: null,
    remote: null,
    error: { kind, message: (e?.message ?? String(err)).split('\n')[0].slice(0, 300) },
  };
}
