import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import type { Context } from '../../context.js';
import { jsonOption } from '../shared.js';

function seconds(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+(\.\d+)?$/.test(v) || !Number.isFinite(n)) throw new InvalidArgumentError(`${flag} takes a number of seconds, not "${v}"`);
    if (n > 86_400) throw new InvalidArgumentError(`${flag} takes at most 86400 seconds (24 h), not "${v}"`);
    return n;
  };
}

/** jfleet report, jfleet outbox list|retry|drop. */
export function register(program: Command, ctx: Context): void {
  program
    .command('report')
    .description('queue a fleet report (state of every package, state changes since the last report) and send the outbox to the central API')
    .option('--dry-run', 'print the report that would be sent; queue and send nothing')
    .option('--flush', 'send what is queued without building a new report')
    .addOption(new Option('--wait <seconds>', 'keep retrying for up to this long before leaving the rest queued').default(0).argParser(seconds('--wait')))
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `
Every report is written to the outbox ($JFLEET_HOME/state/jfleet.db) before it is sent, and
the outbox is delivered in order: a report that cannot be delivered yet stays queued (with
exponential backoff) and is sent by the next jfleet report, sweep --report or daemon run.
The central API stores each report id once, so nothing is counted twice.

Configuration: api.url, api.token, api.caFile (or JFLEET_API_URL, JFLEET_API_TOKEN,
JFLEET_API_CA_FILE). The token is never printed.

Exit codes:
  0   the report was queued and everything queued was delivered
  1   reports remain queued (central API unreachable or failing) or were dead-lettered
  2   no central API configured, or the token was refused (reports stay queued)
  75  another jfleet is delivering the outbox right now (the report is queued behind it)

Examples:
  $ jfleet report                      # queue a report and send the outbox now
  $ jfleet report --dry-run | less     # the JSON payload, nothing written or sent
  $ jfleet report --wait 120           # keep retrying for up to two minutes
  $ JFLEET_API_URL=http://127.0.0.1:8480 JFLEET_API_TOKEN=... jfleet report --json`,
    )
    .action(async (opts: { dryRun?: boolean; flush?: boolean; wait: number; json?: boolean }) => {
      const { reportCommand } = await import('../handlers/report.js');
      await reportCommand(ctx, opts);
    });

  const outbox = program
    .command('outbox')
    .description('inspect and manage the queue of reports waiting for the central API')
    .addHelpText(
      'after',
      `
Examples:
  $ jfleet outbox list                 # queued and dead-lettered reports
  $ jfleet outbox list --all --json    # including the last delivered ones
  $ jfleet outbox retry --all          # dead-lettered back to the queue, due now
  $ jfleet outbox drop 0190e3 --yes    # remove one report for good (id or id prefix)`,
    );

  outbox
    .command('list')
    .description('list queued (pending) and dead-lettered reports, oldest first')
    .option('-a, --all', 'also show the last delivered reports')
    .addOption(jsonOption())
    .addHelpText('after', '\nExamples:\n  $ jfleet outbox list\n  $ jfleet outbox list --all --json')
    .action(async (opts: { all?: boolean; json?: boolean }) => {
      const { outboxListCommand } = await import('../handlers/report.js');
      await outboxListCommand(ctx, opts);
    });

  outbox
    .command('retry')
    .description('put dead-lettered reports back in the queue and make queued ones due now')
    .argument('[report...]', 'report ids (or unique prefixes)')
    .option('-a, --all', 'every dead-lettered and queued report')
    .addHelpText('after', '\nExamples:\n  $ jfleet outbox retry --all && jfleet report --flush\n  $ jfleet outbox retry 0190e3a1')
    .action(async (ids: string[], opts: { all?: boolean }) => {
      const { outboxRetryCommand } = await import('../handlers/report.js');
      await outboxRetryCommand(ctx, ids, opts);
    });

  outbox
    .command('drop')
    .description('remove reports from the outbox for good (the central API will never see them)')
    .argument('[report...]', 'report ids (or unique prefixes)')
    .option('--dead', 'every dead-lettered report')
    .option('-y, --yes', 'confirm: dropping cannot be undone')
    .addHelpText('after', '\nExamples:\n  $ jfleet outbox drop --dead --yes\n  $ jfleet outbox drop 0190e3a1 --yes')
    .action(async (ids: string[], opts: { dead?: boolean; yes?: boolean }) => {
      const { outboxDropCommand } = await import('../handlers/report.js');
      await outboxDropCommand(ctx, ids, opts);
    });
}
