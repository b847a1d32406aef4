import type { Command } from 'commander';
import { Option } from 'commander';
import type { Context } from '../../context.js';
import { forksOption, globals, jsonOption, limitOption, positiveInt, MAX_SECONDS, printJson, println } from '../shared.js';

/** jfleet schedule run|install. Reference: docs/schedule.md. */
export function register(program: Command, ctx: Context): void {
  const schedule = program.command('schedule').description('run sweeps and reports on a schedule (daemon), or install a timer for the one-shot sweep');

  schedule
    .command('run')
    .description('long-running daemon: sweeps and reports on cron expressions, connections kept warm')
    .option('--sweep <cron>', 'sweep schedule (default: config "schedule.sweep", else "*/15 * * * *")')
    .option('--report <cron>', 'report schedule (default: config "schedule.report"; none = no reports)')
    .addOption(
      new Option('--jitter <seconds>', 'random delay before each run').default(0).argParser((v) => (v === '0' ? 0 : positiveInt('--jitter', MAX_SECONDS)(v))),
    )
    .addOption(
      new Option('--stop-timeout <seconds>', 'on SIGTERM/SIGINT, how long a running sweep may finish')
        .default(30)
        .argParser(positiveInt('--stop-timeout', MAX_SECONDS)),
    )
    .addOption(limitOption())
    .addOption(forksOption())
    .addHelpText(
      'after',
      `
Cron expressions have five fields (minute hour day month weekday) or six with seconds first.
Runs never overlap (a tick that finds the previous run still going is skipped and logged); a
sweep started by hand meanwhile holds the sweep lock and the daemon skips that tick. One pool of
SSH connections stays open between sweeps (keepalive; dropped ones are reopened). SIGTERM or
Ctrl-C: no new runs; a running sweep gets --stop-timeout seconds; then every connection closes.

Examples:
  $ jfleet config set schedule.sweep "*/10 * * * *"
  $ jfleet schedule run
  $ jfleet schedule run --sweep "*/30 * * * * *" --report "0 * * * *" --jitter 20`,
    )
    .action(async (opts: { sweep?: string; report?: string; jitter: number; stopTimeout: number; limit?: string; forks?: number }, cmd: Command) => {
      const { scheduleRunCommand } = await import('../handlers/schedule.js');
      await scheduleRunCommand(ctx, { ...opts, inventory: globals(cmd).inventory });
    });

  schedule
    .command('install')
    .description('write a systemd service + timer (or a cron entry) that runs jfleet sweep')
    .addOption(new Option('--kind <kind>', 'systemd or cron (default: systemd when it runs, else cron)').choices(['systemd', 'cron']))
    .option('--cron <expr>', 'when to sweep (default: config "schedule.sweep", else "*/15 * * * *")')
    .option('--on-calendar <spec>', 'systemd OnCalendar, for schedules cron cannot express simply')
    .addOption(
      new Option('--jitter <seconds>', 'systemd RandomizedDelaySec').default(60).argParser((v) => (v === '0' ? 0 : positiveInt('--jitter', MAX_SECONDS)(v))),
    )
    .option('--dir <dir>', 'where the systemd units go (default /etc/systemd/system; implies --kind systemd)')
    .option('--crontab <file>', 'the crontab file to write (default /etc/cron.d/jfleet; implies --kind cron)')
    .option('--user <name>', 'user the sweep runs as', 'root')
    .addOption(limitOption())
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `
Writes files only (installing twice gives the same files); it prints the command that enables
them. The sweep runs with --wait, so a slow sweep delays the next instead of overlapping it.

Examples:
  $ jfleet schedule install                          # systemd: jfleet-sweep.service + .timer
  $ jfleet schedule install --kind cron --cron "*/10 * * * *"
  $ jfleet schedule install --dir ./units --limit Kencong`,
    )
    .action(
      async (
        opts: {
          kind?: 'systemd' | 'cron';
          cron?: string;
          onCalendar?: string;
          jitter: number;
          dir?: string;
          crontab?: string;
          user?: string;
          limit?: string;
          json?: boolean;
        },
        cmd: Command,
      ) => {
        const { installSchedule } = await import('../../schedule/install.js');
        const { assertOutputs } = await import('../output-file.js');
        const inventory = globals(cmd).inventory;
        const r = await installSchedule(ctx, { ...opts, jitterSec: opts.jitter, inventory, checkOutputs: (o) => assertOutputs(ctx, o, { inventory }) });
        if (opts.json) return printJson(ctx, r);
        for (const f of r.files) println(ctx, `wrote ${f}`);
        println(ctx, `next: ${r.next}`);
      },
    );
}
