import type { Command } from 'commander';
import { Option } from 'commander';
import type { Context } from '../../context.js';
import { positiveInt } from '../shared.js';
import type { CentralServeOptions } from '../handlers/central.js';

/** jfleet central serve: the reference central API server and dashboard. */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  const central = program.command('central').description(t('help.central.description'));
  central
    .command('serve')
    .description(t('help.central.serve.description'))
    .addOption(
      new Option('-p, --port <port>', t('help.central.serve.opt.port')).default(8480).argParser((v) => (v === '0' ? 0 : positiveInt(t, '--port', 65535)(v))),
    )
    .option('--host <address>', t('help.central.serve.opt.host'), '127.0.0.1')
    .option('--db <file>', t('help.central.serve.opt.db'))
    .option('--token <token>', t('help.central.serve.opt.token'))
    .option('--tls-cert <file>', t('help.central.serve.opt.tlsCert'))
    .option('--tls-key <file>', t('help.central.serve.opt.tlsKey'))
    .option('--read-token <token>', t('help.central.serve.opt.readToken'))
    .option('--public-read', t('help.central.serve.opt.publicRead'))
    .option('--server-name <name>', t('help.central.serve.opt.serverName'), (v: string, prev: string[] = []) => [...prev, v])
    .addHelpText('after', () => t('help.central.serve.helpAfter'))
    .action(async (opts: CentralServeOptions) => {
      const { centralServeCommand } = await import('../handlers/central.js');
      await centralServeCommand(ctx, opts);
    });
}
