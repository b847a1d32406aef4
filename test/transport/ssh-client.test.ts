// The ssh2 transport against an ssh2 server on loopback: what jfleet's client offers and signs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import ssh2 from 'ssh2';
import { generateEd25519 } from '../../src/transport/keygen.js';
import { KEX_PREFERENCE, prepareKey, SshTransport } from '../../src/transport/ssh.js';

const hostKey = generateEd25519('host');
let server: ssh2.Server;
let port: number;
const seen: Array<{ kex: string; signatureOk: boolean | null }> = [];
let authorized: ssh2.ParsedKey;

beforeAll(async () => {
  const user = generateEd25519('user');
  authorized = ssh2.utils.parseKey(user.publicKey) as ssh2.ParsedKey;
  userKey = user.privateKey;
  server = new ssh2.Server({ hostKeys: [hostKey.privateKey] }, (client) => {
    const rec = { kex: '', signatureOk: null as boolean | null };
    seen.push(rec);
    client.on('handshake', (n) => (rec.kex = n.kex));
    client.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey' || ctx.key.algo !== authorized.type || !ctx.key.data.equals(authorized.getPublicSSH())) return ctx.reject(['publickey']);
      if (!ctx.signature) return ctx.accept(); // the "would this key do" query
      rec.signatureOk = authorized.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true;
      return rec.signatureOk ? ctx.accept() : ctx.reject(['publickey']);
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        const session = accept();
        session.on('exec', (acc, _rej, info) => {
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

let userKey: string;
const transport = (extra: Partial<ConstructorParameters<typeof SshTransport>[0]> = {}) =>
  new SshTransport({
    name: 'dev',
    host: '127.0.0.1',
    port,
    auth: { username: 'root', keys: [{ source: 'test', key: prepareKey(Buffer.from(userKey)) }] },
    hostKey: { check: async () => 'pinned', pin: async () => undefined },
    connectTimeoutMs: 5000,
    ...extra,
  });

describe('the ssh2 transport', () => {
  it("prefers Curve25519 for the key exchange (OpenSSH's order), and logs in with the once-prepared key (the server checks its signature)", async () => {
    const t = transport();
    try {
      const r = await t.exec('hostname');
      expect(r.stdout).toBe('ran: hostname\n');
      expect(seen.at(-1)).toEqual({ kex: 'curve25519-sha256', signatureOk: true });
      expect(KEX_PREFERENCE[0]).toBe('curve25519-sha256');
    } finally {
      await t.close();
    }
  });
  it('takes another key-exchange order when told (config sshKex)', async () => {
    const t = transport({ kex: ['ecdh-sha2-nistp256', 'curve25519-sha256'] });
    try {
      await t.exec('true');
      expect(seen.at(-1)?.kex).toBe('ecdh-sha2-nistp256');
    } finally {
      await t.close();
    }
  });
  it('a prepared key signs what OpenSSH accepts, and what it cannot prepare stays bytes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jfleet-prep-'));
    const prepared = prepareKey(Buffer.from(userKey));
    expect(Buffer.isBuffer(prepared)).toBe(false);
    const data = Buffer.from('session id and request');
    const sig = (prepared as ssh2.ParsedKey).sign(data);
    expect(authorized.verify(data, sig)).toBe(true);
    const garbage = Buffer.from('not a key');
    expect(prepareKey(garbage)).toBe(garbage);
    // an encrypted key needs its passphrase: left to ssh2 as before
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret', '-f', join(dir, 'enc')]);
    const enc = readFileSync(join(dir, 'enc'));
    expect(prepareKey(enc)).toBe(enc);
  });
});
