/**
 * English from lower layers, through the built binary, under LANG=id_ID.UTF-8 beside LANG=C
 * (issue 12): a rollout's stored gate reasons in `rollout status`, a release bundle's refused
 * entry, health.yaml's refused probe targets and unknown keys, exec's refusal of a risky
 * placeholder value. English is what the lower layer wrote; --json and exit codes are the same
 * in both languages.
 */
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RolloutStore } from '../../src/rollout/store.js';
import { STATE_MIGRATIONS } from '../../src/state-db.js';
import { openDb } from '../../src/store/db.js';
import { jfleet, tempHome } from '../helpers/cli.js';

const ID = { LANG: 'id_ID.UTF-8' };
const C = { LANG: 'C' };
const both = (args: string[], opts: { home?: string; env?: Record<string, string> } = {}) =>
  Promise.all([ID, C].map((l) => jfleet(args, { ...opts, env: { ...opts.env, ...l } })));
/** The same, one after the other (a sweep holds its home's lock). */
const inTurn = async (args: string[], opts: { home?: string; env?: Record<string, string> } = {}) => [
  await jfleet(args, { ...opts, env: { ...opts.env, ...ID } }),
  await jfleet(args, { ...opts, env: { ...opts.env, ...C } }),
];

/** A home with one package on a port nothing listens on, its inventory and health.yaml as given. */
function homeWith(files: Record<string, string>, vars = ''): { home: string; env: Record<string, string> } {
  const home = tempHome('jfleet-lower-');
  const inv = join(home, 'inventory');
  mkdirSync(inv, { recursive: true });
  writeFileSync(
    join(inv, 'packages.yaml'),
    `packages:\n  - { id: rambipuji-1, village: 35.09.13.2006, address: 127.0.0.1, port: 1, registeredAt: 2026-01-01T00:00:00Z${vars} }\n`,
  );
  for (const [name, text] of Object.entries(files)) writeFileSync(join(inv, name), text);
  return { home, env: { JFLEET_INVENTORY: inv } };
}

describe('rollout status: the health gate and the abort in Indonesian', () => {
  it("a rolled-back device's gate problems, the abort's reason and the skipped devices; --json identical", async () => {
    const home = tempHome();
    const db = openDb(join(home, 'state', 'jfleet.db'), STATE_MIGRATIONS);
    const store = new RolloutStore(db, () => new Date('2026-11-28T10:00:00Z'));
    const id = store.create({ release: '1.5.0', inventory: '/inv', waves: '1,100%', maxFail: '0', options: {}, plan: [['k-a'], ['k-b']] });
    store.setDevice(id, 'k-a', 'updating');
    store.setDevice(id, 'k-a', 'rolled_back', {
      previous: '1.4.0',
      error: 'health gate failed on 1.5.0: kiosk not running (no pid file); release check failed (exit 3)',
    });
    const reason = '1 failure(s) among 1 device(s) reached passed --max-fail 0 after wave 1';
    store.skipOpen(id, reason);
    store.setRollout(id, { state: 'aborted', reason, finished: true });
    db.close();

    const [hid, hen] = await both(['rollout', 'status'], { home });
    expect(hid!.exitCode, hid!.stderr).toBe(0);
    expect(hid!.stdout).toContain(
      'rollout 1: rilis 1.5.0, dihentikan (1 kegagalan di antara 1 perangkat yang terjangkau melewati --max-fail 0 setelah gelombang 1)',
    );
    expect(hid!.stdout).toMatch(
      /^ {2}dikembalikan k-a: gerbang kesehatan gagal di 1\.5\.0: kios tidak berjalan \(tidak ada berkas pid\); pemeriksaan rilis gagal \(kode keluar 3\)$/m,
    );
    expect(hid!.stdout).toMatch(/^ {2}dilewati {4}k-b: 1 kegagalan di antara 1 perangkat yang terjangkau melewati --max-fail 0 setelah gelombang 1$/m);
    expect(hid!.stdout).not.toMatch(/health gate|kiosk not running|failure\(s\)/);
    expect(hen!.stdout).toContain(`rollout 1: release 1.5.0, aborted (${reason})`);
    expect(hen!.stdout).toContain('  rolled_back k-a: health gate failed on 1.5.0: kiosk not running (no pid file); release check failed (exit 3)');
    expect(hen!.stdout).toContain(`  skipped     k-b: ${reason}`);
    const [jid, jen] = await both(['rollout', 'status', '--json'], { home });
    expect(jid!.stdout).toBe(jen!.stdout);
    expect(jid!.stdout).toContain('kiosk not running (no pid file)');
  });
});

describe('release add: a refused bundle entry in Indonesian', () => {
  it('a symbolic link and a name with a backslash: one line each, exit 2, nothing stored', async () => {
    const work = mkdtempSync(join(tmpdir(), 'jfleet-bundle-'));
    const linked = join(work, 'linked');
    mkdirSync(join(linked, 'www'), { recursive: true });
    writeFileSync(join(linked, 'www/index.html'), '<h1>x</h1>\n');
    symlinkSync('/etc/passwd', join(linked, 'www/passwd'));
    const home = tempHome();
    const [lid, len] = await both(['release', 'add', linked, '--version', '1.0.0'], { home });
    expect(lid!.exitCode).toBe(2);
    expect(len!.exitCode).toBe(2);
    expect(lid!.stderr.split('\n')[0]).toBe(
      `jfleet: kesalahan: bundel rilis ${linked}: entri "www/passwd" adalah tautan simbolik; bundel hanya berisi berkas biasa`,
    );
    expect(len!.stderr.split('\n')[0]).toBe(`jfleet: error: release bundle ${linked}: entry "www/passwd" is a symbolic link; bundles hold regular files only`);

    const slashed = join(work, 'slashed');
    mkdirSync(join(slashed, 'www'), { recursive: true });
    writeFileSync(join(slashed, 'www/index.html'), '<h1>x</h1>\n');
    writeFileSync(join(slashed, 'www/a\\b'), 'x');
    const [sid, sen] = await both(['release', 'add', slashed, '--version', '1.0.0'], { home });
    expect(sid!.exitCode).toBe(2);
    expect(sid!.stderr.split('\n')[0]).toBe(`jfleet: kesalahan: bundel rilis ${slashed}: entri "www/a\\\\b" namanya memuat garis miring terbalik`);
    expect(sen!.stderr.split('\n')[0]).toBe(`jfleet: error: release bundle ${slashed}: entry "www/a\\\\b" has a backslash in its name`);
    expect(existsSync(join(home, 'releases', '1.0.0'))).toBe(false);
  });
});

describe("health.yaml's refusals in Indonesian", () => {
  it('probe targets and an unknown key: located lines, exit 2, no English left', async () => {
    const { home, env } = homeWith({
      'health.yaml': 'retention_days: 30\nretentoin_days: 3\nprobe:\n  dns_name: "-s"\n  portal_url: "ftp://x"\n  gateway: "a b"\n',
    });
    const [id, en] = await inTurn(['sweep'], { home, env });
    expect(id!.exitCode).toBe(2);
    expect(en!.exitCode).toBe(2);
    const lines = (s: string) => s.split('\n').filter((l) => /health\.yaml/.test(l) && !/docs\/health\.md/.test(l));
    expect(lines(id!.stderr).map((l) => l.replace(/^.*health\.yaml(:\d+)? /, ''))).toEqual([
      'retentoin_days: pengaturan tidak dikenal: kunci "retentoin_days" tidak dikenal (maksud Anda "retention_days"?)',
      'probe.dns_name: tidak boleh diawali "-" (tertulis "-s"): nilai itu akan sampai ke perintah di perangkat sebagai opsi',
      'probe.portal_url: harus URL http(s), misalnya https://portal.example.id/ (tertulis "ftp://x")',
      'probe.gateway: tidak boleh memuat spasi atau karakter kontrol (tertulis "a b")',
    ]);
    expect(lines(en!.stderr).map((l) => l.replace(/^.*health\.yaml(:\d+)? /, ''))).toEqual([
      'retentoin_days: unknown setting: unknown key "retentoin_days" (did you mean "retention_days"?)',
      'probe.dns_name: must not start with "-" (got "-s"): it would reach the device\'s command as an option',
      'probe.portal_url: must be an http(s) URL, e.g. https://portal.example.id/ (got "ftp://x")',
      'probe.gateway: must not contain spaces or control characters (got "a b")',
    ]);
  });
});

describe("health.yaml's unknown threshold, as the file spells the known ones", () => {
  it("snake_case names in both languages (never the code's camelCase), located, exit 2", async () => {
    const { home, env } = homeWith({ 'health.yaml': 'thresholds:\n  disk_warn_pct: 20\n  disk_warning: 3\n' });
    const [id, en] = await inTurn(['sweep'], { home, env });
    expect(id!.exitCode).toBe(2);
    expect(en!.exitCode).toBe(2);
    const line = (s: string) => s.split('\n').find((l) => /thresholds\.disk_warning/.test(l)) ?? '';
    expect(line(id!.stderr)).toMatch(
      /health\.yaml:3 thresholds\.disk_warning: ambang batas tidak dikenal \(yang dikenal: disk_warn_pct, disk_crit_pct, mem_warn_pct, mem_crit_pct, load_warn, load_crit, temp_warn_c, .*, max_attempts, flap_high_pct, flap_low_pct\)$/,
    );
    expect(line(en!.stderr)).toMatch(/health\.yaml:3 thresholds\.disk_warning: unknown threshold \(known: disk_warn_pct, disk_crit_pct, .*, flap_low_pct\)$/);
    for (const r of [id!, en!]) expect(line(r.stderr).replace(/^.*\(/, '')).not.toMatch(/[a-z][A-Z]/);
  });
});

describe("exec's refusal of a risky placeholder value in Indonesian", () => {
  it('a value bash could run as code: one located line, exit 2, nothing run', async () => {
    const { home, env } = homeWith({}, ', vars: { n: "a$(id)" }');
    const [id, en] = await both(['exec', '--', 'echo {var.n}'], { home, env });
    expect(id!.exitCode).toBe(2);
    expect(en!.exitCode).toBe(2);
    expect(id!.stderr.split('\n')[0]).toBe(
      'jfleet: kesalahan: rambipuji-1 vars.n: ditolak untuk {var.n}: nilainya memuat "$"; bash dapat menjalankan nilai seperti itu sebagai kode (aritmetika, subskrip array): nilai placeholder tidak boleh memuat $ ` [ ] <( >(',
    );
    expect(en!.stderr.split('\n')[0]).toBe(
      'jfleet: error: rambipuji-1 vars.n: refused for {var.n}: the value holds "$"; bash can run such a value as code (arithmetic, array subscripts): a placeholder value must not hold $ ` [ ] <( >(',
    );
    expect(id!.stdout).toBe('');
  });
});
