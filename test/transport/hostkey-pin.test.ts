// Host keys are pinned only once the device proved it holds them: ssh2 shows the client the
// offered key before it checks the server's signature with it, so a fake server that offers a
// device's key and signs garbage must fail the connection and leave no pin anywhere.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateEd25519 } from '../../src/transport/keygen.js';
import { createPool } from '../../src/transport/pool.js';
import { fleetPoolOptions } from '../../src/fleet-pool.js';
import { configReader } from '../../src/config/config.js';
import { SshTransport, type HostKeyPolicy } from '../../src/transport/ssh.js';
import { TransportError } from '../../src/transport/types.js';
import { loadInventory } from '../../src/inventory/load.js';
import { onePackageHome, startSshServer, type TestSshServer } from '../helpers/ssh-server.js';
import { at } from '../helpers/at.js';

const device = generateEd25519('device host key');
const user = generateEd25519('fleet key');
let good: TestSshServer;
let fake: TestSshServer; // offers the device's own public key, signs with random bytes

beforeAll(async () => {
  good = await startSshServer({ hostKey: device.privateKey, authorized: user.publicKey });
  fake = await startSshServer({ hostKey: device.privateKey, authorized: user.publicKey, garbageSignature: true });
});
afterAll(async () => {
  await Promise.all([good.close(), fake.close()]);
});

/** a JFLEET_HOME with the fleet key and an inventory of one unpinned package at `port` */
async function setup(port: number, extra: Record<string, unknown> = {}) {
  const { home, dir } = await onePackageHome('jfleet-pin-', user.privateKey, port, extra);
  const file = join(dir, 'packages.yaml');
  const ctx = { env: { HOME: home }, home, cwd: home, config: configReader({ home, env: {} }) };
  return { home, dir, file, ctx, bytes: readFileSync(file) };
}

const recording = (log: string[], answer: 'pinned' | 'unpinned'): HostKeyPolicy => ({
  check: async (fp) => {
    log.push(`check ${fp}`);
    return answer;
  },
  pin: async (fp) => {
    log.push(`pin ${fp}`);
  },
});

const transport = (port: number, hostKey: HostKeyPolicy, key = true) =>
  new SshTransport({
    name: 'kiosk-a',
    host: '127.0.0.1',
    port,
    auth: { username: 'root', keys: key ? [{ source: 'test', key: Buffer.from(user.privateKey) }] : [] },
    hostKey,
    connectTimeoutMs: 5000,
  });

describe('a server that offers a host key it cannot sign with', () => {
  it('fails the connection on first contact and the inventory stays byte-identical (no pin)', async () => {
    const s = await setup(fake.port);
    const pool = createPool(s.ctx, { ...fleetPoolOptions(s.ctx, { inventoryDir: s.dir }), agent: false, retries: 0 });
    const before = fake.log.length;
    const err = await pool.get(at(loadInventory(s.dir).packages, 0)).catch((e: unknown) => e);
    await pool.closeAll();
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).kind).toBe('hostkey');
    expect((err as TransportError).message).toBe(
      `kiosk-a offered host key ${device.fingerprint} but did not prove it holds it (bad key-exchange signature: a man in the middle?); nothing was pinned`,
    );
    expect(readFileSync(s.file)).toEqual(s.bytes);
    expect(at(loadInventory(s.dir).packages, 0).hostKey).toBeUndefined();
    expect(pool.pinned.size).toBe(0);
    // it never got as far as a login
    expect(fake.log.slice(before)).toEqual([]);
  });

  it('is refused even when it offers the pinned key (the check alone is not enough), and nothing is pinned', async () => {
    const log: string[] = [];
    const err = await transport(fake.port, recording(log, 'pinned'))
      .connect()
      .catch((e: unknown) => e);
    expect((err as TransportError).kind).toBe('hostkey');
    expect(log).toEqual([`check ${device.fingerprint}`]);
    const log2: string[] = [];
    await expect(transport(fake.port, recording(log2, 'unpinned')).connect()).rejects.toThrow(/did not prove it holds it/);
    expect(log2).toEqual([`check ${device.fingerprint}`]); // pin never called
  });

  it('proves no key to hostkey accept either', async () => {
    const log: string[] = [];
    await expect(transport(fake.port, recording(log, 'unpinned'), false).proveHostKey()).rejects.toThrow(/did not prove it holds it/);
    expect(log).toEqual([`check ${device.fingerprint}`]);
  });

  it('as a jump host ([user@]host:port) it is not pinned into known_hosts.json', async () => {
    const s = await setup(22, { address: 'kiosk-behind-nat', jump: `root@127.0.0.1:${fake.port}` });
    const pool = createPool(s.ctx, { ...fleetPoolOptions(s.ctx, { inventoryDir: s.dir, keyFile: join(s.home, 'fleet_key') }), agent: false, retries: 0 });
    const err = await pool.get(at(loadInventory(s.dir).packages, 0)).catch((e: unknown) => e);
    await pool.closeAll();
    expect((err as TransportError).kind).toBe('hostkey');
    expect(existsSync(join(s.home, 'state', 'known_hosts.json'))).toBe(false);
    expect(readFileSync(s.file)).toEqual(s.bytes);
  });
});

describe('a device that proves its key', () => {
  it('is pinned on first contact, after the handshake and login completed', async () => {
    const s = await setup(good.port);
    const pool = createPool(s.ctx, { ...fleetPoolOptions(s.ctx, { inventoryDir: s.dir }), agent: false, retries: 0 });
    const t = await pool.get(at(loadInventory(s.dir).packages, 0));
    expect((await t.exec('true')).stdout).toBe('ran: true\n');
    await pool.closeAll();
    expect(at(loadInventory(s.dir).packages, 0).hostKey).toBe(device.fingerprint);
    expect(pool.pinned.get('kiosk-a')).toBe(device.fingerprint);
  });

  it('the policy checks in the key exchange and pins only once the server saw the login through', async () => {
    const log: string[] = [];
    const t = transport(good.port, {
      check: async (fp) => {
        log.push(`check ${fp}`);
        return 'unpinned';
      },
      pin: async (fp) => {
        log.push(`server: ${good.log.at(-1)}`, `pin ${fp}`);
      },
    });
    await t.connect();
    await t.close();
    expect(log).toEqual([`check ${device.fingerprint}`, 'server: ready', `pin ${device.fingerprint}`]);
    // an already pinned key is not written again
    const again: string[] = [];
    const t2 = transport(good.port, recording(again, 'pinned'));
    await t2.connect();
    await t2.close();
    expect(again).toEqual([`check ${device.fingerprint}`]);
  });

  it('a pin that cannot be written refuses the connection', async () => {
    const t = transport(good.port, {
      check: async () => 'unpinned',
      pin: async () => {
        throw new TransportError('hostkey', 'kiosk-a', 'cannot pin: disk full');
      },
    });
    await expect(t.connect()).rejects.toThrow('cannot pin: disk full');
    expect(t.connected).toBe(false);
  });

  it('proveHostKey reads the proven key without logging in or pinning', async () => {
    const log: string[] = [];
    const before = good.log.length;
    expect(await transport(good.port, recording(log, 'unpinned'), false).proveHostKey()).toBe(device.fingerprint);
    expect(log).toEqual([`check ${device.fingerprint}`]);
    await new Promise((r) => setTimeout(r, 50));
    expect(good.log.slice(before)).toEqual(['handshake']);
  });

  it('as a jump host it is pinned into known_hosts.json after the login', async () => {
    const s = await setup(good.port, { address: '127.0.0.1', jump: `root@127.0.0.1:${good.port}` });
    const pool = createPool(s.ctx, { ...fleetPoolOptions(s.ctx, { inventoryDir: s.dir, keyFile: join(s.home, 'fleet_key') }), agent: false, retries: 0 });
    const err = await pool.get(at(loadInventory(s.dir).packages, 0)).catch((e: unknown) => e);
    await pool.closeAll();
    // the test server forwards nothing, so the device behind it is not reached; the jump host was
    expect(err).toBeInstanceOf(TransportError);
    expect(JSON.parse(readFileSync(join(s.home, 'state', 'known_hosts.json'), 'utf8'))).toEqual({ [`127.0.0.1:${good.port}`]: device.fingerprint });
  });
});
