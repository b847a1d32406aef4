/**
 * jfleet schedule install: writes the systemd service + timer (default when systemd runs) or a
 * cron.d entry for the one-shot sweep. Never runs systemctl itself: prints the next command.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeAtomic, writeAtomicSet } from '../atomic-file.js';
import type { Context } from '../context.js';
import { homePaths } from '../context.js';
import { cronToOnCalendar, mergeCronBlock, renderCronBlock, renderDaemonUnit, renderSystemdUnits, type InstallSpec } from './units.js';
import { validateCron } from './cron.js';
import { UserError } from '../errors.js';

export type ScheduleKind = 'systemd' | 'cron' | 'daemon';

export interface InstallOptions {
  kind?: ScheduleKind;
  /** systemd unit directory (default /etc/systemd/system) */
  dir?: string;
  /** crontab file (default /etc/cron.d/jfleet) */
  crontab?: string;
  cron?: string;
  onCalendar?: string;
  jitterSec?: number;
  user?: string;
  inventory?: string;
  limit?: string;
  /** checks the files about to be written before anything is (the handler's output-path guard) */
  checkOutputs?: (outputs: Array<{ flag: string; file: string; createDirs?: boolean }>) => void;
}

export interface InstallResult {
  kind: ScheduleKind;
  files: string[];
  next: string;
  /** with a one-shot kind: how many of the swept packages are reached through a tunnel (each one-shot sweep dials them afresh) */
  tunnelled?: number;
}

/**
 * systemd or cron: said with --kind, else implied by --dir/--on-calendar (systemd) or --crontab
 * (cron), else systemd when it runs. A flag for the other kind is refused, never silently ignored.
 */
function scheduleKind(opts: InstallOptions): ScheduleKind {
  const systemdFlag = opts.dir !== undefined ? '--dir' : opts.onCalendar !== undefined ? '--on-calendar' : undefined;
  const cronFlag = opts.crontab !== undefined ? '--crontab' : undefined;
  if (opts.kind === 'daemon') {
    // the daemon is a systemd service: its unit goes in --dir; it keeps its own time (no timer, no cron line)
    const other = opts.onCalendar !== undefined ? '--on-calendar' : cronFlag;
    if (other) throw new UserError(`${other} is for a one-shot sweep on a timer, not --kind daemon`, { hint: 'the daemon takes its schedule from --cron' });
    return 'daemon';
  }
  if (systemdFlag && cronFlag)
    throw new UserError(`${systemdFlag} (systemd) and ${cronFlag} (cron) do not go together`, { hint: 'pick one, or say which with --kind' });
  if (opts.kind === 'cron' && systemdFlag) throw new UserError(`${systemdFlag} is for systemd units, not --kind cron`);
  if (opts.kind === 'systemd' && cronFlag) throw new UserError(`${cronFlag} is for cron, not --kind systemd`);
  if (opts.kind) return opts.kind;
  if (systemdFlag) return 'systemd';
  if (cronFlag) return 'cron';
  return existsSync('/run/systemd/system') ? 'systemd' : 'cron';
}

export async function installSchedule(ctx: Context, opts: InstallOptions): Promise<InstallResult> {
  let cronExpr = opts.cron;
  cronExpr ??= ctx.config().schedule?.sweep;
  const from = opts.cron ? '--cron' : cronExpr ? 'config schedule.sweep' : undefined;
  cronExpr ??= '*/15 * * * *';
  validateCron(cronExpr, from ?? 'the sweep schedule');
  const kind = scheduleKind(opts);
  // cron.d and OnCalendar take five fields; a sixth (node-cron's seconds, which the daemon reads)
  // written verbatim would make a line cron never runs
  if (kind !== 'daemon' && cronExpr.trim().split(/\s+/).length !== 5) {
    throw new UserError(
      `${from ?? 'the sweep schedule'} "${cronExpr}" has ${cronExpr.trim().split(/\s+/).length} fields; schedule install writes crontab and systemd timers, which take exactly 5 (minute hour day month weekday)`,
      {
        hint: { kind: 'cron-seconds' },
      },
    );
  }
  const bin = fileURLToPath(new URL('../../bin/jfleet.js', import.meta.url));
  const env: Record<string, string> = { JFLEET_HOME: ctx.home };
  const inv = opts.inventory ?? ctx.env.JFLEET_INVENTORY;
  if (inv) env.JFLEET_INVENTORY = resolve(ctx.cwd, inv);
  const spec: InstallSpec = {
    node: process.execPath,
    bin,
    env,
    cron: cronExpr,
    user: opts.user ?? 'root',
    args: opts.limit ? ['--limit', opts.limit] : [],
    logFile: join(homePaths(ctx.home).logsDir, 'sweep.log'),
  };
  if (kind === 'daemon') {
    const dir = resolve(ctx.cwd, opts.dir ?? '/etc/systemd/system');
    const service = join(dir, 'jfleet-schedule.service');
    opts.checkOutputs?.([{ flag: '--dir', file: service, createDirs: true }]);
    mkdirSync(dir, { recursive: true });
    writeAtomic(service, renderDaemonUnit(spec, opts.jitterSec ?? 60), { mode: 0o644 });
    // the unit Conflicts= with the one-shot timer: starting it stops the timer (docs/schedule.md: disable the timer too)
    return { kind, files: [service], next: 'systemctl daemon-reload && systemctl enable --now jfleet-schedule.service' };
  }
  const tunnelled = await tunnelledCount(ctx, opts);
  if (kind === 'systemd') {
    const dir = resolve(ctx.cwd, opts.dir ?? '/etc/systemd/system');
    const units = renderSystemdUnits(spec, opts.onCalendar ?? cronToOnCalendar(cronExpr), opts.jitterSec ?? 60);
    const service = join(dir, 'jfleet-sweep.service');
    const timer = join(dir, 'jfleet-sweep.timer');
    opts.checkOutputs?.([
      { flag: '--dir', file: service, createDirs: true },
      { flag: '--dir', file: timer, createDirs: true },
    ]);
    mkdirSync(dir, { recursive: true });
    writeAtomicSet([
      { file: service, data: units.service, mode: 0o644 },
      { file: timer, data: units.timer, mode: 0o644 },
    ]);
    return { kind, files: [service, timer], next: 'systemctl daemon-reload && systemctl enable --now jfleet-sweep.timer', tunnelled };
  }
  const file = resolve(ctx.cwd, opts.crontab ?? '/etc/cron.d/jfleet');
  // cron.d entries carry a user field; a user crontab (crontab -l style file) does not.
  const withUser = !opts.crontab || dirname(file) === '/etc/cron.d';
  opts.checkOutputs?.([{ flag: '--crontab', file, createDirs: true }]);
  mkdirSync(dirname(file), { recursive: true });
  mkdirSync(homePaths(ctx.home).logsDir, { recursive: true });
  const existing = existsSync(file) ? readFileSync(file, 'utf8') : '';
  writeAtomic(file, mergeCronBlock(existing, renderCronBlock(spec, withUser)), { mode: 0o644 });
  return { kind, files: [file], next: withUser ? 'cron picks up /etc/cron.d by itself' : `crontab ${file}`, tunnelled };
}

/** The swept packages reached through a tunnel, for the one-shot kinds' note; 0 when the inventory does not load (the sweep will say why). */
async function tunnelledCount(ctx: Context, opts: InstallOptions): Promise<number> {
  try {
    const { loadSelection } = await import('../inventory/service.js');
    const sel = await loadSelection(ctx, { inventory: opts.inventory, limit: opts.limit });
    return sel.packages.filter((p) => p.reach === 'tunnel').length;
  } catch {
    return 0;
  }
}
