/** Handler of `jfleet central serve`: the reference central server, until interrupted. */
import { join, resolve } from 'node:path';
import type { Context } from '../../context.js';
import { UserError } from '../../errors.js';
import { println } from '../shared.js';

export interface CentralServeOptions {
  port: number;
  host: string;
  db?: string;
  token?: string;
  tlsCert?: string;
  tlsKey?: string;
  readToken?: string;
  publicRead?: boolean;
  serverName?: string[];
}

export async function centralServeCommand(ctx: Context, opts: CentralServeOptions): Promise<void> {
  const token = opts.token ?? ctx.env.JFLEET_CENTRAL_TOKEN;
  if (!token) {
    throw new UserError('the central server needs a bearer token for runners', { hint: 'set JFLEET_CENTRAL_TOKEN (or pass --token)' });
  }
  if (Boolean(opts.tlsCert) !== Boolean(opts.tlsKey)) throw new UserError('--tls-cert and --tls-key go together');
  const readToken = opts.readToken ?? (ctx.env.JFLEET_CENTRAL_READ_TOKEN || undefined);
  // Decided before anything is bound: reads on a non-loopback address need a token or --public-read.
  const { readAccess } = await import('../../central/access.js');
  const access = readAccess(opts.host, { readToken, publicRead: opts.publicRead });
  if ('refuse' in access) throw new UserError(access.refuse);
  const { startCentral } = await import('../../central/server.js');
  const dbFile = opts.db ? resolve(ctx.cwd, opts.db) : join(ctx.home, 'central', 'central.db');
  // Its own database may live in JFLEET_HOME/central (the default); nowhere else in jfleet's state or inputs.
  if (opts.db !== undefined)
    (await import('../output-file.js')).assertOutputs(ctx, [{ flag: '--db', file: dbFile, createDirs: true }], { homeExcept: ['central'] });
  let server;
  try {
    server = await startCentral({
      port: opts.port,
      host: opts.host,
      dbFile,
      token,
      tls: opts.tlsCert && opts.tlsKey ? { certFile: opts.tlsCert, keyFile: opts.tlsKey } : undefined,
      readToken,
      publicRead: opts.publicRead,
      serverNames: opts.serverName,
      // the dashboard's times in the fleet's zone (config timeZone, default Asia/Jakarta: WIB)
      timeZone: (await import('../render/speech.js')).formats(ctx).timeZone,
    });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UserError(`port ${opts.port} on ${opts.host} is already in use`, { hint: 'pick another with --port' });
    if (code === 'EACCES') throw new UserError(`not allowed to listen on ${opts.host}:${opts.port}`);
    throw e;
  }
  println(ctx, `jfleet central: serving ${server.url} (database ${dbFile})`);
  println(ctx, `  dashboard: ${server.url}/`);
  println(ctx, `  reports:   POST ${server.url}/v1/reports (bearer token)`);
  println(ctx, `  reads:     ${server.reads === 'token' ? 'need the read token' : 'open (no read token)'}`);
  println(ctx, '  stop with Ctrl-C');
  await new Promise<void>((resolve) => {
    if (ctx.signal.aborted) return resolve();
    ctx.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await server.close();
  ctx.stderr.write('jfleet central: stopped\n');
}
