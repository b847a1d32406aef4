/**
 * The reach work in both languages, through the built binary: jfleet bastion's help and errors
 * (the handler's and the ones src/reach/bastion.ts raises in English, said through the catalog's
 * errors.reach templates), a bastions.yaml mistake in inventory check, and status' tunnel lines.
 * Under LANG=C every line is what the reach work printed before the catalogs.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import i18next from 'i18next';
import { describe, expect, it } from 'vitest';
import { failureText } from '../../src/cli/render/failure.js';
import en from '../../src/i18n/locales/en.js';
import id from '../../src/i18n/locales/id.js';
import { createMessages } from '../../src/i18n/messages.js';
import { TransportError } from '../../src/transport/types.js';
import { deadDeviceHome, jfleet, tempHome } from '../helpers/cli.js';

const ID = { LANG: 'id_ID.UTF-8' };
const C = { LANG: 'C' };
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';

describe('jfleet bastion in Indonesian and English', () => {
  it('bastion --help: description, sub-commands and examples in Indonesian; English under LANG=C', async () => {
    const id = await jfleet(['bastion', '--help'], { env: ID });
    expect(id.exitCode).toBe(0);
    expect(id.stdout).toMatch(/^Cara pakai: jfleet bastion \[opsi\] \[perintah\]/);
    expect(id.stdout).toContain('host lompatan (bastion) tempat kios di balik NAT operator seluler menahan');
    expect(id.stdout).toMatch(/^Perintah:$/m);
    expect(id.stdout).toContain('Kios dengan "reach: tunnel" di inventaris menjalankan jfleet-tunnel.service');
    expect(id.stdout).toContain('$ sudo jfleet bastion revoke kiosk-rambipuji');
    expect(id.stdout).not.toMatch(/^(Usage|Commands|Examples):/m);
    const en = await jfleet(['bastion', '--help'], { env: C });
    expect(en.stdout).toMatch(/^Usage: jfleet bastion \[options\] \[command\]/);
    expect(en.stdout).toContain('A kiosk with "reach: tunnel" in the inventory runs jfleet-tunnel.service: plain ssh -NT holding\n');
    const addId = await jfleet(['bastion', 'add', '--help'], { env: ID });
    expect(addId.stdout).toMatch(/--key <line>\s+kunci publik terowongan kios/);
    const prov = await jfleet(['provision', '--help'], { env: ID });
    expect(prov.stdout).toMatch(/--direct\s+jangkau paket yang memakai terowongan secara langsung/);
  });

  it("bastion errors: the handler's and the lower layer's, one line in Indonesian, exit 2, nothing written", async () => {
    const home = tempHome('jfleet-reach-i18n-');
    const root = join(home, 'not-a-root');
    mkdirSync(root);
    const env = { JFLEET_HOME: home };
    const noKey = await jfleet(['bastion', 'add', 'kiosk-rambipuji', '--root', root], { env: { ...env, ...ID } });
    expect(noKey.exitCode).toBe(2);
    expect(noKey.stderr).toBe('jfleet: kesalahan: bastion add butuh kunci publik terowongan kios: --key "ssh-ed25519 …" atau --key-file BERKAS\n');
    const badKey = await jfleet(['bastion', 'add', 'kiosk-rambipuji', '--key', 'not a key', '--root', root], { env: { ...env, ...ID } });
    expect(badKey.exitCode).toBe(2);
    expect(badKey.stderr).toBe(
      'jfleet: kesalahan: --key harus baris kunci publik terowongan perangkat ("ssh-ed25519 AAAA…", /etc/jfleet/tunnel_ed25519.pub)\n',
    );
    const badId = await jfleet(['bastion', 'revoke', 'Kiosk_X', '--root', root], { env: { ...env, ...ID } });
    expect(badId.stderr).toBe('jfleet: kesalahan: "Kiosk_X" bukan id paket (huruf kecil, angka, dan "-")\n');
    const badIdEn = await jfleet(['bastion', 'revoke', 'Kiosk_X', '--root', root], { env: { ...env, ...C } });
    expect(badIdEn.stderr).toBe('jfleet: error: "Kiosk_X" is not a package id (lower-case letters, digits and "-")\n');
    const ports = await jfleet(['bastion', 'init', '--ports', '22,0'], { env: { ...env, ...ID } });
    expect(ports.exitCode).toBe(2);
    expect(ports.stderr).toBe('jfleet: kesalahan: --ports menerima port 1-65535 yang dipisah ",", bukan "22,0"\n');
    expect(readdirSync(root)).toEqual([]);
  });

  it('a bastions.yaml mistake names file, line and field in Indonesian; English under LANG=C', async () => {
    const home = tempHome('jfleet-reach-i18n-');
    const inv = join(home, 'inventory');
    mkdirSync(inv, { recursive: true });
    writeFileSync(
      join(inv, 'packages.yaml'),
      'packages:\n  - { id: rambipuji-1, village: 35.09.13.2006, address: 127.0.0.1, reach: tunnel, bastion: bastion-x, registeredAt: 2026-01-01T00:00:00Z }\n',
    );
    writeFileSync(join(inv, 'bastions.yaml'), `bastions:\n  - { id: bastion-jember, address: 127.0.0.1, hostKey: "${KEY}" }\n`);
    const env = { JFLEET_HOME: home, JFLEET_INVENTORY: inv };
    const id = await jfleet(['inventory', 'check'], { env: { ...env, ...ID } });
    expect(id.exitCode).toBe(2);
    expect(id.stderr + id.stdout).toContain(
      `packages.yaml:2 packages[0].bastion: host lompatan "bastion-x" tidak dikenal (${join(inv, 'bastions.yaml')} mendefinisikan: bastion-jember)`,
    );
    const en = await jfleet(['inventory', 'check'], { env: { ...env, ...C } });
    expect(en.stderr + en.stdout).toContain(
      `packages.yaml:2 packages[0].bastion: unknown bastion "bastion-x" (${join(inv, 'bastions.yaml')} defines: bastion-jember)`,
    );
  });

  it("a tunnel.port the bastion does not listen on reads in Indonesian; the English is the loader's own words", () => {
    const idT = createMessages(i18next, 'id', { en, id }).t;
    const enT = createMessages(i18next, 'en', { en }).t;
    const said =
      "port 2222 is not a port of bastion bastion-jember (its ports: 443, 22): add it to the bastion's ports in /srv/inv/bastions.yaml or remove tunnel.port";
    expect(enT.phrase(said)).toBe(said);
    expect(idT.phrase(said)).toBe(
      'port 2222 bukan port host lompatan bastion-jember (port-nya: 443, 22): tambahkan ke ports host lompatan itu di /srv/inv/bastions.yaml atau hapus tunnel.port',
    );
  });

  it('status: the tunnel lines in Indonesian, the --json tunnel the same in both', async () => {
    const { home, inv } = await deadDeviceHome('jfleet-reach-i18n-');
    const env = { JFLEET_HOME: home, JFLEET_INVENTORY: inv };
    await jfleet(['sweep'], { env: { ...env, ...C } });
    // the tunnel a sweep of a reach: tunnel package records (src/reach/status.ts), put in its table
    const db = new Database(join(home, 'state', 'jfleet.db'));
    const hourAgo = new Date(Date.now() - 3 * 3600_000).toISOString();
    db.prepare('INSERT INTO tunnel_status (id, bastion, state, connected_since, last_seen, checked_at, error) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
      'rambipuji-1',
      'bastion-jember',
      'down',
      null,
      hourAgo,
      new Date().toISOString(),
      null,
    );
    db.close();
    const id = await jfleet(['status'], { env: { ...env, ...ID } });
    expect(id.exitCode).toBe(0);
    expect(id.stdout).toContain('terowongan (reach: tunnel; sambungannya, terpisah dari penilaian di atas):');
    expect(id.stdout).toMatch(/rambipuji-1 {2}terowongan PUTUS lewat bastion-jember, terakhir terlihat 3 jam lalu/);
    const en = await jfleet(['status'], { env: { ...env, ...C } });
    expect(en.stdout).toContain('tunnels (reach: tunnel; the link, apart from the verdict above):');
    expect(en.stdout).toMatch(/rambipuji-1 {2}tunnel DOWN via bastion-jember, last seen 3 h ago/);
    const jsonId = await jfleet(['status', '--json'], { env: { ...env, ...ID } });
    const jsonEn = await jfleet(['status', '--json'], { env: { ...env, ...C } });
    expect(JSON.parse(jsonId.stdout)[0].tunnel).toMatchObject({ bastion: 'bastion-jember', state: 'down', lastSeen: hourAgo });
    expect(jsonId.stdout).toBe(jsonEn.stdout);
    expect(JSON.parse(jsonEn.stdout)[0].tunnel.port).toBeNull();
    // the bastion port the kiosk's tunnel uses, once a probe read it on the kiosk
    const db2 = new Database(join(home, 'state', 'jfleet.db'));
    db2.prepare('UPDATE tunnel_status SET port = 443 WHERE id = ?').run('rambipuji-1');
    db2.close();
    expect((await jfleet(['status'], { env: { ...env, ...C } })).stdout).toMatch(/rambipuji-1 {2}tunnel DOWN via bastion-jember port 443, last seen 3 h ago/);
    expect((await jfleet(['status'], { env: { ...env, ...ID } })).stdout).toMatch(
      /rambipuji-1 {2}terowongan PUTUS lewat bastion-jember port 443, terakhir terlihat 3 jam lalu/,
    );
    expect(JSON.parse((await jfleet(['status', '--json'], { env: { ...env, ...C } })).stdout)[0].tunnel).toMatchObject({ port: 443, state: 'down' });
  });

  it("the tunnel route's failures and their hints read in Indonesian, the transport's own words (open failed) too", () => {
    const idT = createMessages(i18next, 'id', { en, id }).t;
    const enT = createMessages(i18next, 'en', { en }).t;
    const down = new TransportError(
      'unreachable',
      'kiosk-a',
      'kiosk-a unreachable: its tunnel is not connected to bastion bastion-jember (/run/jfleet/kiosk-a/ssh.sock: open failed)',
      { hint: { kind: 'tunnel-down', id: 'kiosk-a', bastion: 'bastion-jember' } },
    );
    const said = failureText(down);
    expect(enT.phrase(said)).toBe(said);
    expect(idT.phrase(said)).toBe(
      'kiosk-a tak terjangkau: terowongannya tidak tersambung ke host lompatan bastion-jember (/run/jfleet/kiosk-a/ssh.sock: pembukaan gagal) (jfleet-tunnel.service kios tidak tersambung: periksa listrik dan jaringan 4G-nya, bahwa ia disiapkan dengan reach: tunnel, dan di host lompatan: jfleet bastion add kiosk-a)',
    );
    // the tunnel key's provisioning step, as the plan shows it
    expect(idT.phrase('make an ed25519 key at /etc/jfleet/tunnel_ed25519 (show it with: cat /etc/jfleet/tunnel_ed25519.pub)')).toBe(
      'buat kunci ed25519 di /etc/jfleet/tunnel_ed25519 (lihat dengan: cat /etc/jfleet/tunnel_ed25519.pub)',
    );
    const rebuilt = new TransportError(
      'hostkey',
      'kiosk-a',
      'kiosk-a unreachable through bastion bastion-jember: host key of bastion bastion-jember changed: pinned SHA256:aaa, offered SHA256:bbb',
      { hint: { kind: 'bastion-hostkey', bastion: 'bastion-jember' } },
    );
    expect(idT.phrase(failureText(rebuilt))).toBe(
      'kiosk-a tak terjangkau lewat host lompatan bastion-jember: kunci host dari host lompatan bastion-jember berubah: yang disematkan SHA256:aaa, yang ditawarkan SHA256:bbb; jika host lompatan bastion-jember dibangun ulang, isi hostKey di bastions.yaml dengan kunci barunya (ssh-keyscan, dibaca di host lompatan itu sendiri)',
    );
  });
});
