import type { Command } from 'commander';
import { Option } from 'commander';
import type { Context } from '../../context.js';
import { forksOption, globals, jsonOption, limitOption, positiveInt } from '../shared.js';

/** jfleet check, sweep, status, history, silence. Reference: docs/health.md. */
export function register(program: Command, ctx: Context): void {
  program
    .command('sweep')
    .description('probe every selected device once, store the results, print a summary')
    .addOption(limitOption())
    .addOption(jsonOption())
    .addOption(forksOption())
    .option('--wait', 'if another sweep is running, wait for it instead of exiting 75')
    .option('--report', 'then queue a report and send the outbox, as jfleet report does (docs/reporting.md)')
    .addHelpText(
      'after',
      `
One small script per device (one round trip), checks judged locally, soft/hard states kept in
$JFLEET_HOME/state/jfleet.db. Thresholds, groups, probe targets and maintenance windows come
from health.yaml in the inventory directory (docs/health.md).

Exit codes (the worst HARD state of a device that is neither silenced nor flapping):
  0 ok (soft problems do not count)   1 warn   3 unknown   6 critical   7 unreachable
  2 usage or input error   75 another sweep holds the lock   130 cancelled
With --report, the report's exit code wins when it fails (see jfleet report --help): 1 reports
left queued, 2 no central API configured or the token refused, 75 the outbox is busy.

Examples:
  $ jfleet sweep
  $ jfleet sweep --limit Kencong --json
  $ jfleet sweep --forks 100 --wait       # from cron: queue behind a running sweep
  $ jfleet sweep --report                 # sweep, then report to the central API`,
    )
    .action(async (opts: { limit?: string; json?: boolean; forks?: number; wait?: boolean; report?: boolean }, cmd: Command) => {
      const { sweepCommand } = await import('../handlers/health.js');
      await sweepCommand(ctx, { ...opts, inventory: globals(cmd).inventory });
    });

  program
    .command('screenshot')
    .description("fetch a PNG of what the kiosk's screen shows now")
    .argument('<id>', 'package id')
    .option('-o, --output <file>', 'where to write the PNG (default: ID.png)')
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `
Runs grim on the device as the kiosk user inside its Wayland session (cage offers screen
capture) and brings the PNG back over the same SSH connection; the file is written whole or not
at all, and never over one of jfleet's inputs or state. A device with no screen to take says why
in one line, exit 1: the lab's stand-in browser, no display connected, no kiosk session running.

Exit codes: 0 written   1 the device has no screen to take, or cannot be reached
  2 unknown id, or an output that must not or cannot be written

Examples:
  $ jfleet screenshot kiosk-rambipuji-1
  $ jfleet screenshot kiosk-rambipuji-1 -o /tmp/rambipuji.png`,
    )
    .action(async (id: string, opts: { output?: string; json?: boolean }, cmd: Command) => {
      const { screenshotCommand } = await import('../handlers/health.js');
      await screenshotCommand(ctx, id, { ...opts, inventory: globals(cmd).inventory });
    });

  program
    .command('check')
    .description('check one device now, as a Nagios/Icinga plugin (exit 0/1/2/3, one line with perfdata)')
    .argument('<id>', 'package id')
    .addHelpText(
      'after',
      `
Speaks the Nagios plugin contract: one status line "JFLEET STATE - id: summary | perfdata" and
exit 0 OK, 1 WARNING, 2 CRITICAL (also when the device cannot be reached), 3 UNKNOWN (including
a bad id or inventory). Stores nothing: Nagios keeps its own soft/hard state.

Examples:
  $ jfleet check kiosk-rambipuji-1
  # Nagios: define command { command_name check_jfleet  command_line jfleet check $HOSTNAME$ }`,
    )
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const { checkCommand } = await import('../handlers/health.js');
      await checkCommand(ctx, id, { inventory: globals(cmd).inventory });
    });

  program
    .command('status')
    .description('the fleet at a glance, grouped by district: counts per state, problems and since when')
    .addOption(limitOption())
    .addOption(jsonOption())
    .addOption(new Option('-w, --watch [seconds]', 'redraw every few seconds (default 5) until Ctrl-C'))
    .option('--map <file>', 'write a map of Jember with each village coloured by state (.svg, .png or .html)')
    .addHelpText(
      'after',
      `
Reads the last sweep results; it never touches a device and never waits for a running sweep.

Examples:
  $ jfleet status
  $ jfleet status --limit Kencong --json
  $ jfleet status --watch 10
  $ jfleet status --map fleet.png          # also fleet.svg, fleet.html`,
    )
    .action(async (opts: { limit?: string; json?: boolean; watch?: boolean | string; map?: string }, cmd: Command) => {
      const { statusCommand } = await import('../handlers/health.js');
      await statusCommand(ctx, { ...opts, inventory: globals(cmd).inventory });
    });

  program
    .command('history')
    .description("one device's checks, state changes and availability; without an id, availability per village")
    .argument('[id]', 'package id')
    .addOption(new Option('--days <n>', 'period to look back over').default(30).argParser(positiveInt('--days')))
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `
Availability is the share of sweeps in which a device answered and was ok or warn.

Examples:
  $ jfleet history kiosk-rambipuji-1
  $ jfleet history --days 30              # availability per village over the last 30 days
  $ jfleet history kiosk-rambipuji-1 --days 7 --json`,
    )
    .action(async (id: string | undefined, opts: { days?: number; json?: boolean }) => {
      const { historyCommand } = await import('../handlers/health.js');
      await historyCommand(ctx, id, opts);
    });

  program
    .command('silence')
    .description('keep a device under repair from alerting (and --list, --clear)')
    .argument('[id]', 'package id')
    .option('--for <duration>', 'how long: 90m, 36h, 2d, 1w')
    .option('--reason <text>', 'why (the next technician reads it)')
    .option('--start <time>', 'start later (ISO time): a one-off maintenance window')
    .option('--list', 'list open silences')
    .option('--clear', 'end the open silences of ID now')
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `
A silenced device is still swept and shown, but never counts toward the sweep's exit code.
Recurring maintenance windows (e.g. the nightly reboot) live in health.yaml (docs/health.md).

Examples:
  $ jfleet silence kiosk-rambipuji-1 --for 2d --reason "screen replaced, waiting for parts"
  $ jfleet silence kiosk-kencong-2 --start 2026-03-01T22:00:00+07:00 --for 3h --reason "power work"
  $ jfleet silence --list
  $ jfleet silence kiosk-rambipuji-1 --clear`,
    )
    .action(
      async (
        id: string | undefined,
        opts: { for?: string; reason?: string; start?: string; list?: boolean; clear?: boolean; json?: boolean },
        cmd: Command,
      ) => {
        const { silenceCommand } = await import('../handlers/health.js');
        await silenceCommand(ctx, id, { ...opts, inventory: globals(cmd).inventory });
      },
    );
}
