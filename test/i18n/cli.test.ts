/**
 * jfleet in Bahasa Indonesia and in English, through the built binary: the same commands under
 * LANG=id_ID.UTF-8 and LANG=C. Human text follows the language; machine output (--json, exit
 * codes, perfdata, JSON lines) is byte for byte the same in both. Language precedence: JFLEET_LANG,
 * then config `lang`, then LC_ALL / LC_MESSAGES / LANG.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { deadDeviceHome, jfleet, tempHome } from '../helpers/cli.js';
import { central, TOKEN } from '../report/helpers.js';

const ID = { LANG: 'id_ID.UTF-8' };
const C = { LANG: 'C' };
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

const homeWithDeadDevice = () => deadDeviceHome('jfleet-i18n-');

describe('--help and --version', () => {
  it('--help in Indonesian: headings, descriptions, the exit-code table; English under LANG=C', async () => {
    const id = await jfleet(['--help'], { env: ID });
    expect(id.exitCode).toBe(0);
    expect(id.stdout).toMatch(/^Cara pakai: jfleet \[opsi\] \[perintah\]/);
    expect(id.stdout).toContain('Mendaftarkan, menyiapkan, memeriksa, melaporkan, dan memperbarui armada kios');
    expect(id.stdout).toMatch(/^Opsi:$/m);
    expect(id.stdout).toMatch(/^Perintah:$/m);
    expect(id.stdout).toMatch(/^Kode keluar:$/m);
    expect(id.stdout).toContain('7    sweep: status peringatan terburuk adalah tak terjangkau');
    expect(id.stdout).not.toMatch(/^(Usage|Options|Commands|Exit codes):/m);
    const en = await jfleet(['--help'], { env: C });
    expect(en.stdout).toMatch(/^Usage: jfleet \[options\] \[command\]/);
    expect(en.stdout).toMatch(/^Exit codes:$/m);
    expect(en.stdout).toContain('register kiosk packages in the inventory (wizard,');
  });

  it("a command's --help: options and examples in Indonesian", async () => {
    const r = await jfleet(['sweep', '--help'], { env: ID });
    expect(r.stdout).toMatch(/^Cara pakai: jfleet sweep \[opsi\]/);
    expect(r.stdout).toContain('--wait                  jika sweep lain sedang berjalan');
    expect(r.stdout).toMatch(/^Contoh:$/m);
  });

  it('--version is the same bare number in both', async () => {
    const [id, en] = await Promise.all([jfleet(['--version'], { env: ID }), jfleet(['--version'], { env: C })]);
    expect(id.stdout).toBe(en.stdout);
    expect(id.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('a usage error from commander reads in Indonesian, exit 2', async () => {
    const r = await jfleet(['sweep', '--bogus'], { env: ID });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^jfleet: kesalahan: opsi '--bogus' tidak dikenal$/m);
    const en = await jfleet(['sweep', '--bogus'], { env: C });
    expect(en.stderr).toMatch(/^jfleet: error: unknown option '--bogus'$/m);
  });
});

describe('register errors: one line, file, line and field named', () => {
  it('a CSV row with an unknown village: the file, its line and the column, in Indonesian; the same in English under LANG=C', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jfleet-i18n-csv-'));
    const csv = join(dir, 'paket.csv');
    writeFileSync(csv, 'id,village,address\nx-1,35.09.99.9999,10.0.0.1\n');
    const id = await jfleet(['register', '--from', csv], { env: ID });
    expect(id.exitCode).toBe(2);
    const [first, ...rest] = id.stderr.trimEnd().split('\n');
    expect(first).toBe(`jfleet: kesalahan: ${csv}:2 village: kode desa 35.09.99.9999 tidak dikenal (cari kodenya dengan: jfleet villages NAMA)`);
    expect(rest.every((l) => l.startsWith('jfleet: saran: '))).toBe(true);
    const en = await jfleet(['register', '--from', csv], { env: C });
    expect(en.stderr.split('\n')[0]).toBe(`jfleet: error: ${csv}:2 village: unknown village code 35.09.99.9999 (find codes with: jfleet villages NAME)`);
  });

  it('a bad flag value names the flag, in Indonesian; nothing is written', async () => {
    const home = tempHome();
    const r = await jfleet(['register', '--village', '35.09.13.2006', '--address', '10.0.0.9', '--mac', 'nope'], { home, env: ID });
    expect(r.exitCode).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('jfleet: kesalahan: --mac: harus alamat MAC seperti 00:11:22:33:44:55');
    expect(r.stdout).toBe('');
  });

  it('without a terminal the missing flags are named, in Indonesian', async () => {
    const r = await jfleet(['register', '--village', '35.09.13.2006'], { env: ID });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe(
      'jfleet: kesalahan: --address belum diisi: register memerlukannya, dan tidak ada terminal untuk bertanya (CI aktif)\njfleet: saran: berikan --address di baris perintah\n',
    );
  });

  it('registering: the confirmation line in Indonesian, the --json document identical in both', async () => {
    const a = tempHome();
    const r = await jfleet(['register', '--village', 'kasiyan', '--address', '10.0.0.1'], { home: a, env: ID });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('kasiyan-1 terdaftar: Kasiyan, Puger (35.09.08.2006) di 10.0.0.1:22\n');
    const [jid, jen] = await Promise.all(
      [ID, C].map((env) => jfleet(['register', '--village', 'kasiyan', '--address', '10.0.0.2', '--dry-run', '--json'], { home: a, env })),
    );
    const strip = (s: string) => s.replace(/"registeredAt": "[^"]+"/g, '');
    expect(strip(jid!.stdout)).toBe(strip(jen!.stdout));
  });
});

describe('sweep, status, check', () => {
  it('sweep: the summary in Indonesian (states, counts); --json the same in both languages', async () => {
    const { home, env } = await homeWithDeadDevice();
    const id = await jfleet(['sweep'], { home, env: { ...env, ...ID } });
    expect(id.exitCode).toBe(0); // a first unreachable is soft
    expect(id.stdout).toMatch(/^sweep 1 perangkat dalam \d+(?:,\d)? dtk: ok 0 · waspada 0 · kritis 0 · tak diketahui 0 · tak terjangkau 1$/m);
    expect(id.stdout).toMatch(
      /rambipuji-1\s+tak terjangkau\s+sementara\s+sejak \d+ dtk\s+tak terjangkau: rambipuji-1 tak terjangkau: sambungan ditolak \(sshd tidak berjalan atau perangkat mati\)$/m,
    );
    expect(id.stdout).toMatch(/status peringatan terburuk: ok$/m);
    const en = await jfleet(['sweep'], { home, env: { ...env, ...C } });
    expect(en.stdout).toMatch(/^sweep of 1 device\(s\) in \d+(?:\.\d)? s: ok 0 · warn 0 · critical 0 · unknown 0 · unreachable 1$/m);
    const [jid, jen] = await Promise.all([ID, C].map((l) => jfleet(['status', '--json'], { home, env: { ...env, ...l } })));
    expect(jid!.stdout).toBe(jen!.stdout);
    expect(JSON.parse(jid!.stdout)[0]).toMatchObject({ id: 'rambipuji-1', state: 'unreachable' });
  });

  it('status: per district in Indonesian, times in WIB', async () => {
    const { home, env } = await homeWithDeadDevice();
    for (let i = 0; i < 3; i++) await jfleet(['sweep'], { home, env });
    const id = await jfleet(['status'], { home, env: { ...env, ...ID } });
    expect(id.exitCode).toBe(0);
    expect(id.stdout).toMatch(/^1 perangkat: ok 0 · waspada 0 · kritis 0 · tak diketahui 0 · tak terjangkau 1$/m);
    expect(id.stdout).toMatch(/^KECAMATAN\s+ok\s+waspada\s+kritis\s+tak diketahui\s+tak terjangkau$/m);
    expect(id.stdout).toMatch(/^Rambipuji\s/m);
    expect(id.stdout).toMatch(/rambipuji-1\s+tak terjangkau\s+PASTI/);
    const hist = await jfleet(['history', 'rambipuji-1'], { home, env: { ...env, ...ID } });
    expect(hist.stdout).toMatch(/^rambipuji-1: tak terjangkau \(PASTI\) sejak \d+ \w+ \d{4} \d\d\.\d\d WIB/m);
    expect(hist.stdout).toMatch(/^ketersediaan: 0,0% dari 3 sweep sejak /m);
    const en = await jfleet(['status'], { home, env: { ...env, ...C } });
    expect(en.stdout).toMatch(/^DISTRICT\s+ok\s+warn\s+critical\s+unknown\s+unreach$/m);
  });

  it('check: the Nagios keyword and perfdata are the contract, the words after the keyword are Indonesian', async () => {
    const { home, env } = await homeWithDeadDevice();
    const id = await jfleet(['check', 'rambipuji-1'], { home, env: { ...env, ...ID } });
    const en = await jfleet(['check', 'rambipuji-1'], { home, env: { ...env, ...C } });
    expect(id.exitCode).toBe(2);
    expect(en.exitCode).toBe(2);
    expect(id.stdout).toMatch(/^JFLEET CRITICAL - rambipuji-1: tak terjangkau \(.+\)( \| .*)?\n$/);
    expect(en.stdout).toMatch(/^JFLEET CRITICAL - rambipuji-1: unreachable \(.+\)( \| .*)?\n$/);
    const perf = (s: string) => s.split(' | ')[1]?.replace(/=[\d.]+/g, '=N') ?? '';
    expect(perf(id.stdout)).toBe(perf(en.stdout));
    const unknown = await jfleet(['check', 'no-such'], { home, env: { ...env, ...ID } });
    expect(unknown.exitCode).toBe(3);
    expect(unknown.stdout).toBe('JFLEET UNKNOWN - tidak ada paket "no-such" di inventaris\n');
  });
});

describe('rollout and report', () => {
  it('rollout: progress and recap lines and the JUnit texts in Indonesian; JSON lines the same keys and values', async () => {
    const { home, env } = await homeWithDeadDevice();
    const bundle = mkdtempSync(join(tmpdir(), 'jfleet-i18n-bundle-'));
    mkdirSync(join(bundle, 'www'));
    writeFileSync(join(bundle, 'www', 'index.html'), '<h1>kios</h1>\n');
    const add = await jfleet(['release', 'add', bundle, '--version', '1.0.0'], { home, env: { ...env, ...ID } });
    expect(add.exitCode, add.stderr).toBe(0);
    expect(add.stdout).toMatch(/^rilis 1\.0\.0 ditambahkan: 1 berkas, /);
    const junit = join(mkdtempSync(join(tmpdir(), 'jfleet-i18n-junit-')), 'rollout.xml');
    const r = await jfleet(['rollout', '--release', '1.0.0', '--waves', '100%', '--junit', junit], { home, env: { ...env, ...ID } });
    expect(r.exitCode, r.stderr).toBe(5); // the device is unreachable: pending, not failed
    expect(r.stdout).toMatch(/^rollout 1: rilis 1\.0\.0 ke 1 perangkat dalam 1 gelombang \[1\], batas gagal 5%$/m);
    expect(r.stdout).toMatch(/^ {2}… rambipuji-1 tertunda: /m);
    expect(r.stdout).toMatch(/^rollout 1 selesai dengan perangkat tertunda: 0 diperbarui, .* \(kode keluar 5\)$/m);
    // the device's own error inside it is said in Indonesian too (it was English inside the Indonesian sentence)
    expect(readFileSync(junit, 'utf8')).toMatch(
      /<skipped message="tertunda: tak terjangkau \(tak terjangkau: rambipuji-1 tak terjangkau: sambungan ditolak \(sshd tidak berjalan atau perangkat mati\)\); rollout berikutnya akan memperbaruinya"\/>/,
    );
    const status = await jfleet(['rollout', 'status'], { home, env: { ...env, ...ID } });
    expect(status.stdout).toMatch(/^rollout 1: rilis 1\.0\.0, selesai dengan perangkat tertunda$/m);
    expect(status.stdout).toMatch(/^ {2}mulai \d+ \w+ \d{4} \d\d\.\d\d WIB, selesai /m);
    const [jid, jen] = await Promise.all([ID, C].map((l) => jfleet(['rollout', 'status', '--json'], { home, env: { ...env, ...l } })));
    expect(jid!.stdout).toBe(jen!.stdout);
  });

  it('report: queued and delivered in Indonesian; without a central API the error and hint are Indonesian, exit 2', async () => {
    const srv = await central();
    cleanup.push(() => srv.close());
    const { home, env } = await homeWithDeadDevice();
    await jfleet(['sweep'], { home, env });
    const r = await jfleet(['report'], { home, env: { ...env, ...ID, JFLEET_API_URL: srv.url, JFLEET_API_TOKEN: TOKEN } });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^laporan [0-9a-f-]{36} masuk antrean \(1 paket, 1 perubahan status\)$/m);
    expect(r.stdout).toMatch(/^1 laporan terkirim ke /m);
    const none = await jfleet(['report'], { home, env: { ...env, ...ID } });
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toMatch(/^jfleet: kesalahan: /);
    expect(none.stderr).toMatch(/^jfleet: saran: jfleet config set api.url https:\/\/central.example\/fleet \(atau isi JFLEET_API_URL\)/m);
    const list = await jfleet(['outbox', 'list'], { home, env: { ...env, ...ID } });
    expect(list.stdout).toBe('tidak ada yang antre atau gagal permanen\n');
  });
});

describe('choosing the language', () => {
  it('config set lang id speaks Indonesian under LANG=C; JFLEET_LANG=en overrides it; an unknown language is a located error', async () => {
    const home = tempHome();
    const set = await jfleet(['config', 'set', 'lang', 'id'], { home, env: C });
    expect(set.exitCode, set.stderr).toBe(0);
    expect((await jfleet(['villages', 'nope-nothing'], { home, env: C })).stdout).toBe('tidak ada desa yang cocok dengan "nope-nothing"\n');
    expect((await jfleet(['villages', 'nope-nothing'], { home, env: { ...C, JFLEET_LANG: 'en' } })).stdout).toBe('no village matches "nope-nothing"\n');
    const got = await jfleet(['config', 'get', 'lang'], { home, env: C });
    expect(got.stdout).toBe('id\n');
    const bad = await jfleet(['config', 'set', 'lang', 'jv'], { home, env: C });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr.split('\n')[0]).toMatch(/lang: harus en atau id$/);
  });

  it('LC_ALL wins over LANG, LC_MESSAGES over LANG; JFLEET_LANG over all; a bad JFLEET_LANG is a located error', async () => {
    const say = async (env: Record<string, string>) => (await jfleet(['villages', 'zz-none'], { env })).stdout;
    expect(await say({ LANG: 'C', LC_ALL: 'id_ID.UTF-8' })).toMatch(/^tidak ada desa/);
    expect(await say({ LANG: 'id_ID.UTF-8', LC_ALL: 'C' })).toMatch(/^no village/);
    expect(await say({ LANG: 'C', LC_MESSAGES: 'id_ID.UTF-8' })).toMatch(/^tidak ada desa/);
    expect(await say({ LC_ALL: 'C', JFLEET_LANG: 'id' })).toMatch(/^tidak ada desa/);
    const bad = await jfleet(['config', 'list'], { env: { ...ID, JFLEET_LANG: 'klingon' } });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr.split('\n')[0]).toBe('jfleet: kesalahan: variabel lingkungan JFLEET_LANG: harus en atau id');
    // also a command that never reads the config: refused, not silently English
    for (const args of [['status'], ['villages', 'zz-none']]) {
      const r = await jfleet(args, { env: { ...C, JFLEET_LANG: 'klingon' } });
      expect(r.exitCode, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.split('\n')[0]).toBe('jfleet: error: environment JFLEET_LANG: must be en or id');
    }
  });
});
