/**
 * The register wizard driven through a real terminal: tmux runs jfleet on a pseudo-terminal,
 * send-keys types like a technician, capture-pane reads the screen.
 */
import { execa } from 'execa';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, tempHome } from '../helpers/cli.js';
import { parseInventory } from '../../src/inventory/load.js';
import { loadVillages } from '../../src/inventory/villages.js';

const sockets: string[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) {
    await execa('tmux', ['-L', s, 'kill-server'], { reject: false });
    rmSync(join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`, s), { force: true });
  }
});

async function terminal(home: string, args: string[]) {
  const socket = `jfleet-wiz-${process.pid}-${sockets.length}-${Date.now()}`;
  sockets.push(socket);
  const cmd = `env -i PATH="${process.env.PATH}" HOME="${home}" JFLEET_HOME="${home}" NO_COLOR=1 TERM=xterm node ${BIN} ${args.join(' ')}; echo "EXIT=$?"; sleep 120`;
  await execa('tmux', ['-L', socket, 'new-session', '-d', '-s', 'w', '-x', '140', '-y', '50', cmd]);
  const screen = async () => (await execa('tmux', ['-L', socket, 'capture-pane', '-p', '-t', 'w', '-S', '-200'])).stdout;
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
  const keys = async (...k: string[]) => {
    await execa('tmux', ['-L', socket, 'send-keys', '-t', 'w', ...k]);
  };
  const type = async (text: string) => {
    await execa('tmux', ['-L', socket, 'send-keys', '-t', 'w', '-l', text]);
  };
  return { screen, waitFor, keys, type };
}

describe('jfleet register wizard (real terminal via tmux)', () => {
  it('searches villages as you type, validates on the spot, summarises and registers', async () => {
    const home = tempHome();
    const t = await terminal(home, ['register']);
    await t.waitFor(/Village \(type a name, district or code\)/);
    await t.type('kasiyan timr');
    await t.waitFor(/Kasiyan Timur, Puger \(35\.09\.08\.2008\)/);
    await t.keys('Enter');
    await t.waitFor(/Address \(IP or host name\)/);
    await t.type('bad host!');
    await t.keys('Enter');
    await t.waitFor(/must be an IP address or an RFC 1123 host name/);
    for (let i = 0; i < 9; i++) await t.keys('BSpace');
    await t.type('127.0.0.50');
    await t.keys('Enter');
    await t.waitFor(/SSH port/);
    await t.type('99999');
    await t.keys('Enter');
    await t.waitFor(/must be 1-65535/);
    for (let i = 0; i < 5; i++) await t.keys('BSpace');
    await t.keys('Enter'); // default 22
    await t.waitFor(/SSH user/);
    await t.keys('Enter');
    await t.waitFor(/Serial number/);
    await t.type('SN-W1');
    await t.keys('Enter');
    await t.waitFor(/MAC address/);
    await t.type('00-11-22-33-44-5A');
    await t.keys('Enter');
    await t.waitFor(/Hardware model/);
    await t.type('NUC 11');
    await t.keys('Enter');
    await t.waitFor(/Tags/);
    await t.type('ring-0, pilot');
    await t.keys('Enter');
    await t.waitFor(/Package id.*kasiyan-timur-1/);
    await t.keys('Enter');
    await t.waitFor(/Custodian name/);
    await t.type('Bu Siti');
    await t.keys('Enter');
    await t.waitFor(/Custodian phone/);
    await t.keys('Enter');
    const summary = await t.waitFor(/Register this package\?/);
    expect(summary).toMatch(/village\s+Kasiyan Timur, Puger \(35\.09\.08\.2008\)/);
    expect(summary).toMatch(/address\s+127\.0\.0\.50:22/);
    await t.keys('Enter');
    const done = await t.waitFor(/EXIT=\d+/);
    expect(done).toContain('registered kasiyan-timur-1: Kasiyan Timur, Puger (35.09.08.2008) at 127.0.0.50:22');
    expect(done).toContain('EXIT=0');
    const inv = parseInventory(readFileSync(join(home, 'inventory', 'packages.yaml'), 'utf8'), 'x', loadVillages());
    expect(inv.packages).toMatchObject([
      {
        id: 'kasiyan-timur-1',
        village: '35.09.08.2008',
        address: '127.0.0.50',
        port: 22,
        user: 'root',
        tags: ['ring-0', 'pilot'],
        hardware: { serial: 'SN-W1', mac: '00:11:22:33:44:5a', model: 'NUC 11' },
        custodian: { name: 'Bu Siti' },
      },
    ]);
  });

  it('Ctrl-C cancels with exit 130 and writes nothing', async () => {
    const home = tempHome();
    const t = await terminal(home, ['register', '--village', '35.09.13.2006']);
    await t.waitFor(/Address \(IP or host name\)/);
    await t.type('127.0.0.51');
    await t.keys('C-c');
    const done = await t.waitFor(/EXIT=\d+/);
    expect(done).toContain('EXIT=130');
    expect(done).toContain('cancelled');
    expect(existsSync(join(home, 'inventory', 'packages.yaml'))).toBe(false);
  });

  it('answering no at the summary writes nothing (exit 130)', async () => {
    const home = tempHome();
    const t = await terminal(home, [
      'register',
      '--village',
      '35.09.13.2006',
      '--serial',
      'S1',
      '--mac',
      '00:11:22:33:44:55',
      '--model',
      'X',
      '--tag',
      'a',
      '--id',
      'r-1',
      '--port',
      '22',
      '--user',
      'root',
      '--custodian-name',
      'A',
    ]);
    await t.waitFor(/Address/);
    await t.type('127.0.0.52');
    await t.keys('Enter');
    await t.waitFor(/Register this package\?/);
    await t.type('n');
    await t.keys('Enter');
    const done = await t.waitFor(/EXIT=\d+/);
    expect(done).toContain('EXIT=130');
    expect(existsSync(join(home, 'inventory', 'packages.yaml'))).toBe(false);
  });

  // every answer but the address (and how the package is reached) given as flags
  const REST = [
    '--village',
    '35.09.13.2006',
    '--serial',
    'S1',
    '--mac',
    '00:11:22:33:44:55',
    '--model',
    'X',
    '--tag',
    'a',
    '--id',
    'r-1',
    '--port',
    '22',
    '--user',
    'root',
    '--custodian-name',
    'A',
  ];
  const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';
  function withBastions(home: string, ids: string[] | undefined) {
    mkdirSync(join(home, 'inventory'), { recursive: true });
    if (ids === undefined) return;
    const list = ids.map((id) => `  - { id: ${id}, address: ${id}.jemberkab.go.id, hostKey: "${KEY}" }\n`).join('');
    writeFileSync(join(home, 'inventory', 'bastions.yaml'), ids.length ? `bastions:\n${list}` : 'bastions: []\n');
  }
  const registered = (home: string) => parseInventory(readFileSync(join(home, 'inventory', 'packages.yaml'), 'utf8'), 'x', loadVillages()).packages;

  it('with bastions in bastions.yaml, asks how the package is reached (direct first); a bastion chosen is written as reach: tunnel', async () => {
    const home = tempHome();
    withBastions(home, ['bastion-jember', 'bastion-puger']);
    const t = await terminal(home, ['register', ...REST]);
    await t.waitFor(/Address/);
    await t.type('10.20.0.15');
    await t.keys('Enter');
    const question = await t.waitFor(/How does jfleet reach this package\?[\s\S]*through bastion bastion-puger/);
    expect(question).toMatch(/❯ directly\n\s+through bastion bastion-jember \(reverse tunnel\)\n\s+through bastion bastion-puger \(reverse tunnel\)/);
    expect(question).toContain('its address answers SSH from where jfleet runs');
    await t.keys('Down');
    await t.keys('Down');
    await t.waitFor(/❯ through bastion bastion-puger[\s\S]*reverse tunnel to bastion-puger\.jemberkab\.go\.id/);
    await t.keys('Enter');
    const summary = await t.waitFor(/Register this package\?/);
    expect(summary).toMatch(/reach\s+tunnel, through bastion bastion-puger/);
    await t.keys('Enter');
    const done = await t.waitFor(/EXIT=\d+/);
    expect(done).toContain('registered r-1: Rambipuji, Rambipuji (35.09.13.2006) at 10.20.0.15:22, reached through its tunnel to bastion bastion-puger');
    expect(done).toContain('EXIT=0');
    expect(registered(home)).toMatchObject([{ id: 'r-1', address: '10.20.0.15', reach: 'tunnel', bastion: 'bastion-puger' }]);
  });

  it('Enter at that question keeps the default, direct: no reach written', async () => {
    const home = tempHome();
    withBastions(home, ['bastion-jember']);
    const t = await terminal(home, ['register', ...REST]);
    await t.waitFor(/Address/);
    await t.type('10.20.0.16');
    await t.keys('Enter');
    await t.waitFor(/How does jfleet reach this package\?/);
    await t.keys('Enter');
    const summary = await t.waitFor(/Register this package\?/);
    expect(summary).toMatch(/reach\s+direct/);
    await t.keys('Enter');
    expect(await t.waitFor(/EXIT=\d+/)).toContain('EXIT=0');
    const [p] = registered(home);
    expect(p).toMatchObject({ id: 'r-1', address: '10.20.0.16' });
    expect(p?.reach).toBeUndefined();
    expect(p?.bastion).toBeUndefined();
    expect(readFileSync(join(home, 'inventory', 'packages.yaml'), 'utf8')).not.toMatch(/reach|bastion/);
  });

  it('no question without a bastion (no bastions.yaml, or an empty one)', async () => {
    for (const ids of [undefined, []]) {
      const home = tempHome();
      withBastions(home, ids);
      const t = await terminal(home, ['register', ...REST]);
      await t.waitFor(/Address/);
      await t.type('10.20.0.17');
      await t.keys('Enter');
      const summary = await t.waitFor(/Register this package\?/);
      expect(summary).not.toContain('How does jfleet reach');
      expect(summary).not.toMatch(/^\s+reach\s/m);
      await t.keys('Enter');
      expect(await t.waitFor(/EXIT=\d+/)).toContain('EXIT=0');
      expect(registered(home)[0]?.reach).toBeUndefined();
    }
  });

  it('--reach tunnel with several bastions asks only which bastion', async () => {
    const home = tempHome();
    withBastions(home, ['bastion-jember', 'bastion-puger']);
    const t = await terminal(home, ['register', ...REST, '--reach', 'tunnel']);
    await t.waitFor(/Address/);
    await t.type('10.20.0.18');
    await t.keys('Enter');
    const question = await t.waitFor(/Which bastion does its tunnel go to\?[\s\S]*bastion-puger/);
    expect(question).not.toContain('directly');
    await t.keys('Enter'); // the first
    await t.waitFor(/Register this package\?/);
    await t.keys('Enter');
    expect(await t.waitFor(/EXIT=\d+/)).toContain('EXIT=0');
    expect(registered(home)).toMatchObject([{ reach: 'tunnel', bastion: 'bastion-jember' }]);
  });

  it('a broken bastions.yaml is refused before any question (located, exit 2), not read as "no bastion"', async () => {
    const home = tempHome();
    withBastions(home, []);
    writeFileSync(join(home, 'inventory', 'bastions.yaml'), 'bastions:\n  - { id: bastion-jember, address: b.example, hostKey: not-a-key }\n');
    const t = await terminal(home, ['register', ...REST]);
    const done = await t.waitFor(/EXIT=\d+/);
    expect(done).toContain('EXIT=2');
    expect(done).toMatch(/jfleet: error: \S+bastions\.yaml:2 bastions\[0\]\.hostKey: must be an OpenSSH public key line/);
    expect(done).not.toContain('Address');
    expect(existsSync(join(home, 'inventory', 'packages.yaml'))).toBe(false);
  });
});
