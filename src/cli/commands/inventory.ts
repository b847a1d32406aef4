import type { Command } from 'commander';
import type { Context } from '../../context.js';
import { jsonOption, limitOption } from '../shared.js';

/** jfleet inventory list|show|check|remove */
export function register(program: Command, ctx: Context): void {
  const inv = program
    .command('inventory')
    .description('list, show, check and remove registered packages')
    .addHelpText(
      'after',
      `
The inventory is <dir>/packages.yaml, where <dir> is --inventory, $JFLEET_INVENTORY, config
"inventory", or $JFLEET_HOME/inventory. Selector grammar for --limit: docs/selectors.md.

Examples:
  $ jfleet inventory list --limit Rambipuji
  $ jfleet inventory show rambipuji-1 --json
  $ jfleet inventory check
  $ jfleet inventory remove rambipuji-1 --yes`,
    );
  const g = (cmd: Command) => cmd.optsWithGlobals().inventory as string | undefined;

  inv
    .command('list')
    .description('list packages (all, or those --limit selects)')
    .addOption(limitOption())
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `
Examples:
  $ jfleet inventory list
  $ jfleet inventory list --limit 'tag:ring-0 & !Kaliwates' --json`,
    )
    .action(async (opts, cmd: Command) => {
      const { listCommand } = await import('../handlers/inventory.js');
      await listCommand(ctx, { ...opts, inventory: g(cmd) });
    });

  inv
    .command('show')
    .description('show one package')
    .argument('<id>', 'package id')
    .option('--with-custodian', 'include the custodian contact (personal data; hidden by default)')
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `
Examples:
  $ jfleet inventory show rambipuji-1
  $ jfleet inventory show rambipuji-1 --json`,
    )
    .action(async (id: string, opts, cmd: Command) => {
      const { showCommand } = await import('../handlers/inventory.js');
      await showCommand(ctx, id, { ...opts, inventory: g(cmd) });
    });

  inv
    .command('check')
    .description('lint the inventory: schema, duplicates, unknown villages, shared addresses; exits 2 on errors')
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `
Exit codes: 0 no errors (warnings allowed), 2 errors found.

Examples:
  $ jfleet inventory check
  $ jfleet --inventory inventories/example inventory check --json`,
    )
    .action(async (opts, cmd: Command) => {
      const { checkCommand } = await import('../handlers/inventory.js');
      await checkCommand(ctx, { ...opts, inventory: g(cmd) });
    });

  inv
    .command('remove')
    .description('remove packages by id (or --limit); asks to confirm unless --yes')
    .argument('[ids...]', 'package ids')
    .addOption(limitOption())
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--dry-run', 'show what would be removed, write nothing')
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `
Without a terminal and without --yes it refuses (exit 2) instead of waiting for an answer.

Examples:
  $ jfleet inventory remove rambipuji-1
  $ jfleet inventory remove --limit 'tag:retired' --yes`,
    )
    .action(async (ids: string[], opts, cmd: Command) => {
      const { removeCommand } = await import('../handlers/inventory.js');
      await removeCommand(ctx, ids, { ...opts, inventory: g(cmd) });
    });
}
