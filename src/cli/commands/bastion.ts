import { Option, type Command } from 'commander';
import type { Context } from '../../context.js';
import { jsonOption } from '../shared.js';

/** jfleet bastion init|add|revoke: the stock OpenSSH server kiosks behind carrier NAT tunnel to (docs/reach.md). */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  const bastion = program
    .command('bastion')
    .description(t('help.bastion.description'))
    .addHelpText('after', () => t('help.bastion.helpAfter'));
  const rootOpt = () => new Option('--root <dir>', t('help.bastion.opt.root')).default('/');
  const socketOpt = () => new Option('--socket-dir <dir>', t('help.bastion.opt.socketDir')).default('/run/jfleet');
  bastion
    .command('init')
    .description(t('help.bastion.init.description'))
    .option('--apply', t('help.bastion.init.opt.apply'))
    .addOption(rootOpt())
    .addOption(socketOpt())
    .addOption(new Option('--ports <list>', t('help.bastion.init.opt.ports')).default('443,22'))
    .addOption(new Option('--max-startups <s>', t('help.bastion.init.opt.maxStartups')).default('300:30:600'))
    .option('--operator <user>', t('help.bastion.init.opt.operator'))
    .option('--operator-key <file>', t('help.bastion.init.opt.operatorKey'))
    .addOption(jsonOption(t))
    .addHelpText('after', () => t('help.bastion.init.helpAfter'))
    .action(async (opts) => {
      const { bastionInitCommand } = await import('../handlers/bastion.js');
      await bastionInitCommand(ctx, opts);
    });
  bastion
    .command('add')
    .description(t('help.bastion.add.description'))
    .argument('<id>', t('help.bastion.add.arg.id'))
    .option('--key <line>', t('help.bastion.add.opt.key'))
    .option('--key-file <file>', t('help.bastion.add.opt.keyFile'))
    .addOption(rootOpt())
    .addOption(socketOpt())
    .addOption(jsonOption(t))
    .addHelpText('after', () => t('help.bastion.add.helpAfter'))
    .action(async (id: string, opts) => {
      const { bastionAddCommand } = await import('../handlers/bastion.js');
      await bastionAddCommand(ctx, id, opts);
    });
  bastion
    .command('revoke')
    .description(t('help.bastion.revoke.description'))
    .argument('<id>', t('help.bastion.revoke.arg.id'))
    .addOption(rootOpt())
    .addOption(socketOpt())
    .addOption(jsonOption(t))
    .addHelpText('after', () => t('help.bastion.revoke.helpAfter'))
    .action(async (id: string, opts) => {
      const { bastionRevokeCommand } = await import('../handlers/bastion.js');
      await bastionRevokeCommand(ctx, id, opts);
    });
}
