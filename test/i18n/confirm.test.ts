/**
 * A yes/no question in Bahasa Indonesia, on a real terminal: tmux runs the built jfleet on a
 * pseudo-terminal under LANG=id_ID.UTF-8 (and LANG=C for English). The hint is "(Y/t)" or "(y/T)",
 * y/ya say yes and t/tidak say no, the answer reads Ya/Tidak; an answer that is neither is asked
 * again, never taken for the default. Asked by the register wizard (default yes) and by
 * `hostkey accept` (default no, against an ssh2 device in this process).
 */
import { execa } from 'execa';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadInventory } from '../../src/inventory/load.js';
import { generateEd25519 } from '../../src/transport/keygen.js';
import { at } from '../helpers/at.js';
import { BIN, tempHome } from '../helpers/cli.js';
import { onePackageHome, startSshServer, type TestSshServer } from '../helpers/ssh-server.js';

const sockets: string[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) {
    await execa('tmux', ['-L', s, 'kill-server'], { reject: false });
    rmSync(join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`, s), { force: true });
  }
});

async function terminal(env: Record<string, string>, args: string[]) {
  const socket = `jfleet-confirm-${process.pid}-${sockets.length}-${Date.now()}`;
  sockets.push(socket);
  const vars = Object.entries({ PATH: process.env.PATH ?? '/usr/bin:/bin', NO_COLOR: '1', TERM: 'xterm', ...env })
    .map(([k, v]) => `${k}="${v}"`)
    .join(' ');
  const cmd = `env -i ${vars} node ${BIN} ${args.join(' ')}; echo "EXIT=$?"; sleep 120`;
  await execa('tmux', ['-L', socket, 'new-session', '-d', '-s', 'w', '-x', '160', '-y', '40', cmd]);
  const screen = async () => (await execa('tmux', ['-L', socket, 'capture-pane', '-p', '-t', 'w', '-S', '-100'])).stdout;
  const waitFor = async (re: RegExp, timeoutMs = 15_000) => {
    const end = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < end) {
      last = await screen();
      if (re.test(last)) return last;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out waiting for ${re} on screen:\n${last}`);
  };
  const keys = async (...k: string[]) => execa('tmux', ['-L', socket, 'send-keys', '-t', 'w', ...k]);
  const type = async (text: string) => execa('tmux', ['-L', socket, 'send-keys', '-t', 'w', '-l', text]);
  return { waitFor, keys, type };
}

/** The wizard with every field but the address given: it asks the address, shows the summary, asks to register. */
async function wizard(lang: string) {
  const home = tempHome('jfleet-confirm-');
  const args = [
    'register',
    '--village',
    '35.09.13.2006',
    '--port',
    '22',
    '--user',
    'root',
    '--serial',
    'S1',
    '--mac',
    '00:11:22:33:44:55',
    '--model',
    'M1',
    '--tag',
    'lab',
    '--id',
    'desa-1',
    '--custodian-name',
    'Budi',
  ];
  const t = await terminal({ HOME: home, JFLEET_HOME: home, LANG: lang }, args);
  await t.waitFor(lang === 'C' ? /Address \(IP or host name\)/ : /Alamat \(IP atau nama host\)/);
  await t.type('127.0.0.61');
  await t.keys('Enter');
  const registered = () => existsSync(join(home, 'inventory', 'packages.yaml'));
  return { ...t, registered };
}

describe('the register wizard asks to register in Indonesian (default yes)', () => {
  it('shows (Y/t); an answer that is neither yes nor no is asked again; "t" says no: Tidak, exit 130, nothing written', async () => {
    const w = await wizard('id_ID.UTF-8');
    await w.waitFor(/\? Daftarkan paket ini\? \(Y\/t\)$/m);
    await w.type('x');
    await w.keys('Enter');
    const again = await w.waitFor(/jawab y \(ya\) atau t \(tidak\)/);
    expect(again).toMatch(/\? Daftarkan paket ini\? \(Y\/t\) x$/m);
    expect(again).not.toMatch(/EXIT=/);
    await w.keys('BSpace');
    await w.type('t');
    await w.keys('Enter');
    const done = await w.waitFor(/EXIT=\d+/);
    expect(done).toMatch(/Daftarkan paket ini\? Tidak$/m);
    expect(done).toContain('EXIT=130');
    expect(done).toMatch(/^jfleet: kesalahan: dibatalkan: tidak ada yang ditulis$/m);
    expect(w.registered()).toBe(false);
  });

  it('"ya" says yes: Ya, registered, exit 0', async () => {
    const w = await wizard('id_ID.UTF-8');
    await w.waitFor(/\? Daftarkan paket ini\? \(Y\/t\)$/m);
    await w.type('ya');
    await w.keys('Enter');
    const done = await w.waitFor(/EXIT=\d+/);
    expect(done).toMatch(/Daftarkan paket ini\? Ya$/m);
    expect(done).toContain('desa-1 terdaftar: Rambipuji, Rambipuji (35.09.13.2006) di 127.0.0.61:22');
    expect(done).toContain('EXIT=0');
    expect(w.registered()).toBe(true);
  });

  it('under LANG=C the question is English: (Y/n), "n" cancels', async () => {
    const w = await wizard('C');
    await w.waitFor(/\? Register this package\? \(Y\/n\)$/m);
    await w.type('n');
    await w.keys('Enter');
    const done = await w.waitFor(/EXIT=\d+/);
    expect(done).toMatch(/Register this package\? No$/m);
    expect(done).toContain('EXIT=130');
    expect(w.registered()).toBe(false);
  });
});

describe('hostkey accept asks in Indonesian (default no)', () => {
  const oldKey = generateEd25519('before the reinstall');
  const newKey = generateEd25519('after the reinstall');
  const user = generateEd25519('fleet key');
  let device: TestSshServer;
  beforeAll(async () => {
    device = await startSshServer({ hostKey: newKey.privateKey, authorized: user.publicKey });
  });
  afterAll(async () => {
    await device?.close();
  });

  async function accept() {
    const { home, dir } = await onePackageHome('jfleet-confirm-hk-', user.privateKey, device.port, { hostKey: oldKey.fingerprint });
    const file = join(dir, 'packages.yaml');
    const bytes = readFileSync(file);
    const t = await terminal({ HOME: home, JFLEET_HOME: home, JFLEET_INVENTORY: dir, LANG: 'id_ID.UTF-8' }, ['hostkey', 'accept', 'kiosk-a']);
    const shown = await t.waitFor(/\(y\/T\)$/m);
    const pinned = () => at(loadInventory(dir).packages, 0).hostKey;
    return { ...t, shown, pinned, unchanged: () => expect(readFileSync(file)).toEqual(bytes) };
  }

  it('shows (y/T); Enter alone is the default no: Tidak, exit 130, the pin unchanged', async () => {
    const h = await accept();
    expect(h.shown).toContain(newKey.fingerprint);
    await h.keys('Enter');
    const done = await h.waitFor(/EXIT=\d+/);
    expect(done).toMatch(/ Tidak$/m);
    expect(done).toContain('EXIT=130');
    h.unchanged();
  });

  it('"tidak" says no; "ya" pins the proven key', async () => {
    const no = await accept();
    await no.type('tidak');
    await no.keys('Enter');
    expect(await no.waitFor(/EXIT=\d+/)).toContain('EXIT=130');
    no.unchanged();
    const yes = await accept();
    await yes.type('ya');
    await yes.keys('Enter');
    const done = await yes.waitFor(/EXIT=\d+/);
    expect(done).toMatch(/ Ya$/m);
    expect(done).toContain('EXIT=0');
    expect(yes.pinned()).toBe(newKey.fingerprint);
  });
});
