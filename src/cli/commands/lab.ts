import { Option, type Command } from 'commander';
import type { Context } from '../../context.js';
import { jsonOption, positiveInt } from '../shared.js';

/** jfleet lab up|down|status. */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  const lab = program
    .command('lab')
    .description(t('help.lab.description'))
    .addHelpText('after', () => t('help.lab.helpAfter'));
  lab
    .command('up')
    .description(t('help.lab.up.description'))
    .addOption(new Option('-n, --devices <n>', t('help.lab.up.opt.devices')).argParser(positiveInt(t, '--devices')).default(20))
    .addOption(new Option('--password-only <n>', t('help.lab.up.opt.passwordOnly')).argParser(positiveInt(t, '--password-only')))
    .addOption(jsonOption(t))
    .addHelpText('after', () => t('help.lab.up.helpAfter'))
    .action(async (opts) => {
      const { labUpCommand } = await import('../handlers/lab.js');
      await labUpCommand(ctx, opts);
    });
  lab
    .command('down')
    .description(t('help.lab.down.description'))
    .argument('[id]', t('help.lab.down.arg.id'))
    .addOption(jsonOption(t))
    .addHelpText('after', () => t('help.lab.down.helpAfter'))
    .action(async (id: string | undefined, opts) => {
      const { labDownCommand } = await import('../handlers/lab.js');
      await labDownCommand(ctx, id, opts);
    });
  lab
    .command('status')
    .description(t('help.lab.status.description'))
    .addOption(jsonOption(t))
    .addHelpText('after', () => t('help.lab.status.helpAfter'))
    .action(async (opts) => {
      const { labStatusCommand } = await import('../handlers/lab.js');
      await labStatusCommand(ctx, opts);
    });
}
