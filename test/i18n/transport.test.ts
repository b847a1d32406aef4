/**
 * What the transport says when a device cannot be reached or a command on it fails, in
 * Indonesian (issue 12): each sentence comes from the transport code that raises it (a real
 * ssh2 connection on loopback to a stand-in device that refuses the key, hangs a command, drops
 * the connection or cannot open a forward; the local transport; the jump-host pins; the connect
 * classifier), and the CLI says it with t.phrase(). English stays what the transport wrote.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import type { ParsedKey } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyConnectError } from '../../src/transport/classify.js';
import { fingerprintOfPublicKey } from '../../src/transport/fingerprint.js';
import { knownHostsPolicy } from '../../src/transport/host-key-policy.js';
import { generateEd25519 } from '../../src/transport/keygen.js';
import { LocalTransport } from '../../src/transport/local.js';
import { type HostKeyPolicy, SshTransport } from '../../src/transport/ssh.js';
import { HostKeyMismatchError, TransportError } from '../../src/transport/types.js';
import { jfleet } from '../helpers/cli.js';
import { englishT, messagesFor } from '../helpers/messages.js';
import { onePackageHome } from '../helpers/ssh-server.js';

const tid = messagesFor('id');
const device = generateEd25519('device host key');
const user = generateEd25519('fleet key');
const stranger = generateEd25519('a key the device does not accept');

/** A stand-in device: "hang" never ends, "drop" cuts the connection mid-command, anything else prints. */
function startDevice(): Promise<{ port: number; close(): Promise<void> }> {
  const authorized = ssh2.utils.parseKey(user.publicKey) as ParsedKey;
  const server = new ssh2.Server({ hostKeys: [device.privateKey] }, (client) => {
    client.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey' || !ctx.key.data.equals(authorized.getPublicSSH())) return ctx.reject(['publickey']);
      if (!ctx.signature) return ctx.accept();
      return authorized.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true ? ctx.accept() : ctx.reject(['publickey']);
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        accept().on('exec', (acc, _rej, info) => {
          const ch = acc();
          if (info.command === 'hang') return;
          if (info.command === 'drop') return void (client as unknown as { _sock: { destroy(): void } })._sock.destroy();
          ch.write('ok\n');
          ch.exit(0);
          ch.end();
        });
      });
      client.on('tcpip', (_accept, reject) => reject());
    });
    client.on('error', () => undefined);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ port: (server.address() as AddressInfo).port, close: () => new Promise<void>((r) => server.close(() => r())) }),
    ),
  );
}

let dev: { port: number; close(): Promise<void> };
beforeAll(async () => {
  dev = await startDevice();
});
afterAll(async () => {
  await dev.close();
});

const trusting: HostKeyPolicy = { check: async () => 'pinned', pin: async () => undefined };
const transport = (key: string | null, hostKey: HostKeyPolicy = trusting) =>
  new SshTransport({
    name: 'kiosk-a',
    host: '127.0.0.1',
    port: dev.port,
    auth: { username: 'root', keys: key ? [{ source: 'test', key: Buffer.from(key) }] : [] },
    hostKey,
    connectTimeoutMs: 5000,
  });

/** The error a promise rejects with (a TransportError, or the test fails). */
async function failure(p: Promise<unknown>): Promise<TransportError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof TransportError) return e;
    throw e;
  }
  throw new Error('it did not fail');
}

/** English as the transport wrote it, and the Indonesian the CLI says for it. */
function says(e: TransportError | string, en: string | RegExp, id: string | RegExp): void {
  const message = typeof e === 'string' ? e : e.message;
  if (typeof en === 'string') expect(message).toBe(en);
  else expect(message).toMatch(en);
  expect(englishT.phrase(message)).toBe(message);
  const said = tid.phrase(message);
  if (typeof id === 'string') expect(said).toBe(id);
  else expect(said).toMatch(id);
}

describe('a connection to a device, in Indonesian', () => {
  it('no key to offer, a key the device refuses, a changed host key', async () => {
    says(
      await failure(transport(null).connect()),
      'no key, agent or password to log in to kiosk-a',
      'tidak ada kunci, agen, atau kata sandi untuk masuk ke kiosk-a',
    );
    says(
      await failure(transport(stranger.privateKey).connect()),
      'authentication failed on kiosk-a (no offered key or password was accepted)',
      'autentikasi gagal di kiosk-a (tidak ada kunci atau kata sandi yang diterima)',
    );
    const proven = fingerprintOfPublicKey(device.publicKey);
    const pinnedOther: HostKeyPolicy = {
      check: async (fp) => {
        throw new HostKeyMismatchError('kiosk-a', 'SHA256:pinnedEarlier', fp);
      },
      pin: async () => undefined,
    };
    says(
      await failure(transport(user.privateKey, pinnedOther).connect()),
      `host key of kiosk-a changed: pinned SHA256:pinnedEarlier, offered ${proven}`,
      `kunci host kiosk-a berubah: yang disematkan SHA256:pinnedEarlier, yang ditawarkan ${proven}`,
    );
  });

  it('a command that outlives its timeout, a connection cut during a command, a jump host that cannot reach its target', async () => {
    const t = transport(user.privateKey);
    try {
      says(
        await failure(t.exec('hang', { timeoutMs: 300 })),
        'command timed out after 300 ms on kiosk-a',
        'perintah melewati batas waktu setelah 300 ms di kiosk-a',
      );
      says(
        await failure(t.forwardOut('127.0.0.1', 1)),
        /^jump host kiosk-a cannot reach 127\.0\.0\.1:1: /,
        /^host lompatan kiosk-a tidak dapat menjangkau 127\.0\.0\.1:1: /,
      );
      const cut = await failure(t.exec('drop', { timeoutMs: 5000 }));
      says(cut, 'connection to kiosk-a lost during the command: connection closed', 'sambungan ke kiosk-a putus selama perintah berjalan: sambungan ditutup');
      says(await failure(t.exec('echo', {})), 'connection to kiosk-a lost: connection closed', 'sambungan ke kiosk-a putus: sambungan ditutup');
    } finally {
      await t.close();
    }
  });

  it("what ssh2 says inside those, in the run's language too", () => {
    says(
      'jump host kiosk-a cannot reach 10.0.0.9:22: (SSH) Channel open failure: Connection refused',
      /./,
      'host lompatan kiosk-a tidak dapat menjangkau 10.0.0.9:22: (SSH) kanal gagal dibuka: sambungan ditolak',
    );
    says('connection to kiosk-a lost: Not connected', /./, 'sambungan ke kiosk-a putus: tidak tersambung');
  });

  it('every way a connect fails, as the classifier words it', () => {
    const c = (err: { message?: string; code?: string; level?: string }, tcpConnected = false, offeredHostKey?: string) =>
      classifyConnectError(err, { target: 'kiosk-a', tcpConnected, timeoutMs: 10000, offeredHostKey }).message;
    const cases: Array<[string, string]> = [
      [
        c({ level: 'handshake', message: 'Handshake failed: signature verification failed' }, true, 'SHA256:abc'),
        'kiosk-a menawarkan kunci host SHA256:abc tetapi tidak membuktikan bahwa ia memegangnya (tanda tangan pertukaran kunci salah: ada penyadap di tengah jalan?); tidak ada yang disematkan',
      ],
      [
        c({ level: 'handshake', message: 'Handshake failed: signature verification failed' }, true),
        'kiosk-a menawarkan sebuah kunci host tetapi tidak membuktikan bahwa ia memegangnya (tanda tangan pertukaran kunci salah: ada penyadap di tengah jalan?); tidak ada yang disematkan',
      ],
      [
        c({ level: 'client-timeout', message: 'Timed out while waiting for handshake' }, true),
        'kiosk-a menerima TCP tetapi tidak menuntaskan jabat tangan SSH dalam 10.000 ms (perangkat macet?)',
      ],
      [
        c({ level: 'client-timeout', message: 'Timed out while waiting for handshake' }),
        'kiosk-a tak terjangkau: sambungan melewati batas waktu setelah 10.000 ms',
      ],
      [c({ code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND kiosk-a.lan' }), 'kiosk-a tak terjangkau: nama host tidak dapat ditemukan (ENOTFOUND)'],
      [c({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }), 'kiosk-a tak terjangkau: sambungan ditolak (sshd tidak berjalan atau perangkat mati)'],
      [c({ code: 'EHOSTUNREACH', message: 'connect EHOSTUNREACH' }), 'kiosk-a tak terjangkau: EHOSTUNREACH'],
      [
        c({ level: 'client-authentication', message: 'All configured authentication methods failed' }),
        'autentikasi gagal di kiosk-a (tidak ada kunci atau kata sandi yang diterima)',
      ],
    ];
    for (const [en, id] of cases) says(en, /./, id);
  });
});

describe('the local transport and the pins of jump hosts, in Indonesian', () => {
  it('a local command that outlives its timeout', async () => {
    const t = new LocalTransport('lab-runner');
    says(
      await failure(t.exec('sleep 1', { timeoutMs: 200 })),
      'command timed out after 200 ms on lab-runner',
      'perintah melewati batas waktu setelah 200 ms di lab-runner',
    );
  });

  it('a known_hosts.json that is not a JSON object: no connection, said as such', async () => {
    const home = mkdtempSync(join(tmpdir(), 'jfleet-pins-'));
    mkdirSync(join(home, 'state'), { recursive: true });
    const file = join(home, 'state', 'known_hosts.json');
    writeFileSync(file, '[1, 2]\n');
    says(
      await failure(knownHostsPolicy({ home }, 'jump.lan').check('SHA256:x')),
      `cannot read the pinned host keys in ${file} (not a JSON object); not connecting to jump.lan`,
      `kunci host yang disematkan di ${file} tidak dapat dibaca (bukan objek JSON); tidak menyambung ke jump.lan`,
    );
  });
});

describe('jfleet exec and check on the built binary: a refused key and a changed host key, LANG=id_ID.UTF-8 beside LANG=C', () => {
  const run = async (key: string, fields: Record<string, unknown>, args: string[]) => {
    const { home, dir } = await onePackageHome('jfleet-i18n-transport-', key, dev.port, fields);
    const opts = (LANG: string) => ({ home, env: { JFLEET_INVENTORY: dir, LANG } });
    return [await jfleet(args, opts('id_ID.UTF-8')), await jfleet(args, opts('C'))] as const;
  };

  it('a key the device refuses: the recap and the reason in Indonesian; --json and the exit code the same', async () => {
    const [id, en] = await run(stranger.privateKey, { hostKey: fingerprintOfPublicKey(device.publicKey) }, ['exec', '--', 'true']);
    expect(id.exitCode, id.stderr).toBe(1);
    expect(en.exitCode).toBe(1);
    const said = id.stdout + id.stderr;
    expect(said).toContain('autentikasi gagal di kiosk-a (tidak ada kunci atau kata sandi yang diterima)');
    expect(said).not.toMatch(/authentication failed|no offered key/);
    expect(en.stdout + en.stderr).toContain('authentication failed on kiosk-a (no offered key or password was accepted)');
    const [jid, jen] = await run(stranger.privateKey, { hostKey: fingerprintOfPublicKey(device.publicKey) }, ['exec', '--json', '--', 'true']);
    expect(jid.stdout.replace(/"durationMs": \d+/g, '')).toBe(jen.stdout.replace(/"durationMs": \d+/g, ''));
  });

  it('a changed host key: the check line and its advice in Indonesian', async () => {
    const before = fingerprintOfPublicKey(stranger.publicKey);
    const [id, en] = await run(user.privateKey, { hostKey: before }, ['check', 'kiosk-a']);
    expect(id.exitCode).toBe(en.exitCode);
    expect(id.stdout).toMatch(/^JFLEET CRITICAL - kiosk-a: /);
    expect(id.stdout).toContain(`kunci host kiosk-a berubah: yang disematkan ${before}, yang ditawarkan ${fingerprintOfPublicKey(device.publicKey)}`);
    expect(id.stdout).toContain('jfleet hostkey accept kiosk-a');
    expect(id.stdout).not.toMatch(/changed: pinned|if the device was reinstalled/);
    expect(en.stdout).toContain(`host key of kiosk-a changed: pinned ${before}, offered`);
  });
});
