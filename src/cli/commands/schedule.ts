import type { Command } from 'commander';
import { Option } from 'commander';
import type { Context } from '../../context.js';
import type { ScheduleInstallOptions } from '../handlers/schedule.js';
import { forksOption, globals, jsonOption, limitOption, positiveInt, MAX_SECONDS } from '../shared.js';

/** jfleet schedule run|install. Reference: docs/schedule.md. */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  const schedule = program.command('schedule').description(t('help.schedule.description'));

  schedule
    .command('run')
    .description(t('help.schedule.run.description'))
    .option('--sweep <cron>', t('help.schedule.run.opt.sweep'))
    .option('--report <cron>', t('help.schedule.run.opt.report'))
    .addOption(
      new Option('--jitter <seconds>', t('help.schedule.run.opt.jitter'))
        .default(0)
        .argParser((v) => (v === '0' ? 0 : positiveInt(t, '--jitter', MAX_SECONDS)(v))),
    )
    .addOption(
      new Option('--stop-timeout <seconds>', t('help.schedule.run.opt.stopTimeout')).default(30).argParser(positiveInt(t, '--stop-timeout', MAX_SECONDS)),
    )
    .addOption(limitOption(t))
    .addOption(forksOption(t))
    .addHelpText('after', () => t('help.schedule.run.helpAfter'))
    .action(async (opts: { sweep?: string; report?: string; jitter: number; stopTimeout: number; limit?: string; forks?: number }, cmd: Command) => {
      const { scheduleRunCommand } = await import('../handlers/schedule.js');
      await scheduleRunCommand(ctx, { ...opts, inventory: globals(cmd).inventory });
    });

  schedule
    .command('install')
    .description(t('help.schedule.install.description'))
    .addOption(new Option('--kind <kind>', t('help.schedule.install.opt.kind')).choices(['systemd', 'cron', 'daemon']))
    .option('--cron <expr>', t('help.schedule.install.opt.cron'))
    .option('--on-calendar <spec>', t('help.schedule.install.opt.onCalendar'))
    .addOption(
      new Option('--jitter <seconds>', t('help.schedule.install.opt.jitter'))
        .default(60)
        .argParser((v) => (v === '0' ? 0 : positiveInt(t, '--jitter', MAX_SECONDS)(v))),
    )
    .option('--dir <dir>', t('help.schedule.install.opt.dir'))
    .option('--crontab <file>', t('help.schedule.install.opt.crontab'))
    .option('--user <name>', t('help.schedule.install.opt.user'), 'root')
    .addOption(limitOption(t))
    .addOption(jsonOption(t))
    .addHelpText('after', () => t('help.schedule.install.helpAfter'))
    .action(async (opts: Omit<ScheduleInstallOptions, 'inventory'>, cmd: Command) => {
      const { scheduleInstallCommand } = await import('../handlers/schedule.js');
      await scheduleInstallCommand(ctx, { ...opts, inventory: globals(cmd).inventory });
    });
}
