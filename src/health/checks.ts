/**
 * Checks: pure functions from a probe result and thresholds to ok / warn / critical / unknown
 * with perfdata. The probe is I/O; the verdict is not. Missing data gives unknown, never a throw.
 */
import type { CheckResult, CheckState, HealthState, ProbeResult, RemoteFacts } from './types.js';
import type { Thresholds } from './thresholds.js';

type Facts = Partial<RemoteFacts>;
type Check = (f: Facts, t: Thresholds) => CheckResult;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const r1 = (n: number) => Math.round(n * 10) / 10;
const r3 = (n: number) => Math.round(n * 1000) / 1000;
const res = (name: string, state: CheckState, output: string, perfdata: Record<string, number> = {}): CheckResult => ({ name, state, output, perfdata });
const unknown = (name: string, what: string) => res(name, 'unknown', `${what}: no data`);

/** below: a smaller value is worse (free space); above: a larger value is worse (load). */
function grade(v: number, warn: number, crit: number, dir: 'below' | 'above'): CheckState {
  if (dir === 'below') return v < crit ? 'critical' : v < warn ? 'warn' : 'ok';
  return v > crit ? 'critical' : v > warn ? 'warn' : 'ok';
}

export const uptime: Check = (f, t) => {
  const up = num(f.up);
  if (up === null) return unknown('uptime', 'uptime');
  const perf: Record<string, number> = { uptime_s: up };
  const boot = num(f.boot);
  if (boot !== null) perf.boot_epoch = boot;
  const state = up < t.uptimeWarnS ? 'warn' : 'ok';
  return res('uptime', state, `up ${formatDuration(up)}${state === 'warn' ? ' (rebooted recently)' : ''}`, perf);
};

export const load: Check = (f, t) => {
  const l5 = num(f.l5);
  if (l5 === null) return unknown('load', 'load');
  const cpus = Math.max(1, num(f.cpus) ?? 1);
  const per = l5 / cpus;
  const perf: Record<string, number> = { load1: num(f.l1) ?? l5, load5: l5, load15: num(f.l15) ?? l5, cpus };
  return res('load', grade(per, t.loadWarn, t.loadCrit, 'above'), `load ${l5} on ${cpus} CPU(s) (${r1(per)} per CPU)`, perf);
};

export const memory: Check = (f, t) => {
  const total = num(f.mt);
  const avail = num(f.ma);
  if (total === null || avail === null || total <= 0) return unknown('memory', 'memory');
  const pct = (avail / total) * 100;
  return res('memory', grade(pct, t.memWarnPct, t.memCritPct, 'below'), `memory ${r1(pct)}% available (${Math.round(avail / 1024)} MiB)`, {
    mem_avail_pct: r1(pct),
    mem_avail_mib: Math.round(avail / 1024),
  });
};

export const disk: Check = (f, t) => {
  const size = num(f.ds);
  const avail = num(f.da);
  if (size === null || avail === null || size <= 0) return unknown('disk', 'disk /');
  const pct = (avail / size) * 100;
  let state = grade(pct, t.diskWarnPct, t.diskCritPct, 'below');
  const perf: Record<string, number> = { disk_free_pct: r1(pct), disk_free_mib: Math.round(avail / 1024) };
  let extra = '';
  const is = num(f.is);
  const ia = num(f.ia);
  if (is !== null && ia !== null && is > 0) {
    const ipct = (ia / is) * 100;
    perf.inodes_free_pct = r1(ipct);
    const istate = grade(ipct, t.diskWarnPct, t.diskCritPct, 'below');
    if (rank(istate) > rank(state)) {
      state = istate;
      extra = `, inodes ${r1(ipct)}% free`;
    }
  }
  return res('disk', state, `disk / ${r1(pct)}% free (${Math.round(avail / 1024)} MiB)${extra}`, perf);
};

export const temperature: Check = (f, t) => {
  const mc = num(f.temp);
  if (mc === null) return res('temperature', 'unknown', 'temperature: no sensor');
  const c = r1(mc / 1000);
  return res('temperature', grade(c, t.tempWarnC, t.tempCritC, 'above'), `CPU ${c} °C`, { temp_c: c });
};

export const kioskBrowser: Check = (f) => {
  if (f.kb === 1) return res('kiosk_browser', 'ok', 'kiosk browser running');
  if (f.kb === 0) return res('kiosk_browser', 'critical', 'kiosk browser not running (its process is gone)');
  return res('kiosk_browser', 'critical', 'kiosk browser not running (no pid file in /run/jfleet-kiosk)');
};

export const kioskPage: Check = (f, t) => {
  const code = num(f.kp);
  if (code === null) return unknown('kiosk_page', 'kiosk page');
  const secs = num(f.kpt);
  const perf: Record<string, number> = secs !== null ? { page_s: r3(secs) } : {};
  if (code === 0) return res('kiosk_page', 'critical', 'kiosk page does not answer', perf);
  if (code !== 200) return res('kiosk_page', 'critical', `kiosk page answers HTTP ${code}`, perf);
  if (secs !== null && secs > t.pageWarnS) return res('kiosk_page', 'warn', `kiosk page slow (${r3(secs)} s)`, perf);
  return res('kiosk_page', 'ok', 'kiosk page answers 200', perf);
};

export const display: Check = (f, t) => {
  if (t.display === 'ignore') return res('display', 'ok', 'display not checked');
  const n = num(f.dpn);
  const c = num(f.dpc);
  if (n === null) {
    return t.display === 'required' ? res('display', 'critical', 'no display subsystem found') : res('display', 'ok', 'headless (no display subsystem)');
  }
  if (n === 0) return res('display', t.display === 'required' ? 'critical' : 'warn', 'no display connector found', { displays: 0 });
  if ((c ?? 0) === 0) return res('display', 'critical', 'no display connected', { displays: 0 });
  return res('display', 'ok', `${c} display(s) connected`, { displays: c ?? 0 });
};

export const timeSync: Check = (f, t) => {
  const off = num(f.to);
  const synced = num(f.ts);
  if (off === null && synced === null) return unknown('time_sync', 'time sync');
  if (off === null) return res('time_sync', synced === 1 ? 'ok' : 'warn', synced === 1 ? 'clock synchronised' : 'clock not synchronised');
  const a = Math.abs(off);
  let state = grade(a, t.timeOffsetWarnS, t.timeOffsetCritS, 'above');
  if (synced === 0 && state === 'ok') state = 'warn';
  return res('time_sync', state, `clock offset ${r3(off)} s${synced === 0 ? ', not synchronised' : ''}`, { time_offset_s: r3(off) });
};

export const release: Check = (f) => {
  if (typeof f.rel === 'string' && f.rel !== '') return res('release', 'ok', `kiosk release ${f.rel}`);
  return res('release', 'warn', 'no kiosk release installed (/opt/jfleet-kiosk/current/manifest.json)');
};

export const dns: Check = (f, t) => {
  if (f.dns === 1) return res('dns', 'ok', 'DNS resolves');
  if (f.dns === 0) return res('dns', t.upstreamState, 'DNS lookup failed');
  return unknown('dns', 'DNS');
};

function http(name: string, label: string, code: number | null, secs: number | null, t: Thresholds): CheckResult {
  if (code === null) return res(name, 'unknown', `${label}: not checked`);
  const perf: Record<string, number> = secs !== null && code > 0 ? { [`${name}_s`]: r3(secs) } : {};
  if (code === 0) return res(name, t.upstreamState, `${label} unreachable`, perf);
  if (code >= 500) return res(name, t.upstreamState, `${label} answers HTTP ${code}`, perf);
  return res(name, 'ok', `${label} reachable (HTTP ${code}${secs !== null ? `, ${r3(secs)} s` : ''})`, perf);
}

export const portal: Check = (f, t) => http('portal', 'portal', num(f.pc), num(f.pt), t);
export const centralApi: Check = (f, t) => http('central_api', 'central API', num(f.ac), num(f.at), t);

function link(name: string, label: string, rtt: number | null, loss: number | null, t: Thresholds): CheckResult {
  if (loss === null) return res(name, 'unknown', `${label}: not measured`);
  // ping reports negative loss when it counts stray replies (duplicates); clamp to 0..100
  loss = Math.min(100, Math.max(0, loss));
  if (loss >= 100 || rtt === null) return res(name, t.upstreamState, `${label} does not answer (100% loss)`, { [`${name}_loss_pct`]: 100 });
  const state = worst(
    [grade(rtt, t.rttWarnMs, t.rttCritMs, 'above'), grade(loss, t.lossWarnPct, t.lossCritPct, 'above')].map((s) => (s === 'critical' ? t.upstreamState : s)),
  );
  return res(name, state as CheckState, `${label} rtt ${r1(rtt)} ms, loss ${loss}%`, { [`${name}_rtt_ms`]: r1(rtt), [`${name}_loss_pct`]: loss });
}

export const gateway: Check = (f, t) => link('gateway', 'gateway', num(f.gr), num(f.gl), t);
export const internet: Check = (f, t) => link('internet', 'internet', num(f.ir), num(f.il), t);

/** Core checks: when one of these cannot say, the device is unknown. */
export const CORE_CHECKS: Record<string, Check> = { load, memory, disk, kiosk_browser: kioskBrowser, kiosk_page: kioskPage };
/** Auxiliary checks: their warn/critical count, their unknown (a missing sensor, an unset URL) does not. */
export const AUX_CHECKS: Record<string, Check> = {
  uptime,
  temperature,
  display,
  time_sync: timeSync,
  release,
  dns,
  portal,
  central_api: centralApi,
  gateway,
  internet,
};

const RANK: Record<HealthState, number> = { ok: 0, warn: 1, unknown: 2, critical: 3, unreachable: 4 };
/** Severity order used for "worst": ok < warn < unknown < critical < unreachable. */
export function rank(s: HealthState): number {
  return RANK[s];
}
export function worst(states: HealthState[]): HealthState {
  let w: HealthState = 'ok';
  for (const s of states) if (RANK[s] > RANK[w]) w = s;
  return w;
}

export interface Evaluation {
  state: HealthState;
  checks: CheckResult[];
  /** one-line summary of what is wrong, "all checks ok" otherwise */
  summary: string;
}

/** The verdict on one probe. */
export function evaluate(probe: ProbeResult, t: Thresholds): Evaluation {
  const linkPerf: Record<string, number> = {};
  if (probe.tcpMs !== null) linkPerf.tcp_ms = r1(probe.tcpMs);
  if (probe.sshMs !== null) linkPerf.ssh_ms = r1(probe.sshMs);
  if (probe.execMs !== null) linkPerf.exec_ms = r1(probe.execMs);
  if (!probe.reachable || !probe.remote) {
    const why = probe.error ? `${probe.error.kind}: ${probe.error.message}` : 'no answer';
    const state: HealthState = probe.error?.kind === 'script' ? 'unknown' : 'unreachable';
    const c = res('ssh', state === 'unknown' ? 'unknown' : 'critical', why, linkPerf);
    return { state, checks: [c], summary: state === 'unreachable' ? `unreachable (${why})` : `probe failed (${why})` };
  }
  const f = probe.remote;
  const sshCheck = res('ssh', 'ok', `ssh answers${probe.sshMs !== null ? ` (handshake ${r1(probe.sshMs)} ms)` : ''}`, linkPerf);
  const core = Object.values(CORE_CHECKS).map((c) => c(f, t));
  const aux = Object.values(AUX_CHECKS).map((c) => c(f, t));
  const counted = [...core.map((c) => c.state), ...aux.filter((c) => c.state !== 'unknown').map((c) => c.state)];
  const state = worst(counted);
  const bad = [...core, ...aux].filter((c) => c.state !== 'ok' && (c.state !== 'unknown' || core.includes(c)));
  bad.sort((a, b) => RANK[b.state] - RANK[a.state]);
  const summary = bad.length ? bad.map((c) => c.output).join('; ') : 'all checks ok';
  return { state, checks: [sshCheck, ...core, ...aux], summary };
}

export function formatDuration(s: number): string {
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d) return `${d}d ${h}h`;
  if (h) return `${h}h ${m}m`;
  if (m) return `${m}m`;
  return `${Math.floor(s)}s`;
}

/** Nagios plugin contract: exit code and "LABEL - summary | perfdata" line. */
export function nagiosLine(id: string, ev: Evaluation, say: (english: string) => string = (x) => x): { exitCode: 0 | 1 | 2 | 3; line: string } {
  const map: Record<HealthState, [0 | 1 | 2 | 3, string]> = {
    ok: [0, 'OK'],
    warn: [1, 'WARNING'],
    critical: [2, 'CRITICAL'],
    unknown: [3, 'UNKNOWN'],
    unreachable: [2, 'CRITICAL'],
  };
  const [exitCode, label] = map[ev.state];
  const perf: string[] = [];
  for (const c of ev.checks) for (const [k, v] of Object.entries(c.perfdata)) perf.push(`${k}=${v}`);
  // the keyword and the perfdata are the plugin contract; the summary is for people (say: its language)
  const summary = ev.summary.split('; ').map(say).join('; ');
  const text = `JFLEET ${label} - ${id}: ${summary}`.replace(/\|/g, '/').replace(/[\r\n]+/g, ' ');
  return { exitCode, line: perf.length ? `${text} | ${perf.join(' ')}` : text };
}
