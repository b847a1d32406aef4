/**
 * ssh2 over a real compressed SSH connection on loopback (ssh2's own server, delayed zlib): a
 * channel destroyed after the connection has closed must not throw (mscdex/ssh2#1178; the guard
 * is src/transport/ssh2-zlib.ts, loaded by the ssh2 transport).
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import ssh2, { type ClientChannel } from 'ssh2';
import { afterEach, expect, test } from 'vitest';
import '../../src/transport/ssh.js';

const ZLIB = { compress: ['zlib@openssh.com', 'none'] } as const;
let server: ssh2.Server | undefined;
afterEach(() => server?.close());

test('a channel destroyed after its compressed connection closed does not throw', async () => {
  const hostKey = ssh2.utils.generateKeyPairSync('ed25519').private;
  server = new ssh2.Server({ hostKeys: [hostKey], algorithms: ZLIB as never }, (conn) => {
    conn.on('authentication', (ctx) => ctx.accept());
    conn.on('ready', () => conn.on('session', (accept) => accept().on('exec', (acceptExec) => acceptExec().write('started\n'))));
    conn.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  const client = new ssh2.Client();
  client.on('error', () => {});
  client.connect({ host: '127.0.0.1', port, username: 'kiosk', password: 'x', algorithms: ZLIB as never });
  await once(client, 'ready');
  const channel = await new Promise<ClientChannel>((resolve, reject) => client.exec('sleep 60', (err, ch) => (err ? reject(err) : resolve(ch))));
  await once(channel, 'data');
  const negotiated = (client as unknown as { _protocol: { _kex?: unknown; _packetRW: { write: object } } })._protocol;
  expect(negotiated._packetRW.write.constructor.name).toBe('ZlibPacketWriter');

  const closed = once(client, 'close');
  (client as unknown as { _sock: { destroy(): void } })._sock.destroy();
  await closed;
  expect(() => channel.destroy()).not.toThrow();
});
