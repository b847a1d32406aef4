import type { Command } from 'commander';
import type { Context } from '../../context.js';
import { jsonOption, positiveInt } from '../shared.js';

/** jfleet demo: the main job end to end on a local simulated fleet and a local central API. */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  program
    .command('demo')
    .description(t('help.demo.description'))
    .option('-n, --devices <n>', t('help.demo.opt.devices'), positiveInt(t, '--devices'), 12)
    .option('--port <port>', t('help.demo.opt.port'), (v) => Number(v), 0)
    .option('--once', t('help.demo.opt.once'))
    .option('--kiosk', t('help.demo.opt.kiosk'))
    .addOption(jsonOption(t))
    .addHelpText('after', () => t('help.demo.helpAfter'))
    .action(async (opts: { devices: number; port: number; once?: boolean; kiosk?: boolean; json?: boolean }) => {
      const { demoCommand } = await import('../handlers/demo.js');
      await demoCommand(ctx, { devices: opts.devices, port: opts.port, once: Boolean(opts.once), kiosk: Boolean(opts.kiosk), json: Boolean(opts.json) });
    });
}
