import type { Command } from 'commander';
import type { Context } from '../../context.js';
import { globals, jsonOption } from '../shared.js';

/** jfleet keys init|show, jfleet hostkey accept. */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  const keys = program
    .command('keys')
    .description(t('help.keys.description'))
    .addHelpText('after', () => t('help.keys.helpAfter'));
  keys
    .command('init')
    .description(t('help.keys.init.description'))
    .option('--force', t('help.keys.init.opt.force'))
    .addOption(jsonOption(t))
    .addHelpText('after', () => t('help.keys.init.helpAfter'))
    .action(async (opts) => {
      const { keysInitCommand } = await import('../handlers/keys.js');
      await keysInitCommand(ctx, opts);
    });
  keys
    .command('show')
    .description(t('help.keys.show.description'))
    .addOption(jsonOption(t))
    .addHelpText('after', () => t('help.keys.show.helpAfter'))
    .action(async (opts) => {
      const { keysShowCommand } = await import('../handlers/keys.js');
      await keysShowCommand(ctx, opts);
    });

  const hostkey = program.command('hostkey').description(t('help.hostkey.description'));
  hostkey
    .command('accept')
    .description(t('help.hostkey.accept.description'))
    .argument('<id>', t('help.hostkey.accept.arg.id'))
    .option('--expect <fingerprint>', t('help.hostkey.accept.opt.expect'))
    .option('-y, --yes', t('help.hostkey.accept.opt.yes'))
    .addOption(jsonOption(t))
    .addHelpText('after', () => t('help.hostkey.accept.helpAfter'))
    .action(async (id: string, opts, cmd: Command) => {
      const { hostkeyAcceptCommand } = await import('../handlers/keys.js');
      await hostkeyAcceptCommand(ctx, id, { ...opts, inventory: globals(cmd).inventory });
    });
}
