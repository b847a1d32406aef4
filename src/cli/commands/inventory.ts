import type { Command } from 'commander';
import type { Context } from '../../context.js';
import { jsonOption, limitOption } from '../shared.js';

/** jfleet inventory list|show|check|remove */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  const inv = program
    .command('inventory')
    .description(t('help.inventory.description'))
    .addHelpText('after', () => t('help.inventory.helpAfter'));
  const g = (cmd: Command) => cmd.optsWithGlobals().inventory as string | undefined;

  inv
    .command('list')
    .description(t('help.inventory.list.description'))
    .addOption(limitOption(t))
    .addOption(jsonOption(t))
    .addHelpText('after', () => t('help.inventory.list.helpAfter'))
    .action(async (opts, cmd: Command) => {
      const { listCommand } = await import('../handlers/inventory.js');
      await listCommand(ctx, { ...opts, inventory: g(cmd) });
    });

  inv
    .command('show')
    .description(t('help.inventory.show.description'))
    .argument('<id>', t('help.inventory.show.arg.id'))
    .option('--with-custodian', t('help.inventory.show.opt.withCustodian'))
    .addOption(jsonOption(t))
    .addHelpText('after', () => t('help.inventory.show.helpAfter'))
    .action(async (id: string, opts, cmd: Command) => {
      const { showCommand } = await import('../handlers/inventory.js');
      await showCommand(ctx, id, { ...opts, inventory: g(cmd) });
    });

  inv
    .command('check')
    .description(t('help.inventory.check.description'))
    .addOption(jsonOption(t))
    .addHelpText('after', () => t('help.inventory.check.helpAfter'))
    .action(async (opts, cmd: Command) => {
      const { checkCommand } = await import('../handlers/inventory.js');
      await checkCommand(ctx, { ...opts, inventory: g(cmd) });
    });

  inv
    .command('remove')
    .description(t('help.inventory.remove.description'))
    .argument('[ids...]', t('help.inventory.remove.arg.ids'))
    .addOption(limitOption(t))
    .option('-y, --yes', t('help.inventory.remove.opt.yes'))
    .option('--dry-run', t('help.inventory.remove.opt.dryRun'))
    .addOption(jsonOption(t))
    .addHelpText('after', () => t('help.inventory.remove.helpAfter'))
    .action(async (ids: string[], opts, cmd: Command) => {
      const { removeCommand } = await import('../handlers/inventory.js');
      await removeCommand(ctx, ids, { ...opts, inventory: g(cmd) });
    });
}
