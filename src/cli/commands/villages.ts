import type { Command } from 'commander';
import type { Context } from '../../context.js';
import { jsonOption } from '../shared.js';

/** jfleet villages [QUERY]: find a village by name (typo-tolerant) or code, or list a district. */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  program
    .command('villages')
    .description(t('help.villages.description'))
    .argument('[query]', t('help.villages.arg.query'))
    .addOption(jsonOption(t))
    .addHelpText('after', () => t('help.villages.helpAfter'))
    .action(async (query: string | undefined, opts: { json?: boolean }) => {
      const { villagesCommand } = await import('../handlers/villages.js');
      await villagesCommand(ctx, query, opts);
    });
}
