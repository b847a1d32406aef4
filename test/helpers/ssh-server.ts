/**
 * An ssh2 server in the test process on loopback: a stand-in device, or (garbageSignature) a
 * fake one that offers a host key it cannot sign with, as a man in the middle who copied the
 * device's public key would. It logs what it saw ('handshake', 'auth:<method>', 'ready',
 * 'exec:<command>') so a test can tell how far a client got.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { updateInventory } from '../../src/inventory/store.js';
import { packageSchema } from '../../src/inventory/schema.js';
import type { AddressInfo } from 'node:net';
import ssh2 from 'ssh2';
import type { ParsedKey } from 'ssh2';

export interface TestSshServer {
  port: number;
  /** everything every connection did, in order */
  log: string[];
  connections: number;
  close(): Promise<void>;
}

export async function startSshServer(opts: {
  /** the host key's private half (OpenSSH text) */
  hostKey: string;
  /** the public key line a client may log in with */
  authorized: string;
  /** sign the key exchange with random bytes instead of the host key */
  garbageSignature?: boolean;
  /** what a command prints (a probe's JSON, say); default: "ran: <command>" */
  reply?: (command: string) => string;
}): Promise<TestSshServer> {
  const authorized = ssh2.utils.parseKey(opts.authorized) as ParsedKey;
  const hostKey = ssh2.utils.parseKey(opts.hostKey) as ParsedKey;
  // ssh2's Server takes an already parsed key as it is (keyParser.parseKey returns it unchanged),
  // so its sign() is what the key exchange signs with
  if (opts.garbageSignature) hostKey.sign = (() => randomBytes(64)) as ParsedKey['sign'];
  const log: string[] = [];
  const state = { connections: 0 };
  const server = new ssh2.Server({ hostKeys: [{ key: hostKey }] }, (client) => {
    state.connections++;
    client.on('handshake', () => log.push('handshake'));
    client.on('authentication', (ctx) => {
      log.push(`auth:${ctx.method}`);
      if (ctx.method !== 'publickey' || ctx.key.algo !== authorized.type || !ctx.key.data.equals(authorized.getPublicSSH())) return ctx.reject(['publickey']);
      if (!ctx.signature) return ctx.accept();
      return authorized.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true ? ctx.accept() : ctx.reject(['publickey']);
    });
    client.on('ready', () => {
      log.push('ready');
      client.on('session', (accept) => {
        const session = accept();
        session.on('exec', (acc, _rej, info) => {
          log.push(`exec:${info.command}`);
          const ch = acc();
          ch.write(opts.reply ? opts.reply(info.command) : `ran: ${info.command}\n`);
          ch.exit(0);
          ch.end();
        });
      });
    });
    client.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    log,
    get connections() {
      return state.connections;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/**
 * A JFLEET_HOME holding the fleet's private key, and an inventory of one package, kiosk-a, at
 * 127.0.0.1:`port` logging in with that key; `fields` adds or overrides package fields (hostKey...).
 */
export async function onePackageHome(
  prefix: string,
  privateKey: string,
  port: number,
  fields: Record<string, unknown> = {},
): Promise<{ home: string; dir: string; keyFile: string }> {
  const home = mkdtempSync(join(tmpdir(), prefix));
  const keyFile = join(home, 'fleet_key');
  writeFileSync(keyFile, privateKey, { mode: 0o600 });
  const dir = join(home, 'inventory');
  const pkg = packageSchema.parse({
    id: 'kiosk-a',
    village: '35.09.13.2006',
    address: '127.0.0.1',
    port,
    user: 'root',
    identityFile: keyFile,
    registeredAt: '2026-01-01T00:00:00Z',
    ...fields,
  });
  await updateInventory(dir, () => [pkg]);
  return { home, dir, keyFile };
}
