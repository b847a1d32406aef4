/**
 * The probe: I/O only. One exec of PROBE_SCRIPT on an open transport, parsed into facts.
 * Never throws: a device that cannot be reached or answers garbage becomes a ProbeResult
 * with an error (unreachable / script), which the checks turn into a state.
 */
import type { Package } from '../inventory/schema.js';
import type { RemoteShell, Transport } from '../transport/types.js';
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
  /** a kept-open shell on the device to probe through (the daemon's warm sweeps) */
  shell?: ProbeShell;
  /** how a connect failure reads (failureMessage of the context); default its message */
  describeFailure?: (e: unknown) => string;
}

const FACT_KEYS: ReadonlyArray<keyof RemoteFacts> = [
  'up',
  'boot',
  'l1',
  'l5',
  'l15',
  'cpus',
  'mt',
  'ma',
  'ds',
  'da',
  'is',
  'ia',
  'temp',
  'dpn',
  'dpc',
  'kb',
  'ksi',
  'ku',
  'kn',
  'kwr',
  'kbr',
  'pwu',
  'pwk',
  'purl',
  'ptl',
  'kurl',
  'dpo',
  'cam',
  'kp',
  'kpt',
  'ts',
  'to',
  'rel',
  'tpt',
  'dns',
  'pc',
  'pt',
  'ac',
  'at',
  'gr',
  'gl',
  'ir',
  'il',
];

/** The inputs as quoted shell assignments (an unset or empty target is not checked). */
function probeVars(targets: ProbeTargets): string[] {
  const vars: string[] = [];
  const set = (k: string, v: string | undefined) => {
    if (v !== undefined && v !== '') vars.push(`${k}=${quote(v)}`);
  };
  set('JG', targets.gateway);
  set('JI', targets.internet);
  set('JP', targets.portalUrl);
  set('JA', targets.apiUrl?.replace(/\/+$/, ''));
  set('JD', targets.dnsName);
  return vars;
}

/** The command line sent to the device: quoted inputs, then the script. */
export function probeCommand(targets: ProbeTargets = {}): string {
  const vars = probeVars(targets);
  const script = (vars.length ? vars.join(' ') + ';' : '') + PROBE_SCRIPT;
  // bash runs it in place (no extra exec); any other login shell (dash, busybox sh) hands it to bash
  return `S=${quote(script)};if [ "$BASH_VERSION" ];then eval "$S";else exec bash -c "$S";fi`;
}

/** The probe as a function in a kept-open shell: defined once per shell, then called by name. */
export const PROBE_FUNCTION = 'jfleet_probe';
export function probeDefinition(): string {
  return `${PROBE_FUNCTION}(){\n${PROBE_SCRIPT}\n}`;
}
/** A call of the defined probe: the inputs as assignments for the call, then its name (a few bytes on the wire). */
export function probeCall(targets: ProbeTargets = {}): string {
  // the inputs not given are unset for the call, so no earlier call's value can leak into this one
  const vars = probeVars(targets);
  return `unset JG JI JP JA JD;${[...vars, PROBE_FUNCTION].join(' ')}`;
}

/** A device's kept-open shell (the daemon's), and whether the probe function is defined in it yet. */
export interface ProbeShell {
  shell: RemoteShell;
  defined: boolean;
}

/** DevTools lists a page's title HTML-escaped (&quot; &amp; &lt; &gt; &#39;): the text itself. */
function htmlText(s: string): string {
  const map: Record<string, string> = { '&quot;': '"', '&amp;': '&', '&lt;': '<', '&gt;': '>', '&#39;': "'" };
  return s.replace(/&(?:quot|amp|lt|gt|#39);/g, (m) => map[m]!);
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
    else if (k === 'tpt') facts.tpt = typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535 ? v : null;
    else if (k === 'ku') facts.ku = typeof v === 'string' && /^[a-z-]{1,32}$/.test(v) ? v : null;
    else if (k === 'purl' || k === 'kurl') facts[k] = typeof v === 'string' ? v.slice(0, 300) : null;
    else if (k === 'ptl') facts.ptl = typeof v === 'string' ? htmlText(v).slice(0, 200) : null;
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
    const r = await runProbe(transport, opts);
    const execMs = performance.now() - t0;
    const parsed = parseProbeOutput(r.stdout);
    if ('error' in parsed) {
      const why = r.exitCode !== 0 ? ` (exit ${r.exitCode}${r.stderr ? `: ${(r.stderr.trim().split('\n')[0] ?? '').slice(0, 120)}` : ''})` : '';
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

/**
 * Through the kept-open shell when there is one (the function is defined on its first use), else
 * one exec. A shell that ended while the connection is fine (killed on the device, exited) is not
 * the device's failure: that probe falls back to an exec, and the caller opens a new shell next time.
 */
async function runProbe(transport: Transport, opts: ProbeOptions) {
  const run = { timeoutMs: opts.timeoutMs ?? 15_000, signal: opts.signal };
  const ps = opts.shell;
  if (ps?.shell.alive) {
    try {
      const r = await ps.shell.run(ps.defined ? probeCall(opts.targets) : `${probeDefinition()}\n${probeCall(opts.targets)}`, run);
      ps.defined = true;
      return r;
    } catch (e) {
      if ((e as { kind?: string }).kind !== 'protocol') throw e;
    }
  }
  return transport.exec(probeCommand(opts.targets), run);
}

/** A probe result for a device we could not talk to (connect failed, handshake hung, exec timed out). */
export function unreachableProbe(pkg: Package, err: unknown, opts: Pick<ProbeOptions, 'tcpMs' | 'sshMs' | 'clock' | 'describeFailure'> = {}): ProbeResult {
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
    error: { kind, message: ((opts.describeFailure ? opts.describeFailure(err) : (e?.message ?? String(err))).split('\n')[0] ?? '').slice(0, 300) },
  };
}
