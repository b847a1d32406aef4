/**
 * `jfleet hostkey accept` and first contact, on the built binary against ssh2 servers in this
 * process on loopback: a device (new host key, old one pinned) and a fake that offers the same
 * new key but signs the key exchange with garbage. A pin changes only for a key the device
 * proved, and only when confirmed: on a terminal, or by --expect / --yes.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { BIN, jfleet } from '../helpers/cli.js';
import { onePackageHome, startSshServer, type TestSshServer } from '../helpers/ssh-server.js';
import { generateEd25519 } from '../../src/transport/keygen.js';
import { loadInventory } from '../../src/inventory/load.js';
import { at } from '../helpers/at.js';

const oldKey = generateEd25519('before the reinstall');
const newKey = generateEd25519('after the reinstall');
const user = generateEd25519('fleet key');
let device: TestSshServer;
let fake: TestSshServer;

beforeAll(async () => {
  device = await startSshServer({ hostKey: newKey.privateKey, authorized: user.publicKey });
  fake = await startSshServer({ hostKey: newKey.privateKey, authorized: user.publicKey, garbageSignature: true });
});
afterAll(async () => {
  await Promise.all([device.close(), fake.close()]);
});

/** JFLEET_HOME with the fleet key, and an inventory whose kiosk-a is at `port`, pinned to `pin` */
async function setup(port: number, pin: string | null = oldKey.fingerprint) {
  const { home, dir } = await onePackageHome('jfleet-hostkey-', user.privateKey, port, pin ? { hostKey: pin } : {});
  const file = join(dir, 'packages.yaml');
  const bytes = readFileSync(file);
  const run = (args: string[]) => jfleet(args, { home, env: { JFLEET_INVENTORY: dir } });
  const pinned = () => at(loadInventory(dir).packages, 0).hostKey;
  const unchanged = () => expect(readFileSync(file)).toEqual(bytes);
  return { home, dir, run, pinned, unchanged };
}

describe('jfleet hostkey accept without a terminal', () => {
  it('without --expect or --yes refuses (exit 2) before connecting, nothing written', async () => {
    const s = await setup(device.port);
    const before = device.connections;
    const r = await s.run(['hostkey', 'accept', 'kiosk-a']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe(
      'jfleet: error: missing --expect SHA256:…: pinning the host key of kiosk-a needs its fingerprint checked; nothing was changed, and there is no terminal to ask (CI is set)\n' +
        'jfleet: hint: pass --expect with the fingerprint read on the device (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), or --yes to pin whatever key it proves\n',
    );
    expect(r.stdout).toBe('');
    expect(device.connections).toBe(before);
    s.unchanged();
  });

  it('--expect with another fingerprint: one-line error, exit 2, nothing written', async () => {
    const s = await setup(device.port);
    const wrong = generateEd25519('x').fingerprint;
    const r = await s.run(['hostkey', 'accept', 'kiosk-a', '--expect', wrong]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(`jfleet: error: kiosk-a proves host key ${newKey.fingerprint}, not the expected ${wrong}; nothing was pinned`);
    s.unchanged();
  });

  it('--expect that is not a fingerprint: exit 2 before connecting', async () => {
    const s = await setup(device.port);
    const before = device.connections;
    const r = await s.run(['hostkey', 'accept', 'kiosk-a', '--expect', 'SHA256:short']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^jfleet: error: --expect "SHA256:short" is not a SHA256 host-key fingerprint\n/);
    expect(device.connections).toBe(before);
    s.unchanged();
  });

  it('--expect with the fingerprint the device proves: pinned, old and new shown', async () => {
    const s = await setup(device.port);
    const r = await s.run(['hostkey', 'accept', 'kiosk-a', '--expect', newKey.fingerprint]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(`kiosk-a: host key pinned ${newKey.fingerprint} (was ${oldKey.fingerprint})\n`);
    expect(s.pinned()).toBe(newKey.fingerprint);
    // and the device is reachable with it
    const ok = await s.run(['exec', '--limit', 'kiosk-a', '--', 'hostname']);
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toContain('kiosk-a | ran: hostname');
  });

  it('--yes pins the proven key; --json reports old and new', async () => {
    const s = await setup(device.port);
    const r = await s.run(['hostkey', 'accept', 'kiosk-a', '--yes', '--json']);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ id: 'kiosk-a', old: oldKey.fingerprint, new: newKey.fingerprint, changed: true });
    expect(s.pinned()).toBe(newKey.fingerprint);
  });

  it('a fake that offers the right key but cannot sign with it pins nothing, even with the right --expect or --yes', async () => {
    for (const flag of [['--expect', newKey.fingerprint], ['--yes']]) {
      const s = await setup(fake.port);
      const r = await s.run(['hostkey', 'accept', 'kiosk-a', ...flag]);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toBe(
        `jfleet: error: kiosk-a offered host key ${newKey.fingerprint} but did not prove it holds it (bad key-exchange signature: a man in the middle?); nothing was pinned\n`,
      );
      s.unchanged();
    }
  });
});

describe('first contact with a fake device', () => {
  it('exec fails (exit 1, hostkey) and the inventory stays byte-identical', async () => {
    const s = await setup(fake.port, null);
    const r = await s.run(['exec', '--json', '--limit', 'kiosk-a', '--', 'true']);
    expect(r.exitCode).toBe(1);
    const j = JSON.parse(r.stdout) as { results: Array<{ status: string; error: string }> };
    expect(j.results[0]).toMatchObject({ status: 'hostkey', error: expect.stringMatching(/did not prove it holds it/) });
    s.unchanged();
    expect(s.pinned()).toBeUndefined();
  });

  it('the real device is pinned by the same command', async () => {
    const s = await setup(device.port, null);
    const r = await s.run(['exec', '--limit', 'kiosk-a', '--', 'true']);
    expect(r.exitCode).toBe(0);
    expect(s.pinned()).toBe(newKey.fingerprint);
  });
});

describe('jfleet hostkey accept on a terminal (tmux)', () => {
  const sockets: string[] = [];
  afterEach(async () => {
    for (const sock of sockets.splice(0)) {
      await execa('tmux', ['-L', sock, 'kill-server'], { reject: false });
      rmSync(join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`, sock), { force: true });
    }
  });
  const terminal = async (s: Awaited<ReturnType<typeof setup>>) => {
    const sock = `jfleet-hk-${process.pid}-${sockets.length}-${Date.now()}`;
    sockets.push(sock);
    const cmd = `env -i PATH="${process.env.PATH}" HOME="${s.home}" JFLEET_HOME="${s.home}" JFLEET_INVENTORY="${s.dir}" NO_COLOR=1 TERM=xterm node ${BIN} hostkey accept kiosk-a; echo "EXIT=$?"; sleep 120`;
    await execa('tmux', ['-L', sock, 'new-session', '-d', '-s', 'w', '-x', '160', '-y', '30', cmd]);
    const screen = async () => (await execa('tmux', ['-L', sock, 'capture-pane', '-p', '-t', 'w'])).stdout;
    const waitFor = async (re: RegExp) => {
      const end = Date.now() + 15_000;
      let last = '';
      while (Date.now() < end) {
        last = await screen();
        if (re.test(last)) return last;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`timed out waiting for ${re} on screen:\n${last}`);
    };
    const keys = (...k: string[]) => execa('tmux', ['-L', sock, 'send-keys', '-t', 'w', ...k]);
    return { waitFor, keys };
  };

  it('shows the pinned and the proven fingerprint and pins on yes', async () => {
    const s = await setup(device.port);
    const t = await terminal(s);
    const shown = await t.waitFor(/Pin SHA256:\S+ as the host key of kiosk-a\?/);
    expect(shown).toContain(`kiosk-a: pinned host key   ${oldKey.fingerprint}`);
    expect(shown).toContain(`kiosk-a: the device proves ${newKey.fingerprint}`);
    expect(s.pinned()).toBe(oldKey.fingerprint); // nothing yet
    await t.keys('y', 'Enter');
    await t.waitFor(/EXIT=0/);
    expect(s.pinned()).toBe(newKey.fingerprint);
  });

  it('answering no cancels (exit 130) and writes nothing', async () => {
    const s = await setup(device.port);
    const t = await terminal(s);
    await t.waitFor(/Pin SHA256:\S+ as the host key of kiosk-a\?/);
    await t.keys('n', 'Enter');
    await t.waitFor(/EXIT=130/);
    s.unchanged();
  });
});
