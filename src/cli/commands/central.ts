import type { Command } from 'commander';
import { Option } from 'commander';
import type { Context } from '../../context.js';
import { positiveInt } from '../shared.js';
import type { CentralServeOptions } from '../handlers/central.js';

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
    .option('--read-token <token>', 'reads (dashboard, fleet JSON) need this token, even on loopback (prefer JFLEET_CENTRAL_READ_TOKEN)')
    .option('--public-read', 'on an address other than loopback, serve reads without a read token (the operator means it)')
    .option(
      '--server-name <name>',
      'a Host name clients use to reach it (repeatable), besides the --host address and localhost',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .addHelpText(
      'after',
      `
Writes (POST /v1/reports) need the bearer token. Reads (the dashboard at /, GET /v1/fleet,
GET /v1/devices/ID/history) are open on loopback; on any other address they need a read
token (JFLEET_CENTRAL_READ_TOKEN or --read-token: "Authorization: Bearer TOKEN", or a
browser's login prompt with any user name and the token as password) unless you say
--public-read. A read token, when given, is required on loopback too.

Requests whose Host is not the --host address, localhost or a --server-name are refused with
421 (DNS rebinding); on 0.0.0.0 or :: any IP address is accepted as Host. No page may frame
it. A report body may be at most 16 MiB (413); all bodies in flight together at most 64 MiB
(503 with Retry-After). Reports dated over 5 minutes ahead of this server's clock get 422.
The contract is openapi/jfleet-central.v1.json.

Examples:
  $ JFLEET_CENTRAL_TOKEN=s3cret jfleet central serve --port 8480
  $ JFLEET_CENTRAL_READ_TOKEN=r34d jfleet central serve --host 0.0.0.0 --server-name central.desa.local
  $ jfleet config set api.url http://127.0.0.1:8480 && jfleet config set api.token s3cret
  $ jfleet report && xdg-open http://127.0.0.1:8480/`,
    )
    .action(async (opts: CentralServeOptions) => {
      const { centralServeCommand } = await import('../handlers/central.js');
      await centralServeCommand(ctx, opts);
    });
}
