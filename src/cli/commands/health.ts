import type { Command } from 'commander';
import { Option } from 'commander';
import type { Context } from '../../context.js';
import { forksOption, globals, jsonOption, limitOption, positiveInt } from '../shared.js';

/** jfleet check, sweep, status, history, silence. Reference: docs/health.md. */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  program
    .command('sweep')
    .description(t('help.sweep.description'))
    .addOption(limitOption(t))
    .addOption(jsonOption(t))
    .addOption(forksOption(t))
    .option('--wait', t('help.sweep.opt.wait'))
    .option('--report', t('help.sweep.opt.report'))
    .addHelpText('after', () => t('help.sweep.helpAfter'))
    .action(async (opts: { limit?: string; json?: boolean; forks?: number; wait?: boolean; report?: boolean }, cmd: Command) => {
      const { sweepCommand } = await import('../handlers/health.js');
      await sweepCommand(ctx, { ...opts, inventory: globals(cmd).inventory });
    });

  program
    .command('check')
    .description(t('help.check.description'))
    .argument('<id>', t('help.check.arg.id'))
    .addHelpText('after', () => t('help.check.helpAfter'))
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const { checkCommand } = await import('../handlers/health.js');
      await checkCommand(ctx, id, { inventory: globals(cmd).inventory });
    });

  program
    .command('status')
    .description(t('help.status.description'))
    .addOption(limitOption(t))
    .addOption(jsonOption(t))
    .addOption(new Option('-w, --watch [seconds]', t('help.status.opt.watch')))
    .option('--map <file>', t('help.status.opt.map'))
    .addHelpText('after', () => t('help.status.helpAfter'))
    .action(async (opts: { limit?: string; json?: boolean; watch?: boolean | string; map?: string }, cmd: Command) => {
      const { statusCommand } = await import('../handlers/health.js');
      await statusCommand(ctx, { ...opts, inventory: globals(cmd).inventory });
    });

  program
    .command('history')
    .description(t('help.history.description'))
    .argument('[id]', t('help.history.arg.id'))
    .addOption(new Option('--days <n>', t('help.history.opt.days')).default(30).argParser(positiveInt(t, '--days')))
    .addOption(jsonOption(t))
    .addHelpText('after', () => t('help.history.helpAfter'))
    .action(async (id: string | undefined, opts: { days?: number; json?: boolean }) => {
      const { historyCommand } = await import('../handlers/health.js');
      await historyCommand(ctx, id, opts);
    });

  program
    .command('silence')
    .description(t('help.silence.description'))
    .argument('[id]', t('help.silence.arg.id'))
    .option('--for <duration>', t('help.silence.opt.for'))
    .option('--reason <text>', t('help.silence.opt.reason'))
    .option('--start <time>', t('help.silence.opt.start'))
    .option('--list', t('help.silence.opt.list'))
    .option('--clear', t('help.silence.opt.clear'))
    .addOption(jsonOption(t))
    .addHelpText('after', () => t('help.silence.helpAfter'))
    .action(
      async (
        id: string | undefined,
        opts: { for?: string; reason?: string; start?: string; list?: boolean; clear?: boolean; json?: boolean },
        cmd: Command,
      ) => {
        const { silenceCommand } = await import('../handlers/health.js');
        await silenceCommand(ctx, id, { ...opts, inventory: globals(cmd).inventory });
      },
    );
}
