/**
 * English sentences raised below the CLI that reached a technician in English under Indonesian
 * (issue 12): a rollout's health-gate reasons, a release bundle's refused entries, provisioning's
 * bootstrap and fact lines, health.yaml's probe targets, exec's refusal of a risky placeholder
 * value. Each sentence comes from the code that raises it (the gate polls a stand-in device, the
 * bundle check and the placeholder expansion run for real); the CLI says it with t.phrase(), and
 * English stays byte for byte what the lower layer wrote.
 */
import { describe, expect, it } from 'vitest';
import { humanLine } from '../../src/cli/handlers/rollout.js';
import type { Package } from '../../src/inventory/schema.js';
import { parseGatherOutput } from '../../src/provision/gather.js';
import { renderDevice, type Paint } from '../../src/provision/render.js';
import type { DeviceRecap } from '../../src/provision/types.js';
import { probeTargetProblem } from '../../src/health/settings.js';
import { gate } from '../../src/rollout/device.js';
import type { DeviceEvent } from '../../src/rollout/events.js';
import { bundlePathProblem } from '../../src/rollout/manifest.js';
import { expandCommand } from '../../src/transport/recap.js';
import type { Transport } from '../../src/transport/types.js';
import { unknownKeyMessage } from '../../src/yaml-guard.js';
import { englishT, messagesFor } from '../helpers/messages.js';
import { testPackage } from '../helpers/package.js';

const tid = messagesFor('id');
const pkg: Package = testPackage({ registeredAt: '2026-11-01T00:00:00.000Z' });

/** A device whose gate script answers with these key=value lines. */
function answering(kv: Record<string, string>): Transport {
  const stdout = `${Object.entries(kv)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}\n`;
  return {
    name: 'desa-1',
    connect: async () => undefined,
    exec: async () => ({ stdout, stderr: '', exitCode: 0, signal: null }),
    put: async () => undefined,
    get: async () => Buffer.alloc(0),
    close: async () => undefined,
  };
}

/** The gate's problems for one poll of such a device (no settle window, no waiting). */
async function problemsOf(kv: Record<string, string>): Promise<string[]> {
  const g = await gate(answering(kv), { root: '' }, '1.5.0', { timeoutMs: 0, settleMs: 0, pkg });
  if (g.ok) throw new Error('the gate passed');
  return g.problems;
}

const healthy = {
  current: 'releases/1.5.0',
  manifest: '1.5.0',
  pids: ' 412',
  dead: '',
  listen: '127.0.0.1:8080',
  http: '200',
  check: 'none',
};

const deviceEvent = (shown: DeviceEvent['shown'], reason: string): DeviceEvent => ({
  event: 'device',
  rollout: 3,
  wave: 1,
  device: 'desa-1',
  state: shown === 'rolled_back' ? 'rolled_back' : 'failed',
  previous: '1.4.0',
  error: reason,
  release: '1.5.0',
  shown,
  reason,
});

describe("a rollout's health-gate reasons", () => {
  it('each problem the gate finds, in Indonesian; English as the gate wrote it', async () => {
    const cases: Array<[Record<string, string>, string, string]> = [
      [{ pids: '' }, 'kiosk not running (no pid file)', 'kios tidak berjalan (tidak ada berkas pid)'],
      [{ check: '3', checkout: '' }, 'release check failed (exit 3)', 'pemeriksaan rilis gagal (kode keluar 3)'],
      [{ check: '1', checkout: 'database down' }, 'release check failed (exit 1): database down', 'pemeriksaan rilis gagal (kode keluar 1): database down'],
      [{ dead: ' kiosk.pid' }, 'kiosk process dead (kiosk.pid)', 'proses kios mati (kiosk.pid)'],
      [{ http: '000' }, 'page at 127.0.0.1:8080 answered nothing', 'halaman di 127.0.0.1:8080 tidak menjawab'],
      [{ http: '502' }, 'page at 127.0.0.1:8080 answered 502', 'halaman di 127.0.0.1:8080 menjawab 502'],
      [{ http: 'no-listen' }, 'no KIOSK_LISTEN in kiosk.env', 'tidak ada KIOSK_LISTEN di kiosk.env'],
      [{ manifest: '' }, 'manifest.json reports no version', 'manifest.json tidak menyebut versi'],
      [{ manifest: '1.4.0' }, 'manifest.json reports 1.4.0', 'manifest.json menyebut 1.4.0'],
      [{ current: 'releases/1.4.0' }, 'current points to releases/1.4.0, not releases/1.5.0', 'current menunjuk ke releases/1.4.0, bukan releases/1.5.0'],
      [{ current: '' }, 'current points to nothing, not releases/1.5.0', 'current tidak menunjuk ke mana pun, bukan releases/1.5.0'],
    ];
    for (const [kv, en, id] of cases) {
      const [problem] = await problemsOf({ ...healthy, ...kv });
      expect(problem).toBe(en);
      expect(englishT.phrase(problem!)).toBe(en);
      expect(tid.phrase(problem!)).toBe(id);
    }
  });

  it('a rolled-back device: its problems said one by one; the stored reason with its release; the rollback that failed too', async () => {
    const problems = await problemsOf({ ...healthy, pids: '', http: '000', check: '3', checkout: '' });
    const short = problems.join('; ');
    expect(short).toBe('kiosk not running (no pid file); page at 127.0.0.1:8080 answered nothing; release check failed (exit 3)');
    // what update.ts stores and emits (updateOne, rollback())
    const why = `health gate failed on 1.5.0: ${short}`;
    expect(humanLine(englishT, deviceEvent('rolled_back', short))).toBe(`  ↩ desa-1 rolled back to 1.4.0: ${short}`);
    expect(humanLine(tid, deviceEvent('rolled_back', short))).toBe(
      '  ↩ desa-1 dikembalikan ke 1.4.0: kios tidak berjalan (tidak ada berkas pid); halaman di 127.0.0.1:8080 tidak menjawab; pemeriksaan rilis gagal (kode keluar 3)',
    );
    expect(tid.phrase(why)).toBe(
      'gerbang kesehatan gagal di 1.5.0: kios tidak berjalan (tidak ada berkas pid); halaman di 127.0.0.1:8080 tidak menjawab; pemeriksaan rilis gagal (kode keluar 3)',
    );
    expect(tid.phrase(`${why}; rollback to 1.4.0 failed its gate too: kiosk not running (no pid file)`)).toBe(
      'gerbang kesehatan gagal di 1.5.0: kios tidak berjalan (tidak ada berkas pid); halaman di 127.0.0.1:8080 tidak menjawab; pemeriksaan rilis gagal (kode keluar 3); pengembalian ke 1.4.0 juga gagal di gerbangnya: kios tidak berjalan (tidak ada berkas pid)',
    );
    expect(humanLine(tid, deviceEvent('failed', `${short}; no previous release`))).toBe(
      '  ✗ desa-1 GAGAL: kios tidak berjalan (tidak ada berkas pid); halaman di 127.0.0.1:8080 tidak menjawab; pemeriksaan rilis gagal (kode keluar 3); tidak ada rilis sebelumnya',
    );
    expect(humanLine(tid, deviceEvent('failed', 'rollback to 1.4.0 unhealthy: kiosk process dead (kiosk.pid)'))).toBe(
      '  ✗ desa-1 GAGAL: pengembalian ke 1.4.0 tidak sehat: proses kios mati (kiosk.pid)',
    );
    expect(humanLine(englishT, deviceEvent('failed', `${short}; no previous release`))).toBe(`  ✗ desa-1 FAILED: ${short}; no previous release`);
  });

  it("a device step's script error, the abort's reason and the skipped devices' reason", () => {
    const cases: Array<[string, string]> = [
      ['install: checksum mismatch: ./www/index.html: FAILED', 'pemasangan: checksum tidak cocok: ./www/index.html: FAILED'],
      ['install: expected 3 files, found 4', 'pemasangan: seharusnya 3 berkas, ditemukan 4'],
      ['transfer: archive arrived damaged (sha256 ab12)', 'pengiriman: arsip tiba dalam keadaan rusak (sha256 ab12)'],
      ['switch: release 1.5.0 is not on the device', 'peralihan: rilis 1.5.0 tidak ada di perangkat'],
      ['after the switch: install: cannot unpack the archive', 'setelah peralihan: pemasangan: arsip tidak dapat dibongkar'],
      [
        '2 failure(s) among 4 device(s) reached passed --max-fail 1 after wave 2',
        '2 kegagalan di antara 4 perangkat yang terjangkau melewati --max-fail 1 setelah gelombang 2',
      ],
      ['rollout aborted by operator', 'rollout dihentikan oleh operator'],
      ['kiosk restarted again during the settle window', 'kios dimulai ulang lagi selama masa tunggu stabil'],
      ['kiosk not restarted yet (same pids as before the switch)', 'kios belum dimulai ulang (pid-nya sama seperti sebelum peralihan)'],
    ];
    for (const [en, id] of cases) {
      expect(englishT.phrase(en)).toBe(en);
      expect(tid.phrase(en)).toBe(id);
    }
  });

  it('a list of reasons with no template for the whole is said part by part; a part without one stays as written', () => {
    expect(tid.phrase('kiosk not running (no pid file); something only the device said')).toBe(
      'kios tidak berjalan (tidak ada berkas pid); something only the device said',
    );
    expect(tid.phrase('nothing here is known; nor here')).toBe('nothing here is known; nor here');
  });
});

describe("a release bundle's refused entries", () => {
  it('why an entry name is refused, in Indonesian inside the bundle sentence', () => {
    const said = (name: string) => tid.phrase(`release bundle ./kiosk: entry "${name}" ${bundlePathProblem(name)}`);
    expect(said('a//b')).toBe('bundel rilis ./kiosk: entri "a//b" memuat komponen path yang kosong ("//")');
    expect(said('www/../x')).toBe('bundel rilis ./kiosk: entri "www/../x" memuat komponen path ".."');
    expect(said('a\\b')).toBe('bundel rilis ./kiosk: entri "a\\b" namanya memuat garis miring terbalik');
    expect(said(`${'x'.repeat(300)}`)).toBe(`bundel rilis ./kiosk: entri "${'x'.repeat(300)}" namanya 300 byte (paling banyak 255)`);
    expect(englishT.phrase(`release bundle ./kiosk: entry "a//b" ${bundlePathProblem('a//b')}`)).toBe(
      'release bundle ./kiosk: entry "a//b" has an empty path component ("//")',
    );
  });

  it("an archive's entries: hard links, types, a .tar that is not one", () => {
    const cases: Array<[string, string]> = [
      [
        'release bundle k.tar: entry "www/a" is a hard link whose target "/etc/shadow" is an absolute path',
        'bundel rilis k.tar: entri "www/a" adalah hard link yang targetnya "/etc/shadow" adalah path absolut',
      ],
      [
        'release bundle k.tar: entry "www/a" is a hard link to "www/b", which is not a regular file earlier in the archive',
        'bundel rilis k.tar: entri "www/a" adalah hard link ke "www/b", yang bukan berkas biasa yang muncul lebih awal dalam arsip',
      ],
      [
        'release bundle k.tar: entry "dev/x" is not a regular file (tar type CharacterDevice)',
        'bundel rilis k.tar: entri "dev/x" bukan berkas biasa (jenis tar CharacterDevice)',
      ],
      ['release bundle k.tar: entry "www" appears twice in the archive', 'bundel rilis k.tar: entri "www" muncul dua kali dalam arsip'],
      [
        'release bundle k.tar: entry "www/a/b" lies under "www/a", which is a file',
        'bundel rilis k.tar: entri "www/a/b" berada di bawah "www/a", yang berupa berkas',
      ],
      [
        'release bundle k.tar is not a valid .tar archive: an entry ends early',
        'bundel rilis k.tar bukan arsip .tar yang sah: sebuah entri berakhir sebelum waktunya',
      ],
      ['release bundle k.tar is not a valid .tar archive: it holds no entries', 'bundel rilis k.tar bukan arsip .tar yang sah: tidak berisi entri apa pun'],
      ['release bundle ./kiosk: entry "www" cannot be read: EACCES', 'bundel rilis ./kiosk: entri "www" tidak dapat dibaca: EACCES'],
    ];
    for (const [en, id] of cases) {
      expect(englishT.phrase(en)).toBe(en);
      expect(tid.phrase(en)).toBe(id);
    }
  });
});

const plain: Paint = { green: (s) => s, yellow: (s) => s, red: (s) => s, cyan: (s) => s, dim: (s) => s, bold: (s) => s };
function deviceLines(recap: Partial<DeviceRecap>, t = tid): string[] {
  const d: DeviceRecap = { id: 'desa-1', ok: 0, changed: 0, failed: 0, skipped: 0, unreachable: false, durationMs: 1, steps: [], ...recap };
  return renderDevice(d, { check: false, diff: false, verbose: true }, plain, t);
}

describe("provisioning's bootstrap and fact lines (--verbose)", () => {
  it('the bootstrap step that installed the fleet key, with the host key it pinned', () => {
    const step = (reason: string) => ({ id: 'bootstrap', title: 'install the fleet key', status: 'changed' as const, reason, diffs: [], commands: [] });
    const pinned = 'logged in with the factory password, installed the fleet key, host key pinned (SHA256:abc)';
    expect(deviceLines({ steps: [step(pinned)] }, englishT)[1]).toBe(`  changed      bootstrap                ${pinned}`);
    expect(deviceLines({ steps: [step(pinned)] })[1]).toBe(
      '  diubah       bootstrap                masuk dengan kata sandi pabrik, kunci armada dipasang, kunci host disematkan (SHA256:abc)',
    );
    expect(deviceLines({ steps: [step('logged in with the factory password, installed the fleet key')] })[1]).toMatch(
      / masuk dengan kata sandi pabrik, kunci armada dipasang$/,
    );
  });

  it('a device whose facts could not be read, or whose key was refused, says why in Indonesian', () => {
    const reqs = [{ key: 'file:/etc/jfleet/kiosk.env', fact: 'file' as const, args: { path: '/etc/jfleet/kiosk.env' } }];
    let missing = '';
    try {
      parseGatherOutput('', reqs, 'abcdefgh12').get(reqs[0]!);
    } catch (e) {
      missing = `reading facts: ${(e as Error).message}`;
    }
    expect(missing).toBe("reading facts: fact file:/etc/jfleet/kiosk.env missing from the device's answer");
    expect(deviceLines({ error: missing })[1]).toBe('  gagal        membaca fakta: fakta file:/etc/jfleet/kiosk.env tidak ada dalam jawaban perangkat');
    expect(deviceLines({ error: missing }, englishT)[1]).toBe(`  failed       ${missing}`);
    const cases: Array<[string, string]> = [
      [
        'fleet key not accepted yet (give the factory password to look with --check, or run without --check to bootstrap)',
        'kunci armada belum diterima (berikan kata sandi pabrik untuk melihat dengan --check, atau jalankan tanpa --check untuk bootstrap)',
      ],
      [
        'authentication failed on root@10.0.0.5:22 (no offered key or password was accepted) (a factory-fresh device? run with --bootstrap)',
        'autentikasi gagal di root@10.0.0.5:22 (tidak ada kunci atau kata sandi yang diterima) (perangkat baru dari pabrik? jalankan dengan --bootstrap)',
      ],
      [
        'the fleet key was installed but key login still fails: authentication failed on root@10.0.0.5:22 (no offered key or password was accepted)',
        'kunci armada sudah dipasang tetapi masuk dengan kunci itu masih gagal: autentikasi gagal di root@10.0.0.5:22 (tidak ada kunci atau kata sandi yang diterima)',
      ],
      ['reading facts: file fact: unexpected output "garbage"', 'membaca fakta: fakta file: keluaran tak terduga "garbage"'],
      ['reading facts: file fact: missing content or sha256', 'membaca fakta: fakta file: isi atau sha256 tidak ada'],
    ];
    for (const [en, id] of cases) {
      expect(englishT.phrase(en)).toBe(en);
      expect(tid.phrase(en)).toBe(id);
    }
  });
});

describe("health.yaml's probe targets and unknown keys", () => {
  it('each refusal of a probe target, with the value as written', () => {
    const cases: Array<[Parameters<typeof probeTargetProblem>, string]> = [
      [['dnsName', '-s'], 'tidak boleh diawali "-" (tertulis "-s"): nilai itu akan sampai ke perintah di perangkat sebagai opsi'],
      [['gateway', 'a b'], 'tidak boleh memuat spasi atau karakter kontrol (tertulis "a b")'],
      [['portalUrl', 'ftp://x'], 'harus URL http(s), misalnya https://portal.example.id/ (tertulis "ftp://x")'],
      [['dnsName', 'a_b'], 'harus nama host (RFC 1123), misalnya jemberkab.go.id (tertulis "a_b")'],
      [['gateway', 'a_b'], 'harus alamat IP atau nama host (atau auto) (tertulis "a_b")'],
      [['internet', 'a_b'], 'harus alamat IP atau nama host (tertulis "a_b")'],
    ];
    for (const [args, id] of cases) {
      const en = probeTargetProblem(...args)!;
      expect(englishT.phrase(en)).toBe(en);
      expect(tid.phrase(en)).toBe(id);
    }
    expect(tid.phrase('must be text')).toBe('harus berupa teks');
  });

  it('an unknown key, with the one it is near or the keys there are', () => {
    expect(tid.phrase(`unknown setting: ${unknownKeyMessage('retentoin_days', ['retention_days', 'probe'])}`)).toBe(
      'pengaturan tidak dikenal: kunci "retentoin_days" tidak dikenal (maksud Anda "retention_days"?)',
    );
    expect(tid.phrase(`unknown setting: ${unknownKeyMessage('zzz', ['retention_days', 'probe'])}`)).toBe(
      'pengaturan tidak dikenal: kunci "zzz" tidak dikenal (yang dikenal: retention_days, probe)',
    );
  });
});

describe("exec's refusal of a risky placeholder value", () => {
  it('a value bash could run as code, and a value spliced into a longer text', () => {
    const p = { id: 'desa-1', village: '35.09.13.2006', address: '127.0.0.1', vars: { n: 'a$(id)', m: 'x;y' } };
    const [code] = expandCommand(['echo {var.n}'], p).issues;
    expect(code?.message).toBe(
      'refused for {var.n}: the value holds "$"; bash can run such a value as code (arithmetic, array subscripts): a placeholder value must not hold $ ` [ ] <( >(',
    );
    expect(englishT.phrase(code!.message)).toBe(code!.message);
    expect(tid.phrase(code!.message)).toBe(
      'ditolak untuk {var.n}: nilainya memuat "$"; bash dapat menjalankan nilai seperti itu sebagai kode (aritmetika, subskrip array): nilai placeholder tidak boleh memuat $ ` [ ] <( >(',
    );
    const [spliced] = expandCommand(['sh', '-c', 'echo {var.m}'], p).issues;
    expect(spliced?.message).toMatch(/^refused for \{var\.m\}: it stands in a longer text/);
    expect(tid.phrase(spliced!.message)).toBe(
      'ditolak untuk {var.m}: placeholder itu berada di dalam teks yang lebih panjang yang mungkin berupa skrip untuk shell lain (seperti \'echo {var.n}\' atau heredoc), dan nilainya memuat ";"; di sana hanya huruf, angka, dan _ . / : = @ % + , - yang lolos (beri placeholder itu kata tersendiri)',
    );
  });
});
