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
    throw new UserError(ctx.t('central.needsToken'), { hint: ctx.t('central.needsTokenHint') });
  }
  // a host that is no address at all is said as such (not "would be open to the network")
  const { isHostAddress } = await import('../../inventory/schema.js');
  if (!isHostAddress(opts.host)) throw new UserError(ctx.t('central.badHost', { host: opts.host.replace(/[^\x20-\x7e]/g, '?').slice(0, 80) }));
  // an explicit empty --read-token (an unset variable: --read-token "$TOKEN") is refused, not read as "no token"
  if (opts.readToken !== undefined && opts.readToken.trim() === '') throw new UserError(ctx.t('central.readTokenEmpty'));
  if (Boolean(opts.tlsCert) !== Boolean(opts.tlsKey)) throw new UserError(ctx.t('central.tlsPair'));
  const tls = opts.tlsCert && opts.tlsKey ? await checkTls(ctx, resolve(ctx.cwd, opts.tlsCert), resolve(ctx.cwd, opts.tlsKey)) : undefined;
  const readToken = opts.readToken ?? (ctx.env.JFLEET_CENTRAL_READ_TOKEN || undefined);
  // Decided before anything is bound: reads on a non-loopback address need a token or --public-read.
  const { readAccess } = await import('../../central/access.js');
  const access = readAccess(opts.host, { readToken, publicRead: opts.publicRead });
  if ('refuse' in access) throw new UserError(ctx.t.phrase(access.refuse));
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
      tls,
      readToken,
      publicRead: opts.publicRead,
      serverNames: opts.serverName,
      // the dashboard's times in the fleet's zone (config timeZone, default Asia/Jakarta: WIB)
      timeZone: (await import('../render/speech.js')).formats(ctx).timeZone,
    });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UserError(ctx.t('central.portInUse', { port: opts.port, host: opts.host }), { hint: ctx.t('central.portInUseHint') });
    if (code === 'EACCES') throw new UserError(ctx.t('central.notAllowed', { address: `${opts.host}:${opts.port}` }));
    throw e;
  }
  println(ctx, ctx.t('central.serving', { url: server.url, db: dbFile }));
  println(ctx, `  ${ctx.t('central.dashboard', { url: `${server.url}/` })}`);
  println(ctx, `  ${ctx.t('central.reports', { url: `${server.url}/v1/reports` })}`);
  println(ctx, `  ${ctx.t('central.reads', { how: server.reads === 'token' ? ctx.t('central.readsToken') : ctx.t('central.readsOpen') })}`);
  println(ctx, `  ${ctx.t('central.stopWith')}`);
  await new Promise<void>((resolve) => {
    if (ctx.signal.aborted) return resolve();
    ctx.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await server.close();
  ctx.stderr.write(`${ctx.t('central.stopped')}\n`);
}

/** OpenSSL's error codes for a file that is not PEM, and the catalog's words for each. */
const TLS_REASONS: Record<string, 'noStartLine' | 'badEndLine' | 'badBase64' | 'unsupported'> = {
  ERR_OSSL_PEM_NO_START_LINE: 'noStartLine',
  ERR_OSSL_PEM_BAD_END_LINE: 'badEndLine',
  ERR_OSSL_PEM_BAD_BASE64_DECODE: 'badBase64',
  ERR_OSSL_UNSUPPORTED: 'unsupported',
};

/**
 * The certificate and key checked before anything is bound: present, PEM, and one pair, so a
 * wrong path or a swapped file is one line naming the file (exit 2), not an OpenSSL trace. The
 * text checked is returned and served, so the files are read once.
 */
async function checkTls(ctx: Context, certFile: string, keyFile: string): Promise<{ cert: string; key: string }> {
  const [{ readInputFile }, { X509Certificate, createPrivateKey }] = await Promise.all([import('../../input-file.js'), import('node:crypto')]);
  const read = (flag: string, file: string) => {
    const text = readInputFile(file);
    if (text === undefined) throw new UserError(ctx.t('central.tlsMissing', { flag, file }));
    return text;
  };
  const certText = read('--tls-cert', certFile);
  const keyText = read('--tls-key', keyFile);
  const detail = (e: unknown) => {
    const { code, message } = e as { code?: string; message?: string };
    const reason = code?.startsWith('ERR_OSSL_ASN1_') ? 'damaged' : TLS_REASONS[code ?? ''];
    return reason ? ctx.t(`central.tlsReason.${reason}`) : String(message).replace(/^error:[0-9A-F]+:/, '');
  };
  let cert: InstanceType<typeof X509Certificate>;
  try {
    cert = new X509Certificate(certText);
  } catch (e) {
    // a key given as --tls-cert (the two swapped) has a BEGIN line, just not a certificate's: say what it holds
    const label = /^-----BEGIN ([A-Z0-9 ]+)-----/m.exec(certText)?.[1];
    const why = label && label !== 'CERTIFICATE' ? ctx.t('central.tlsHolds', { label: label.slice(0, 40) }) : detail(e);
    throw new UserError(ctx.t('central.tlsNotCert', { file: certFile, detail: why }), { hint: ctx.t('central.tlsHint') });
  }
  let key: ReturnType<typeof createPrivateKey>;
  try {
    key = createPrivateKey(keyText);
  } catch (e) {
    const { code } = e as { code?: string };
    if (
      code === 'ERR_OSSL_CRYPTO_INTERRUPTED_OR_CANCELLED' ||
      code === 'ERR_MISSING_PASSPHRASE' ||
      /^Proc-Type: 4,ENCRYPTED|^-----BEGIN ENCRYPTED/m.test(keyText)
    )
      throw new UserError(ctx.t('central.tlsKeyEncrypted', { file: keyFile }), { hint: ctx.t('central.tlsKeyEncryptedHint', { file: keyFile }) });
    throw new UserError(ctx.t('central.tlsNotKey', { file: keyFile, detail: detail(e) }), { hint: ctx.t('central.tlsHint') });
  }
  if (!cert.checkPrivateKey(key)) throw new UserError(ctx.t('central.tlsMismatch', { key: keyFile, cert: certFile }));
  // the text checked is the text served: the files are not read a second time
  return { cert: certText, key: keyText };
}
