// A device with an RSA and an ed25519 host key, pinned on one of them. ssh2 asks for ed25519
// first; OpenSSH asks first for the type of the key it knows. jfleet must connect to a device
// pinned on either key, and still refuse one whose keys are both different from the pin.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import ssh2 from 'ssh2';
import type { ParsedKey } from 'ssh2';
import { fingerprint } from '../../src/transport/fingerprint.js';
import { generateEd25519 } from '../../src/transport/keygen.js';
import { createPool } from '../../src/transport/pool.js';
import { fleetPoolOptions } from '../../src/fleet-pool.js';
import { configReader } from '../../src/config/config.js';
import { algorithmsOfType, keyTypeOf, SshTransport, type HostKeyPolicy } from '../../src/transport/ssh.js';
import { HostKeyMismatchError, TransportError } from '../../src/transport/types.js';
import { loadInventory } from '../../src/inventory/load.js';
import { at } from '../helpers/at.js';
import { onePackageHome } from '../helpers/ssh-server.js';

const user = generateEd25519('fleet key');
const ed = generateEd25519('device ed25519 host key');
const rsaPem = ssh2.utils.generateKeyPairSync('rsa', { bits: 2048 }).private;
const rsaFp = fingerprint((ssh2.utils.parseKey(rsaPem) as ParsedKey).getPublicSSH());
const other = generateEd25519('another device');

let server: ssh2.Server;
let port = 0;
// per connection: the host-key algorithm negotiated, and how far it got
const conns: Array<{ hostKey: string; auth: boolean }> = [];

beforeAll(async () => {
  const authorized = ssh2.utils.parseKey(user.publicKey) as ParsedKey;
  server = new ssh2.Server({ hostKeys: [ed.privateKey, rsaPem] }, (client) => {
    const rec = { hostKey: '', auth: false };
    conns.push(rec);
    client.on('handshake', (n) => (rec.hostKey = n.serverHostKey));
    client.on('authentication', (ctx) => {
      rec.auth = true;
      if (ctx.method !== 'publickey' || !ctx.key.data.equals(authorized.getPublicSSH())) return ctx.reject(['publickey']);
      if (!ctx.signature) return ctx.accept();
      return authorized.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true ? ctx.accept() : ctx.reject(['publickey']);
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        accept().on('exec', (acc, _rej, info) => {
          const ch = acc();
          ch.write(`ran: ${info.command}\n`);
          ch.exit(0);
          ch.end();
        });
      });
    });
    client.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** what the pool does: compare with the pin, never pin here */
const pinnedOn = (pin: string, checked: string[] = []): HostKeyPolicy => ({
  check: async (fp) => {
    checked.push(fp);
    if (fp === pin) return 'pinned';
    throw new HostKeyMismatchError('kiosk-a', pin, fp);
  },
  pin: async () => {
    throw new Error('must not pin: the device is pinned');
  },
});
const transport = (hostKey: HostKeyPolicy) =>
  new SshTransport({
    name: 'kiosk-a',
    host: '127.0.0.1',
    port,
    auth: { username: 'root', keys: [{ source: 'test', key: Buffer.from(user.privateKey) }] },
    hostKey,
    connectTimeoutMs: 5000,
  });

describe('a device with RSA and ed25519 host keys', () => {
  it('pinned on RSA: connects (asking again for the RSA key, never logging in to the refused one)', async () => {
    const checked: string[] = [];
    const t = transport(pinnedOn(rsaFp, checked));
    const before = conns.length;
    try {
      expect((await t.exec('hostname')).stdout).toBe('ran: hostname\n');
      expect(checked).toEqual([ed.fingerprint, rsaFp]);
      expect(conns.slice(before)).toEqual([
        { hostKey: '', auth: false }, // ed25519 shown and refused: no handshake completed, no login
        { hostKey: 'rsa-sha2-512', auth: true },
      ]);
    } finally {
      await t.close();
    }
  });

  it('pinned on ed25519: connects on the first try', async () => {
    const t = transport(pinnedOn(ed.fingerprint));
    const before = conns.length;
    try {
      await t.exec('true');
      expect(conns.slice(before)).toEqual([{ hostKey: 'ssh-ed25519', auth: true }]);
    } finally {
      await t.close();
    }
  });

  it('pinned on a key it does not have: still "host key changed", naming the first key offered, and no login', async () => {
    const checked: string[] = [];
    const before = conns.length;
    const err = await transport(pinnedOn(other.fingerprint, checked))
      .connect()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostKeyMismatchError);
    expect((err as HostKeyMismatchError).message).toMatch(
      new RegExp(`^host key of kiosk-a changed: pinned ${other.fingerprint.replace(/[+/]/g, '\\$&')}, offered ${ed.fingerprint.replace(/[+/]/g, '\\$&')}`),
    );
    expect(checked).toEqual([ed.fingerprint, rsaFp]); // every key type it has was looked at, none matched
    expect(conns.slice(before).every((c) => !c.auth)).toBe(true);
  });

  it('a server that shows the pinned RSA key on the second try but cannot sign with it is still refused, as unproven', async () => {
    const fakeRsa = ssh2.utils.parseKey(rsaPem) as ParsedKey;
    fakeRsa.sign = (() => randomBytes(256)) as ParsedKey['sign'];
    let logins = 0;
    const fake = new ssh2.Server({ hostKeys: [ed.privateKey, { key: fakeRsa }] }, (client) => {
      client.on('authentication', (ctx) => {
        logins++;
        ctx.reject();
      });
      client.on('error', () => undefined);
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    try {
      const t = new SshTransport({
        name: 'kiosk-a',
        host: '127.0.0.1',
        port: (fake.address() as AddressInfo).port,
        auth: { username: 'root', keys: [{ source: 'test', key: Buffer.from(user.privateKey) }] },
        hostKey: pinnedOn(rsaFp),
        connectTimeoutMs: 5000,
      });
      const err = await t.connect().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TransportError);
      expect((err as TransportError).kind).toBe('hostkey');
      expect((err as TransportError).message).toMatch(/did not prove it holds it/);
      expect(logins).toBe(0);
    } finally {
      await new Promise<void>((r) => fake.close(() => r()));
    }
  });

  it('through the pool, a package pinned on RSA in the inventory connects', async () => {
    const { home, dir, keyFile } = await onePackageHome('jfleet-hostkey-type-', user.privateKey, port, { hostKey: rsaFp });
    const ctx = { env: { HOME: home }, home, cwd: home, config: configReader({ home, env: {} }) };
    const pool = createPool(ctx, { ...fleetPoolOptions(ctx, { inventoryDir: dir, keyFile }), agent: false, retries: 0 });
    try {
      const t = await pool.get(at(loadInventory(dir).packages, 0));
      expect((await t.exec('true')).exitCode).toBe(0);
      expect(at(loadInventory(dir).packages, 0).hostKey).toBe(rsaFp);
    } finally {
      await pool.closeAll();
    }
  });

  it('reads the key type from a key blob, and knows which algorithms show it', () => {
    expect(keyTypeOf((ssh2.utils.parseKey(rsaPem) as ParsedKey).getPublicSSH())).toBe('ssh-rsa');
    expect(keyTypeOf(Buffer.from(at(ed.publicKey.split(' '), 1), 'base64'))).toBe('ssh-ed25519');
    expect(keyTypeOf(Buffer.alloc(2))).toBe('');
    expect(algorithmsOfType('ssh-rsa')).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
    expect(algorithmsOfType('ecdsa-sha2-nistp256')).toEqual(['ecdsa-sha2-nistp256']);
  });
});
