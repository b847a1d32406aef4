import { Option, type Command } from 'commander';
import type { Context } from '../../context.js';
import { forksOption, globals, jsonOption, limitOption, positiveInt, MAX_SECONDS } from '../shared.js';

/** jfleet exec, jfleet ssh. */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  program
    .command('exec')
    .description(t('help.exec.description'))
    .argument('<command...>', t('help.exec.arg.command'))
    .addOption(limitOption(t))
    .addOption(forksOption(t))
    .addOption(new Option('-t, --timeout <seconds>', t('help.exec.opt.timeout')).argParser(positiveInt(t, '--timeout', MAX_SECONDS)))
    .addOption(new Option('--connect-timeout <seconds>', t('help.exec.opt.connectTimeout')).argParser(positiveInt(t, '--connect-timeout', MAX_SECONDS)))
    .addOption(jsonOption(t))
    .addHelpText('after', () => t('help.exec.helpAfter'))
    .action(async (args: string[], opts, cmd: Command) => {
      const { execCommand } = await import('../handlers/exec.js');
      await execCommand(ctx, args, { ...opts, inventory: globals(cmd).inventory });
    });

  program
    .command('ssh')
    .description(t('help.ssh.description'))
    .argument('<id>', t('help.ssh.arg.id'))
    .argument('[command...]', t('help.ssh.arg.command'))
    .addHelpText('after', () => t('help.ssh.helpAfter'))
    .action(async (id: string, command: string[], _opts, cmd: Command) => {
      const { sshCommand } = await import('../handlers/exec.js');
      await sshCommand(ctx, id, { inventory: globals(cmd).inventory, command });
    });
}
