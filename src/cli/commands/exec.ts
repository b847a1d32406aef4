import { Option, type Command } from 'commander';
import type { Context } from '../../context.js';
import { forksOption, globals, jsonOption, limitOption, positiveInt, MAX_SECONDS } from '../shared.js';

/** jfleet exec, jfleet ssh. */
export function register(program: Command, ctx: Context): void {
  program
    .command('exec')
    .description('run a command on every selected device over SSH, with a per-device recap')
    .argument('<command...>', 'the command: one argument is a shell line as written; several are an argv, each quoted')
    .addOption(limitOption())
    .addOption(forksOption())
    .addOption(new Option('-t, --timeout <seconds>', 'per-device command timeout (default 60)').argParser(positiveInt('--timeout', MAX_SECONDS)))
    .addOption(
      new Option('--connect-timeout <seconds>', 'TCP connect + SSH handshake timeout (default: the smaller of 10 and --timeout)').argParser(
        positiveInt('--connect-timeout', MAX_SECONDS),
      ),
    )
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `
Placeholders {id}, {village}, {address} and {var.NAME} are replaced by each device's values,
as data, never shell. A value holding $ \` [ ] <( >( (bash could run it in arithmetic or an
array subscript) is refused, and so is one inside a longer text (maybe a script for another
shell: 'echo {var.n}') that is not a plain word; before any device is contacted, exit 2.
Output lines are prefixed "ID | " (stdout) and "ID ! " (stderr); on a terminal a progress
line shows done/total on stderr.

Exit codes: 0 every device ran the command and it exited 0; 1 some device failed, was
unreachable, refused auth, offered a changed host key or timed out (the recap says which;
--limit @failed selects them next time); 2 usage or inventory error.

Examples:
  $ jfleet exec -- uptime
  $ jfleet exec --limit Rambipuji --forks 20 --timeout 30 -- 'df -P / | tail -1'
  $ jfleet exec --limit @failed --json -- systemctl is-active jfleet-kiosk
  $ jfleet exec -- echo {id} {var.kiosk_listen}`,
    )
    .action(async (args: string[], opts, cmd: Command) => {
      const { execCommand } = await import('../handlers/exec.js');
      await execCommand(ctx, args, { ...opts, inventory: globals(cmd).inventory });
    });

  program
    .command('ssh')
    .description('open an interactive shell on one device (host key checked against the pin)')
    .argument('<id>', 'package id')
    .argument('[command...]', 'run this instead of a shell')
    .addHelpText(
      'after',
      `
The device's host key must match the fingerprint pinned in the inventory (pinned on first
contact, once the device proved it holds the key). If it changed, the connection is refused
until: jfleet hostkey accept ID.

Examples:
  $ jfleet ssh kiosk-rambipuji
  $ jfleet ssh kiosk-rambipuji -- journalctl -u jfleet-kiosk -n 50`,
    )
    .action(async (id: string, command: string[], _opts, cmd: Command) => {
      const { sshCommand } = await import('../handlers/exec.js');
      await sshCommand(ctx, id, { inventory: globals(cmd).inventory, command });
    });
}
