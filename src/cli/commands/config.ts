import type { Command } from 'commander';
import type { Context } from '../../context.js';
import { jsonOption } from '../shared.js';

/** jfleet config get|set|unset|list */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  const cfg = program
    .command('config')
    .description(t('help.config.description'))
    .addHelpText('after', () => t('help.config.helpAfter'));

  cfg
    .command('list')
    .description(t('help.config.list.description'))
    .addOption(jsonOption(t))
    .addHelpText('after', () => t('help.config.list.helpAfter'))
    .action(async (opts) => {
      const { configList } = await import('../handlers/config.js');
      await configList(ctx, opts);
    });

  cfg
    .command('get')
    .description(t('help.config.get.description'))
    .argument('<key>', t('help.config.get.arg.key'))
    .addOption(jsonOption(t))
    .addHelpText('after', () => t('help.config.get.helpAfter'))
    .action(async (key: string, opts) => {
      const { configGet } = await import('../handlers/config.js');
      await configGet(ctx, key, opts);
    });

  cfg
    .command('set')
    .description(t('help.config.set.description'))
    .argument('<key>', t('help.config.set.arg.key'))
    .argument('<value>', t('help.config.set.arg.value'))
    .addHelpText('after', () => t('help.config.set.helpAfter'))
    .action(async (key: string, value: string) => {
      const { configSet } = await import('../handlers/config.js');
      await configSet(ctx, key, value);
    });

  cfg
    .command('unset')
    .description(t('help.config.unset.description'))
    .argument('<key>', t('help.config.unset.arg.key'))
    .addHelpText('after', () => t('help.config.unset.helpAfter'))
    .action(async (key: string) => {
      const { configUnset } = await import('../handlers/config.js');
      await configUnset(ctx, key);
    });
}
