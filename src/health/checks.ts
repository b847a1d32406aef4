/**
 * Checks: pure functions from a probe result and thresholds to ok / warn / critical / unknown
 * with perfdata. The probe is I/O; the verdict is not. Missing data gives unknown, never a throw.
 */
import type { CheckResult, CheckState, HealthState, ProbeResult, RemoteFacts } from './types.js';
import type { Thresholds } from './thresholds.js';

type Facts = Partial<RemoteFacts>;

/** What a check may know beyond this probe: the device's previous sweep, and the fleet's clock settings. */
export interface CheckContext {
  /** when this probe ran, epoch seconds */
  now?: number;
  /** the last boot the previous sweep saw (epoch s), and whether that boot was unexpected */
  previousBoot?: number | null;
  previousUnexpectedBoot?: number | null;
  /** the fleet's local time offset from UTC, minutes (health.yaml utc_offset) */
  utcOffsetMin?: number;
}
type Check = (f: Facts, t: Thresholds, c?: CheckContext) => CheckResult;

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

/** Two boot times this close are one boot (each is computed from the device's uptime and our clock). */
const SAME_BOOT_S = 120;

/** Minutes after local midnight of an epoch time, at the fleet's UTC offset. */
function localMinutes(epochS: number, utcOffsetMin: number): number {
  return (((Math.floor(epochS / 60) + utcOffsetMin) % 1440) + 1440) % 1440;
}

function hhmm(min: number): string {
  return `${String(Math.floor(min / 60)).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`;
}

/**
 * Rebooted unexpectedly: a boot since the previous sweep that falls outside the nightly reboot
 * window (the recipe's reboot timer). The first sweep ever has nothing to compare with, so a
 * low uptime alone is no finding. An unexpected boot keeps warning for uptime_warn_s after it
 * (so it can be confirmed by the next sweeps), carried from sweep to sweep in the check's perfdata.
 */
export const uptime: Check = (f, t, c = {}) => {
  const up = num(f.up);
  if (up === null) return unknown('uptime', 'uptime');
  const perf: Record<string, number> = { uptime_s: up };
  const boot = num(f.boot);
  if (boot !== null) perf.boot_epoch = boot;
  const prev = c.previousBoot ?? null;
  const same = (a: number | null, b: number | null) => a !== null && b !== null && Math.abs(a - b) < SAME_BOOT_S;
  let unexpected = false;
  if (boot !== null && prev !== null && !same(boot, prev)) {
    const at = localMinutes(boot, c.utcOffsetMin ?? 0);
    const from = t.rebootWindowStartMin;
    const inWindow = (at - from + 1440) % 1440 <= t.rebootWindowMin;
    unexpected = !inWindow;
  } else if (boot !== null && same(boot, c.previousUnexpectedBoot ?? null)) {
    unexpected = true;
  }
  if (unexpected && up < t.uptimeWarnS) {
    perf.unexpected_boot = boot!;
    const at = hhmm(localMinutes(boot!, c.utcOffsetMin ?? 0));
    const win = `${hhmm(t.rebootWindowStartMin)}+${t.rebootWindowMin}min`;
    return res('uptime', 'warn', `up ${formatDuration(up)} (rebooted unexpectedly at ${at}, outside the nightly window ${win})`, perf);
  }
  return res('uptime', 'ok', `up ${formatDuration(up)}`, perf);
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
  // a lab device's stand-in is never reported as a browser
  if (f.ksi === 1) return res('kiosk_browser', 'ok', 'stand-in browser (lab device): no real browser runs here', { stand_in: 1 });
  if (f.ksi === 0) return res('kiosk_browser', 'critical', 'stand-in browser (lab device) not running', { stand_in: 1 });
  const unit = typeof f.ku === 'string' ? ` (jfleet-kiosk.service ${f.ku}${num(f.kn) !== null ? `, ${f.kn} restarts` : ''})` : '';
  if (f.kb === 1) return res('kiosk_browser', 'ok', `kiosk browser answers${unit}`);
  if (f.kb === 0) return res('kiosk_browser', 'critical', `kiosk browser does not answer (DevTools on 127.0.0.1:9222)${unit}`);
  return unknown('kiosk_browser', 'kiosk browser');
};

/** The kiosk unit: its state and how often systemd restarted it (a crash loop shows here). */
export const kioskUnit: Check = (f) => {
  if (f.ksi === 0 || f.ksi === 1) return res('kiosk_unit', 'unknown', 'kiosk unit: not checked (lab device, no systemd)');
  if (typeof f.ku !== 'string') return unknown('kiosk_unit', 'kiosk unit');
  const n = num(f.kn);
  const w = num(f.kwr);
  const b = num(f.kbr);
  const perf: Record<string, number> = {};
  if (n !== null) perf.kiosk_restarts = n;
  if (w !== null) perf.watchdog_restarts = w;
  if (b !== null) perf.browser_restarts = b;
  // the browser's own restarts (in its session, the unit still up) are a part of their own
  const tail = `${n !== null ? `, ${n} restarts` : ''}${w ? `, ${w} by the watchdog` : ''}${b ? `; browser restarted ${b} time(s) in its session` : ''}`;
  if (f.ku === 'active') return res('kiosk_unit', 'ok', `jfleet-kiosk.service active${tail}`, perf);
  if (f.ku === 'activating' || f.ku === 'reloading') return res('kiosk_unit', 'warn', `jfleet-kiosk.service ${f.ku}${tail}`, perf);
  return res('kiosk_unit', 'critical', `jfleet-kiosk.service ${f.ku}${tail}`, perf);
};

/** What a page URL is: the portal, the kiosk's offline page, Chromium's error page, or something else. */
export function pageKind(url: string, portal: string | null): 'portal' | 'offline' | 'error' | 'other' {
  if (url.startsWith('chrome-error://')) return 'error';
  if (/^file:\/\/\/(?:opt\/jfleet-kiosk\/current\/www|usr\/share\/jfleet-kiosk)\/offline\.html(?:[#?]|$)/.test(url)) return 'offline';
  if (portal) {
    try {
      if (new URL(url).origin === new URL(portal).origin) return 'portal';
    } catch {
      return 'other';
    }
  }
  return 'other';
}

/** The page on screen (DevTools /json/list): the portal is ok; the offline page means the portal is unreachable from the kiosk. */
export const kioskScreen: Check = (f, t) => {
  if (f.ksi === 0 || f.ksi === 1) return res('kiosk_screen', 'unknown', 'page: not checked (lab stand-in, no real browser)');
  if (f.kb !== 1 || typeof f.purl !== 'string') return unknown('kiosk_screen', 'page shown');
  const title = typeof f.ptl === 'string' && f.ptl !== '' ? ` "${f.ptl}"` : '';
  // Chromium lists its network-error page under the URL that failed (the portal's): the watchdog,
  // which evaluates the document itself, says when the page at this URL is that error page
  const errorPage = f.pwk === 'error' && f.pwu === f.purl;
  const kind = errorPage ? 'error' : pageKind(f.purl, typeof f.kurl === 'string' ? f.kurl : null);
  if (kind === 'portal') return res('kiosk_screen', 'ok', `portal shown${title}`);
  if (kind === 'offline')
    return res('kiosk_screen', t.upstreamState === 'ok' ? 'ok' : 'warn', `offline page shown${title} (the kiosk cannot reach its portal)`);
  if (kind === 'error') return res('kiosk_screen', 'critical', `browser error page shown (${f.purl.slice(0, 80)})`);
  return res('kiosk_screen', 'warn', `unexpected page shown${title} (${f.purl.slice(0, 80)})`);
};

/** The package's camera (every package is a multimedia kiosk): a video capture device present. */
export const camera: Check = (f) => {
  if (f.ksi === 0 || f.ksi === 1) return res('camera', 'unknown', 'camera: not checked (lab device)');
  const n = num(f.cam);
  if (n === null) return unknown('camera', 'camera');
  if (n === 0) return res('camera', 'warn', 'no camera (no /dev/video* device)', { video_devices: 0 });
  return res('camera', 'ok', `camera present (${n} video device(s))`, { video_devices: n });
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
  if ((c ?? 0) === 0) return res('display', 'critical', 'no display connected (check the cable and the screen)', { displays: 0 });
  const on = num(f.dpo);
  if (on === 0) return res('display', 'critical', `${c} display(s) connected but blanked (DPMS Off)`, { displays: c ?? 0, displays_on: 0 });
  return res('display', 'ok', `${c} display(s) connected${on !== null ? ', screen on' : ''}`, {
    displays: c ?? 0,
    ...(on !== null ? { displays_on: on } : {}),
  });
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
  kiosk_unit: kioskUnit,
  kiosk_screen: kioskScreen,
  camera,
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
export function evaluate(probe: ProbeResult, t: Thresholds, c: CheckContext = {}): Evaluation {
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
  const ctx: CheckContext = { now: Math.floor(Date.parse(probe.at) / 1000), ...c };
  const core = Object.values(CORE_CHECKS).map((k) => k(f, t, ctx));
  const aux = Object.values(AUX_CHECKS).map((k) => k(f, t, ctx));
  const counted = [...core.map((x) => x.state), ...aux.filter((x) => x.state !== 'unknown').map((x) => x.state)];
  const state = worst(counted);
  const bad = [...core, ...aux].filter((x) => x.state !== 'ok' && (x.state !== 'unknown' || core.includes(x)));
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
  // the keyword and the perfdata are the plugin contract; the summary is for people (say: its
  // language). Said whole: a reason may hold "; " of its own (a host key's advice), and say()
  // takes a list of problems part by part when no template holds the whole
  const summary = say(ev.summary);
  const text = `JFLEET ${label} - ${id}: ${summary}`.replace(/\|/g, '/').replace(/[\r\n]+/g, ' ');
  return { exitCode, line: perf.length ? `${text} | ${perf.join(' ')}` : text };
}
