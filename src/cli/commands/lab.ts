import { Option, type Command } from 'commander';
import type { Context } from '../../context.js';
import { jsonOption, positiveInt } from '../shared.js';

/** jfleet lab up|down|status. */
export function register(program: Command, ctx: Context): void {
  const lab = program
    .command('lab')
    .description('a simulated fleet of real SSH devices on this machine (training, demos, tests)')
    .addHelpText(
      'after',
      `
Each device is a real OpenSSH sshd on its own loopback address (127.<100+slot>.x.y) with its
own host key, hostname, process table and copy-on-write root, in a real Jember village.
Needs root (mount, unshare, chroot); installs openssh-server if it is missing. See docs/lab.md.

Examples:
  $ sudo jfleet lab up --devices 20
  $ export JFLEET_INVENTORY=...   # printed by lab up
  $ jfleet exec -- hostname
  $ sudo jfleet lab status
  $ sudo jfleet lab down`,
    );
  lab
    .command('up')
    .description('bring up a lab and write its inventory; prints the environment to use it')
    .addOption(new Option('-n, --devices <n>', 'number of devices').argParser(positiveInt('--devices')).default(20))
    .addOption(
      new Option('--password-only <n>', 'the last N devices accept only a root password (bootstrap practice)').argParser(positiveInt('--password-only')),
    )
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `
Examples:
  $ sudo jfleet lab up --devices 100
  $ sudo jfleet lab up --devices 10 --password-only 2 --json`,
    )
    .action(async (opts) => {
      const { labUpCommand } = await import('../handlers/lab.js');
      await labUpCommand(ctx, opts);
    });
  lab
    .command('down')
    .description('stop labs started with lab up (every process by pid, every mount), and remove them')
    .argument('[id]', 'one lab id (default: every lab started with lab up)')
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `
Examples:
  $ sudo jfleet lab down`,
    )
    .action(async (id: string | undefined, opts) => {
      const { labDownCommand } = await import('../handlers/lab.js');
      await labDownCommand(ctx, id, opts);
    });
  lab
    .command('status')
    .description('list the labs on this machine and how many of their devices answer')
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `
Examples:
  $ jfleet lab status --json`,
    )
    .action(async (opts) => {
      const { labStatusCommand } = await import('../handlers/lab.js');
      await labStatusCommand(ctx, opts);
    });
}
