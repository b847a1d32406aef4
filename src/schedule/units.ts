/**
 * What `jfleet schedule install` writes: a systemd service + timer, or a cron.d entry, for the
 * one-shot sweep. Pure: paths and schedule in, file text out.
 */
import { UserError } from '../errors.js';

export interface InstallSpec {
  /** absolute path of node and of bin/jfleet.js */
  node: string;
  bin: string;
  /** environment the sweep runs with (JFLEET_HOME, JFLEET_INVENTORY…) */
  env: Record<string, string>;
  /** cron expression (5 fields) */
  cron: string;
  user: string;
  /** extra sweep arguments, e.g. ["--limit", "Kencong"] */
  args: string[];
  logFile: string;
}

const SAFE = /^[^\u0000-\u001f\u007f]*$/;
function check(v: string, what: string): string {
  if (!SAFE.test(v)) throw new UserError(`${what} must not contain control characters or newlines`);
  return v;
}

/** systemd quoting: double quotes, backslash-escape \ " and $ (and % for specifiers). */
function sdQuote(v: string): string {
  if (/^[A-Za-z0-9_./:=@+,-]+$/.test(v)) return v;
  return '"' + check(v, 'a unit value').replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\$/g, '$$$$').replace(/%/g, '%%') + '"';
}

/** A POSIX-shell single-quoted word, for the crontab line (cron hands it to /bin/sh). */
function shQuote(v: string): string {
  check(v, 'a crontab value');
  if (/^[A-Za-z0-9_./:=@+,-]+$/.test(v)) return v;
  return "'" + v.replace(/'/g, `'\\''`) + "'";
}

/** The common cron shapes as a systemd OnCalendar; anything else needs --on-calendar. */
export function cronToOnCalendar(expr: string): string {
  const f = expr.trim().split(/\s+/);
  if (f.length !== 5)
    throw new UserError(`cannot turn "${expr}" into a systemd OnCalendar; pass --on-calendar`, { hint: 'e.g. --on-calendar "*:0/15" (see man systemd.time)' });
  const [min = '', hour = '', dom, mon, dow] = f; // five fields, checked above
  const num = (s: string) => /^\d{1,2}$/.test(s);
  const step = (s: string) => /^\*\/\d{1,2}$/.test(s);
  const part = (s: string) => (s === '*' ? '*' : num(s) ? s.padStart(2, '0') : step(s) ? `00/${s.slice(2)}` : null);
  const m = part(min);
  const h = part(hour);
  if (m === null || h === null || dom !== '*' || mon !== '*' || dow !== '*') {
    throw new UserError(`cannot turn "${expr}" into a systemd OnCalendar; pass --on-calendar`, { hint: 'e.g. --on-calendar "*:0/15" (see man systemd.time)' });
  }
  return `*-*-* ${h}:${m}:00`;
}

/** A service unit's head and [Service] lines both kinds share: the description, the network, the user, the environment, the command. */
function serviceHead(spec: InstallSpec, o: { comment: string; description: string; unit?: string; type: 'oneshot' | 'simple'; command: string[] }): string {
  const exec = [spec.node, spec.bin, ...o.command, ...spec.args].map(sdQuote).join(' ');
  const env = Object.entries(spec.env)
    .map(([k, v]) => `Environment=${sdQuote(`${k}=${v}`)}`)
    .join('\n');
  return `${o.comment}
[Unit]
Description=${o.description}
${o.unit ? `${o.unit}\n` : ''}Wants=network-online.target
After=network-online.target

[Service]
Type=${o.type}
User=${check(spec.user, 'user')}
${env}
ExecStart=${exec}
`;
}

export function renderSystemdUnits(spec: InstallSpec, onCalendar: string, jitterSec: number): { service: string; timer: string } {
  const service = `${serviceHead(spec, {
    comment: '# Written by jfleet schedule install. One health sweep of the kiosk fleet.',
    description: 'jfleet health sweep of the village kiosks',
    type: 'oneshot',
    command: ['sweep', '--wait'],
  })}# Exit codes 1/3/6/7 mean "the fleet has problems", not "the sweep failed".
SuccessExitStatus=1 3 6 7
TimeoutStartSec=15min
Nice=5
`;
  const timer = `# Written by jfleet schedule install.
[Unit]
Description=jfleet health sweep schedule

[Timer]
OnCalendar=${check(onCalendar, 'OnCalendar')}
RandomizedDelaySec=${Math.max(0, Math.round(jitterSec))}
Persistent=true

[Install]
WantedBy=timers.target
`;
  return { service, timer };
}

/**
 * The long-running schedule (`--kind daemon`): `jfleet schedule run` under systemd, which keeps
 * each device's session open between sweeps. A warm sweep through a tunnel is ~0.6 KiB a kiosk
 * where a one-shot sweep (dial, key exchange, login, hang up) is ~10 KiB (bench/tunnel.mjs): on a
 * prepaid SIM the difference between ~4 and ~30 MiB a month at a 15-minute schedule.
 */
export function renderDaemonUnit(spec: InstallSpec, jitterSec: number): string {
  return `${serviceHead(spec, {
    comment:
      "# Written by jfleet schedule install --kind daemon. Health sweeps of the kiosk fleet on a\n# schedule, each device's connection kept open between them (reports: config schedule.report).",
    description: 'jfleet schedule: health sweeps of the village kiosks, connections kept',
    // the one-shot timer and the daemon never run together (two sweeps, twice the bytes)
    unit: 'Conflicts=jfleet-sweep.timer jfleet-sweep.service',
    type: 'simple',
    command: ['schedule', 'run', '--sweep', spec.cron, '--jitter', String(Math.max(0, Math.round(jitterSec)))],
  })}Restart=always
RestartSec=30
# exit 2 is a usage error (a bad cron, a broken inventory): restarting cannot fix it
RestartPreventExitStatus=2
# SIGTERM lets a running sweep finish (schedule run --stop-timeout, 30 s); it then exits 143
TimeoutStopSec=60
SuccessExitStatus=143
Nice=5

[Install]
WantedBy=multi-user.target
`;
}

export const CRON_BEGIN = '# BEGIN jfleet sweep (written by jfleet schedule install)';
export const CRON_END = '# END jfleet sweep';

/** The cron.d block; the sweep lock (sweep --wait) keeps runs from overlapping. */
export function renderCronBlock(spec: InstallSpec, withUserField: boolean): string {
  const env = Object.entries(spec.env)
    .map(([k, v]) => `${k}=${shQuote(v)}`)
    .join(' ');
  const cmd = [spec.node, spec.bin, 'sweep', '--wait', ...spec.args].map(shQuote).join(' ');
  const line = `${check(spec.cron, 'cron')}${withUserField ? ` ${check(spec.user, 'user')}` : ''} ${env ? env + ' ' : ''}${cmd} >> ${shQuote(spec.logFile)} 2>&1`;
  // cron turns an unescaped % into a newline
  return `${CRON_BEGIN}\n${line.replace(/%/g, '\\%')}\n${CRON_END}\n`;
}

/** Replace our block in an existing crontab (or append it): installing twice changes nothing. */
export function mergeCronBlock(existing: string, block: string): string {
  const start = existing.indexOf(CRON_BEGIN);
  const end = existing.indexOf(CRON_END);
  if (start >= 0 && end > start) return existing.slice(0, start) + block + existing.slice(end + CRON_END.length).replace(/^\n/, '');
  return existing + (existing && !existing.endsWith('\n') ? '\n' : '') + block;
}
