/**
 * The register wizard in Bahasa Indonesia, on a real terminal: tmux runs the built jfleet on a
 * pseudo-terminal under LANG=id_ID.UTF-8 (and LANG=C for English), send-keys types like a village
 * operator, capture-pane reads the screen.
 */
import { execa } from 'execa';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseInventory } from '../../src/inventory/load.js';
import { loadVillages } from '../../src/inventory/villages.js';
import { BIN, tempHome } from '../helpers/cli.js';

const sockets: string[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) {
    await execa('tmux', ['-L', s, 'kill-server'], { reject: false });
    rmSync(join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`, s), { force: true });
  }
});

async function terminal(home: string, lang: string, args: string[]) {
  const socket = `jfleet-wiz-i18n-${process.pid}-${sockets.length}-${Date.now()}`;
  sockets.push(socket);
  const cmd = `env -i PATH="${process.env.PATH}" HOME="${home}" JFLEET_HOME="${home}" LANG=${lang} NO_COLOR=1 TERM=xterm node ${BIN} ${args.join(' ')}; echo "EXIT=$?"; sleep 120`;
  await execa('tmux', ['-L', socket, 'new-session', '-d', '-s', 'w', '-x', '160', '-y', '50', cmd]);
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
  const keys = async (...k: string[]) => execa('tmux', ['-L', socket, 'send-keys', '-t', 'w', ...k]);
  const type = async (text: string) => execa('tmux', ['-L', socket, 'send-keys', '-t', 'w', '-l', text]);
  return { waitFor, keys, type };
}

describe('the register wizard in Indonesian (tmux)', () => {
  it('asks, checks every answer on the spot and summarises in Indonesian, then registers', async () => {
    const home = tempHome();
    const t = await terminal(home, 'id_ID.UTF-8', ['register']);
    await t.waitFor(/Mendaftarkan paket kios\. Ctrl-C untuk membatalkan; tidak ada yang ditulis sebelum Anda konfirmasi\./);
    await t.waitFor(/Desa\/kelurahan \(ketik nama, kecamatan, atau kode\)/);
    await t.type('kasiyan timr');
    await t.waitFor(/Kasiyan Timur, Puger \(35\.09\.08\.2008\)/);
    await t.keys('Enter');
    await t.waitFor(/Alamat \(IP atau nama host\)/);
    await t.type('bad host!');
    await t.keys('Enter');
    await t.waitFor(/harus alamat IP atau nama host RFC 1123/);
    for (let i = 0; i < 9; i++) await t.keys('BSpace');
    await t.type('127.0.0.60');
    await t.keys('Enter');
    await t.waitFor(/Port SSH/);
    await t.type('99999');
    await t.keys('Enter');
    await t.waitFor(/harus 1-65535/);
    for (let i = 0; i < 5; i++) await t.keys('BSpace');
    await t.keys('Enter');
    await t.waitFor(/Pengguna SSH/);
    await t.keys('Enter');
    await t.waitFor(/Nomor seri \(opsional\)/);
    await t.keys('Enter');
    await t.waitFor(/Alamat MAC \(opsional/);
    await t.type('zz');
    await t.keys('Enter');
    await t.waitFor(/harus alamat MAC seperti 00:11:22:33:44:55/);
    for (let i = 0; i < 2; i++) await t.keys('BSpace');
    await t.keys('Enter');
    await t.waitFor(/Model perangkat keras \(opsional\)/);
    await t.keys('Enter');
    await t.waitFor(/Tag \(opsional, dipisah koma/);
    await t.keys('Enter');
    await t.waitFor(/ID paket.*kasiyan-timur-1/);
    await t.keys('Enter');
    await t.waitFor(/Kontak penanggung jawab adalah data pribadi/);
    await t.waitFor(/Nama penanggung jawab \(opsional\)/);
    await t.keys('Enter');
    await t.waitFor(/Telepon penanggung jawab \(opsional\)/);
    await t.keys('Enter');
    const summary = await t.waitFor(/Daftarkan paket ini\?/);
    expect(summary).toMatch(/^Ringkasan$/m);
    expect(summary).toMatch(/desa\s+Kasiyan Timur, Puger \(35\.09\.08\.2008\)/);
    expect(summary).toMatch(/alamat\s+127\.0\.0\.60:22/);
    await t.keys('Enter');
    const done = await t.waitFor(/EXIT=\d+/);
    expect(done).toContain('kasiyan-timur-1 terdaftar: Kasiyan Timur, Puger (35.09.08.2008) di 127.0.0.60:22');
    expect(done).toContain('EXIT=0');
    const inv = parseInventory(readFileSync(join(home, 'inventory', 'packages.yaml'), 'utf8'), 'x', loadVillages());
    expect(inv.packages).toMatchObject([{ id: 'kasiyan-timur-1', village: '35.09.08.2008', address: '127.0.0.60', port: 22 }]);
  });

  it('Ctrl-C cancels in Indonesian with exit 130 and writes nothing', async () => {
    const home = tempHome();
    const t = await terminal(home, 'id_ID.UTF-8', ['register', '--village', '35.09.13.2006']);
    await t.waitFor(/Alamat \(IP atau nama host\)/);
    await t.keys('C-c');
    const done = await t.waitFor(/EXIT=\d+/);
    expect(done).toContain('EXIT=130');
    expect(done).toMatch(/^jfleet: kesalahan: dibatalkan$/m);
    expect(existsSync(join(home, 'inventory', 'packages.yaml'))).toBe(false);
  });

  it('under LANG=C the same wizard speaks English', async () => {
    const home = tempHome();
    const t = await terminal(home, 'C', ['register', '--village', '35.09.13.2006']);
    await t.waitFor(/Register a kiosk package\. Ctrl-C cancels/);
    await t.waitFor(/Address \(IP or host name\)/);
    await t.type('bad host!');
    await t.keys('Enter');
    await t.waitFor(/must be an IP address or an RFC 1123 host name/);
    await t.keys('C-c');
    expect(await t.waitFor(/EXIT=\d+/)).toContain('EXIT=130');
  });

  it('the question how a package is reached, with its key hints, and the summary line in Indonesian', async () => {
    const home = tempHome();
    mkdirSync(join(home, 'inventory'));
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';
    writeFileSync(join(home, 'inventory', 'bastions.yaml'), `bastions:\n  - { id: bastion-jember, address: bastion.jemberkab.go.id, hostKey: "${key}" }\n`);
    const flags = ['--village', '35.09.13.2006', '--serial', 'S1', '--mac', '00:11:22:33:44:55', '--model', 'X', '--tag', 'a', '--id', 'r-1'];
    const t = await terminal(home, 'id_ID.UTF-8', ['register', ...flags, '--port', '22', '--user', 'root', '--custodian-name', 'A']);
    await t.waitFor(/Alamat \(IP atau nama host\)/);
    await t.type('10.20.0.15');
    await t.keys('Enter');
    const question = await t.waitFor(/Bagaimana jfleet menjangkau paket ini\?[\s\S]*↑↓ pindah • ⏎ pilih/);
    expect(question).toMatch(/❯ langsung\n\s+lewat host lompatan bastion-jember \(terowongan balik\)/);
    await t.keys('Down');
    await t.keys('Enter');
    const summary = await t.waitFor(/Daftarkan paket ini\?/);
    expect(summary).toMatch(/jangkauan\s+terowongan, lewat host lompatan bastion-jember/);
    await t.keys('Enter');
    const done = await t.waitFor(/EXIT=\d+/);
    expect(done).toContain(
      'r-1 terdaftar: Rambipuji, Rambipuji (35.09.13.2006) di 10.20.0.15:22, dijangkau lewat terowongannya ke host lompatan bastion-jember',
    );
    expect(done).toContain('EXIT=0');
  });
});
