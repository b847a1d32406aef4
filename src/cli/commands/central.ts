import type { Command } from 'commander';
import { Option } from 'commander';
import type { Context } from '../../context.js';
import { positiveInt } from '../shared.js';

/** jfleet central serve: the reference central API server and dashboard. */
export function register(program: Command, ctx: Context): void {
  const central = program.command('central').description('the reference central reporting server (for regencies without a central API, tests and the demo)');
  central
    .command('serve')
    .description('serve the central reporting API (contract v1) and the fleet dashboard until interrupted')
    .addOption(new Option('-p, --port <port>', 'TCP port (0 = any free port)').default(8480).argParser((v) => (v === '0' ? 0 : positiveInt('--port')(v))))
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--db <file>', 'its SQLite database (default $JFLEET_HOME/central/central.db)')
    .option('--token <token>', 'bearer token runners must send (prefer JFLEET_CENTRAL_TOKEN: a flag shows in ps)')
    .option('--tls-cert <file>', 'serve HTTPS with this PEM certificate')
    .option('--tls-key <file>', 'the PEM private key of --tls-cert')
    .addHelpText(
      'after',
      `
Writes (POST /v1/reports) need the bearer token; reads (the dashboard at /, GET /v1/fleet,
GET /v1/devices/ID/history) are open, so keep it on loopback or behind a reverse proxy.
The contract is openapi/jfleet-central.v1.json.

Examples:
  $ JFLEET_CENTRAL_TOKEN=s3cret jfleet central serve --port 8480
  $ jfleet config set api.url http://127.0.0.1:8480 && jfleet config set api.token s3cret
  $ jfleet report && xdg-open http://127.0.0.1:8480/`,
    )
    .action(async (opts: { port: number; host: string; db?: string; token?: string; tlsCert?: string; tlsKey?: string }) => {
      const { centralServeCommand } = await import('../handlers/central.js');
      await centralServeCommand(ctx, opts);
    });
}
