import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import type { Context } from '../../context.js';
import type { Translate } from '../../i18n/catalog.js';
import { jsonOption } from '../shared.js';

function seconds(t: Translate, flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+(\.\d+)?$/.test(v) || !Number.isFinite(n)) throw new InvalidArgumentError(t('shared.seconds', { flag, value: v }));
    if (n > 86_400) throw new InvalidArgumentError(t('shared.secondsMax', { flag, value: v }));
    return n;
  };
}

/** jfleet report, jfleet outbox list|retry|drop. */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  program
    .command('report')
    .description(t('help.report.description'))
    .option('--dry-run', t('help.report.opt.dryRun'))
    .option('--flush', t('help.report.opt.flush'))
    .addOption(new Option('--wait <seconds>', t('help.report.opt.wait')).default(0).argParser(seconds(t, '--wait')))
    .addOption(jsonOption(t))
    .addHelpText('after', () => t('help.report.helpAfter'))
    .action(async (opts: { dryRun?: boolean; flush?: boolean; wait: number; json?: boolean }) => {
      const { reportCommand } = await import('../handlers/report.js');
      await reportCommand(ctx, opts);
    });

  const outbox = program
    .command('outbox')
    .description(t('help.outbox.description'))
    .addHelpText('after', () => t('help.outbox.helpAfter'));

  outbox
    .command('list')
    .description(t('help.outbox.list.description'))
    .option('-a, --all', t('help.outbox.list.opt.all'))
    .addOption(jsonOption(t))
    .addHelpText('after', () => t('help.outbox.list.helpAfter'))
    .action(async (opts: { all?: boolean; json?: boolean }) => {
      const { outboxListCommand } = await import('../handlers/report.js');
      await outboxListCommand(ctx, opts);
    });

  outbox
    .command('retry')
    .description(t('help.outbox.retry.description'))
    .argument('[report...]', t('help.outbox.retry.arg.report'))
    .option('-a, --all', t('help.outbox.retry.opt.all'))
    .addHelpText('after', () => t('help.outbox.retry.helpAfter'))
    .action(async (ids: string[], opts: { all?: boolean }) => {
      const { outboxRetryCommand } = await import('../handlers/report.js');
      await outboxRetryCommand(ctx, ids, opts);
    });

  outbox
    .command('drop')
    .description(t('help.outbox.drop.description'))
    .argument('[report...]', t('help.outbox.drop.arg.report'))
    .option('--dead', t('help.outbox.drop.opt.dead'))
    .option('-y, --yes', t('help.outbox.drop.opt.yes'))
    .addHelpText('after', () => t('help.outbox.drop.helpAfter'))
    .action(async (ids: string[], opts: { dead?: boolean; yes?: boolean }) => {
      const { outboxDropCommand } = await import('../handlers/report.js');
      await outboxDropCommand(ctx, ids, opts);
    });
}
