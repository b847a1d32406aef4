/**
 * The last English a technician met under LANG=id_ID.UTF-8 (issue 12), through the built binary,
 * each beside LANG=C: coordinates with the decimal comma, the config keys' descriptions, commander's
 * "(default: …)" and "(choices: …)", selector and key-exchange errors, schedule install's lines, the
 * central server's token error (no longer eaten by the bearer-token redaction). Machine output
 * (--json) stays byte for byte the same in both languages.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deadDeviceHome, jfleet, tempHome } from '../helpers/cli.js';

const ID = { LANG: 'id_ID.UTF-8' };
const C = { LANG: 'C' };
const both = (args: string[], opts: { home?: string; env?: Record<string, string> } = {}) =>
  Promise.all([ID, C].map((l) => jfleet(args, { ...opts, env: { ...opts.env, ...l } })));

describe('numbers: coordinates', () => {
  it('villages: latitude and longitude with the decimal comma in Indonesian, the point in English; --json the same numbers', async () => {
    const [id, en] = await both(['villages', 'kasiyan']);
    expect(id!.exitCode).toBe(0);
    expect(id!.stdout).toMatch(/^KODE\s+DESA\s+JENIS\s+KECAMATAN\s+LINTANG\s+BUJUR$/m);
    expect(id!.stdout).toMatch(/^35\.09\.08\.2006\s+Kasiyan\s+desa\s+Puger\s+-8,31828\s+113,46656$/m);
    expect(id!.stdout).not.toMatch(/\d\.\d{5}/);
    expect(en!.stdout).toMatch(/^35\.09\.08\.2006\s+Kasiyan\s+desa\s+Puger\s+-8\.31828\s+113\.46656$/m);
    const [jid, jen] = await both(['villages', 'kasiyan', '--json']);
    expect(jid!.stdout).toBe(jen!.stdout);
    expect(JSON.parse(jid!.stdout)[0].coordinates.lat).toBeCloseTo(-8.31828, 5);
  });
});

describe('config keys described in the run language', () => {
  it('config list: each key with its description under it, Indonesian or English; --json identical, English descriptions', async () => {
    const home = tempHome();
    const [id, en] = await both(['config', 'list'], { home });
    expect(id!.exitCode).toBe(0);
    expect(id!.stdout).toMatch(/^forks {12}\(belum diisi\)\n {17}jumlah perangkat yang dikerjakan sekaligus \(bawaan 50\)$/m);
    expect(id!.stdout).toMatch(/^ {17}URL dasar API pusat untuk pelaporan$/m);
    expect(id!.stdout).toMatch(/^ {17}ekspresi cron untuk sweep kesehatan$/m);
    expect(id!.stdout).not.toMatch(/devices worked on|central reporting API|cron expression/);
    expect(en!.stdout).toMatch(/^forks {12}\(not set\)\n {17}devices worked on at once \(default 50\)$/m);
    const [jid, jen] = await both(['config', 'list', '--json'], { home });
    expect(jid!.stdout).toBe(jen!.stdout);
    const forks = (JSON.parse(jid!.stdout) as { keys: Array<{ key: string; description: string }> }).keys.find((k) => k.key === 'forks');
    expect(forks?.description).toBe('devices worked on at once (default 50)');
  });

  it('a value that is not a number, and an unknown key-exchange algorithm: Indonesian, exit 2', async () => {
    const home = tempHome();
    const [id, en] = await both(['config', 'set', 'forks', 'abc'], { home });
    expect(id!.exitCode).toBe(2);
    expect(id!.stderr.split('\n')[0]).toBe('jfleet: kesalahan: forks: harus bilangan bulat');
    expect(en!.stderr.split('\n')[0]).toBe('jfleet: error: forks: must be a whole number');
    const [kid, ken] = await both(['config', 'set', 'sshKex', 'curve25519-sha256,foo'], { home });
    expect(kid!.exitCode).toBe(2);
    expect(kid!.stderr).toMatch(/^jfleet: kesalahan: sshKex: algoritme pertukaran kunci "foo" tidak dikenal \(yang dikenal: curve25519-sha256, /);
    expect(ken!.stderr).toMatch(/^jfleet: error: sshKex: unknown key-exchange algorithm "foo" \(known: curve25519-sha256, /);
    const sha1 = await jfleet(['config', 'set', 'sshKex', 'diffie-hellman-group14-sha1'], { home, env: ID });
    expect(sha1.stderr).toMatch(/^jfleet: kesalahan: sshKex: algoritme pertukaran kunci "diffie-hellman-group14-sha1" memakai SHA-1, yang ditolak jfleet \(/);
  });
});

describe("commander's extras in --help", () => {
  it('(default: …) and (choices: …) in Indonesian, as commander prints them under LANG=C', async () => {
    const [id, en] = await both(['history', '--help']);
    expect(id!.stdout).toMatch(/^ {2}--days <n>\s+rentang waktu ke belakang \(bawaan: 30\)$/m);
    expect(en!.stdout).toMatch(/^ {2}--days <n>\s+period to look back over \(default: 30\)$/m);
    const [sid, sen] = await both(['schedule', 'install', '--help']);
    expect(sid!.stdout).toContain('(pilihan: "systemd", "cron", "daemon")');
    expect(sid!.stdout).toMatch(/--user <name> +pengguna yang menjalankan sweep \(bawaan: "root"\)$/m);
    expect(sid!.stdout).not.toMatch(/\((default|choices): /);
    expect(sen!.stdout).toContain('(choices: "systemd", "cron", "daemon")');
    // a default said once: the description no longer repeats what commander adds
    const [bid] = await both(['bastion', 'init', '--help']);
    expect(bid!.stdout.match(/bawaan/g)?.length).toBeGreaterThan(0);
    expect(bid!.stdout).not.toContain('bawaan /;');
  });

  it('a choice commander refuses names the choices in Indonesian', async () => {
    const [id, en] = await both(['schedule', 'install', '--kind', 'bogus']);
    expect(id!.exitCode).toBe(2);
    expect(id!.stderr.split('\n')[0]).toBe("jfleet: kesalahan: nilai 'bogus' untuk opsi '--kind <kind>' tidak sah. Pilihan yang boleh: systemd, cron, daemon.");
    expect(en!.stderr.split('\n')[0]).toBe("jfleet: error: option '--kind <kind>' argument 'bogus' is invalid. Allowed choices are systemd, cron, daemon.");
  });
});

describe('selector errors', () => {
  it('--limit that names nothing, or is malformed: said whole in Indonesian with its column; English under LANG=C', async () => {
    const { home, env } = await deadDeviceHome('jfleet-gaps-');
    const say = async (limit: string) => {
      const [id, en] = await both(['exec', '--limit', limit, '--', 'true'], { home, env });
      expect(id!.exitCode).toBe(2);
      return [id!.stderr.split('\n')[0], en!.stderr.split('\n')[0]];
    };
    expect(await say('Nowhere')).toEqual([
      'jfleet: kesalahan: --limit: "Nowhere" tidak cocok dengan kecamatan, desa, atau id paket mana pun di kolom 1 dalam "Nowhere"',
      'jfleet: error: --limit: "Nowhere" matches no district, village or package id at column 1 in "Nowhere"',
    ]);
    expect((await say('Rambipuji & village:zzzzzz'))[0]).toBe(
      'jfleet: kesalahan: --limit: desa "zzzzzz" tidak dikenal di kolom 13 dalam "Rambipuji & village:zzzzzz"',
    );
    expect((await say('tag:'))[0]).toBe('jfleet: kesalahan: --limit: tag: perlu nama tag di kolom 1 dalam "tag:"');
    expect((await say('a,'))[0]).toBe(
      'jfleet: kesalahan: --limit: seharusnya ada unsur (kecamatan, desa, id, tag:NAMA, @failed), tetapi selector sudah berakhir di kolom 3 dalam "a,"',
    );
    expect((await say('(a'))[0]).toBe('jfleet: kesalahan: --limit: "(" tanpa penutup di kolom 1 dalam "(a"');
    expect((await say('35.09.99'))[0]).toBe(
      'jfleet: kesalahan: --limit: kode kecamatan 35.09.99 tidak dikenal (lihat: jfleet villages) di kolom 1 dalam "35.09.99"',
    );
  });
});

describe('schedule install and central serve', () => {
  it('schedule install: the files written and the next step in Indonesian; --json the same in both', async () => {
    const home = tempHome();
    const dir = mkdtempSync(join(tmpdir(), 'jfleet-gaps-units-'));
    const [id, en] = await both(['schedule', 'install', '--dir', dir], { home });
    expect(id!.exitCode, id!.stderr).toBe(0);
    expect(id!.stdout).toBe(
      `ditulis: ${dir}/jfleet-sweep.service\nditulis: ${dir}/jfleet-sweep.timer\nberikutnya: systemctl daemon-reload && systemctl enable --now jfleet-sweep.timer\n`,
    );
    expect(en!.stdout).toMatch(/^wrote .*jfleet-sweep\.service\nwrote .*\nnext: systemctl daemon-reload/);
    const [jid, jen] = await both(['schedule', 'install', '--dir', dir, '--json'], { home });
    expect(jid!.stdout).toBe(jen!.stdout);
  });

  it('central serve without a token: the sentence whole, not cut by the bearer-token redaction', async () => {
    const [id, en] = await both(['central', 'serve', '--port', '0']);
    expect(id!.exitCode).toBe(2);
    expect(id!.stderr.split('\n')[0]).toBe('jfleet: kesalahan: server pusat memerlukan token yang wajib dikirim para runner');
    expect(en!.stderr.split('\n')[0]).toBe('jfleet: error: the central server needs a token that runners must send');
    expect(id!.stderr + en!.stderr).not.toContain('[redacted]');
  });
});
