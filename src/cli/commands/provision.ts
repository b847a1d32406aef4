import type { Command } from 'commander';
import type { Context } from '../../context.js';
import { forksOption, jsonOption, limitOption } from '../shared.js';

/** jfleet provision: plan -> show -> confirm -> apply the kiosk recipe. */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  program
    .command('provision')
    .description(t('help.provision.description'))
    .addOption(limitOption(t))
    .option('--check', t('help.provision.opt.check'))
    .option('--diff', t('help.provision.opt.diff'))
    .option('-y, --yes', t('help.provision.opt.yes'))
    .addOption(jsonOption(t))
    .addOption(forksOption(t))
    .option('--bootstrap', t('help.provision.opt.bootstrap'))
    .option('--password-file <file>', t('help.provision.opt.passwordFile'))
    .option('--profile <name>', t('help.provision.opt.profile'))
    .option('--recipe <dir>', t('help.provision.opt.recipe'))
    .option('--direct', t('help.provision.opt.direct'))
    .option('-v, --verbose', t('help.provision.opt.verbose'))
    .addHelpText('after', () => t('help.provision.helpAfter'))
    .action(async (opts, cmd: Command) => {
      const { provisionCommand } = await import('../handlers/provision.js');
      await provisionCommand(ctx, { ...opts, inventory: cmd.optsWithGlobals().inventory as string | undefined });
    });
}
