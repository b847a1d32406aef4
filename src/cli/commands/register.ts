import { Option, type Command } from 'commander';
import type { Context } from '../../context.js';
import { jsonOption, positiveInt } from '../shared.js';

/** jfleet register: a wizard on a terminal, flags for scripts and CI, or --from CSV for bulk import. */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  program
    .command('register')
    .description(t('help.register.description'))
    .option('--village <code|name>', t('help.register.opt.village'))
    .option('--address <host|ip>', t('help.register.opt.address'))
    .option('--id <id>', t('help.register.opt.id'))
    .addOption(new Option('--port <n>', t('help.register.opt.port')).argParser(positiveInt(t, '--port')))
    .option('--user <name>', t('help.register.opt.user'))
    .option('--serial <serial>', t('help.register.opt.serial'))
    .option('--mac <mac>', t('help.register.opt.mac'))
    .option('--model <model>', t('help.register.opt.model'))
    .option('--tag <tag>', t('help.register.opt.tag'), (v: string, prev: string[] = []) => [...prev, v])
    .option('--jump <host>', t('help.register.opt.jump'))
    .option('--reach <direct|tunnel>', t('help.register.opt.reach'))
    .option('--bastion <id>', t('help.register.opt.bastion'))
    .option('--custodian-name <name>', t('help.register.opt.custodianName'))
    .option('--custodian-phone <phone>', t('help.register.opt.custodianPhone'))
    .option('--from <file.csv>', t('help.register.opt.from'))
    .option('--skip-invalid', t('help.register.opt.skipInvalid'))
    .option('--rejected <file>', t('help.register.opt.rejected'))
    .option('--dry-run', t('help.register.opt.dryRun'))
    .option('-y, --yes', t('help.register.opt.yes'))
    .addOption(jsonOption(t))
    .addHelpText('after', () => t('help.register.helpAfter'))
    .action(async (opts, cmd: Command) => {
      const { registerCommand } = await import('../handlers/register.js');
      await registerCommand(ctx, { ...opts, inventory: cmd.optsWithGlobals().inventory });
    });
}
