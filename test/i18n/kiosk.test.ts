/**
 * The kiosk's words in Indonesian: what health says about a real kiosk (kiosk_browser,
 * kiosk_page, kiosk_unit, kiosk_screen, camera, display, uptime), why a screenshot cannot be taken, a sweep's
 * stand-in line, the recipe's refusals and provisioning's new skip and failure reasons. Each is an
 * English sentence a lower layer writes; the CLI says it through the catalog (ctx.t.phrase), and
 * English passes unchanged (byte-identical to what the kiosk work printed).
 */
import { describe, expect, it } from 'vitest';
import { AUX_CHECKS, CORE_CHECKS, type CheckContext } from '../../src/health/checks.js';
import { renderSweep } from '../../src/health/render.js';
import { parseScreenshot } from '../../src/health/screenshot.js';
import { mergeThresholds, parseThresholds } from '../../src/health/thresholds.js';
import type { DeviceStatus, RemoteFacts, SweepSummary } from '../../src/health/types.js';
import { loadVillages } from '../../src/inventory/villages.js';
import type { Package } from '../../src/inventory/schema.js';
import { renderDevice, type Paint } from '../../src/provision/render.js';
import { resolveRecipe, RecipeError } from '../../src/provision/recipe.js';
import { loadRecipe } from '../../src/provision/recipe-load.js';
import { STEP_KINDS } from '../../src/provision/steps/index.js';
import type { DeviceRecap } from '../../src/provision/types.js';
import { fixtureHost, loadFixtures, type FixtureFact } from '../provision/fixture-host.js';
import { englishT, messagesFor } from '../helpers/messages.js';
import { testPackage } from '../helpers/package.js';

const tid = messagesFor('id');

interface CheckCase {
  facts: Partial<RemoteFacts>;
  thresholds?: Record<string, unknown>;
  context?: CheckContext;
  expect: { output: string };
}

/** Every fixture of the checks the kiosk work added or changed, and how it reads in Indonesian. */
const CHECK_LINES: Record<string, string> = {
  'camera/lab': 'kamera: tidak diperiksa (perangkat lab)',
  'camera/missing': 'tidak ada kamera (tidak ada perangkat /dev/video*)',
  'camera/present': 'kamera terpasang (2 perangkat video)',
  'display/blanked': '1 layar tersambung tetapi padam (DPMS Off)',
  'display/disconnected': 'tidak ada layar tersambung (periksa kabel dan layarnya)',
  'display/headless': 'tanpa layar (tidak ada subsistem layar)',
  'display/on': '1 layar tersambung, layar menyala',
  'display/required-missing': 'subsistem layar tidak ditemukan',
  'kiosk_browser/answers': 'browser kios menjawab (jfleet-kiosk.service active, dimulai ulang 0 kali)',
  'kiosk_browser/hung-unit-active': 'browser kios tidak menjawab (DevTools di 127.0.0.1:9222) (jfleet-kiosk.service active, dimulai ulang 3 kali)',
  'kiosk_browser/lab-stand-in-dead': 'browser pengganti (perangkat lab) tidak berjalan',
  'kiosk_browser/lab-stand-in': 'browser pengganti (perangkat lab): tidak ada browser sungguhan di sini',
  'kiosk_browser/no-browser-no-systemd': 'browser kios tidak menjawab (DevTools di 127.0.0.1:9222)',
  'kiosk_browser/no-data': 'browser kios: tidak ada data',
  // the unit's state is systemd's own keyword, as systemctl prints it
  'kiosk_page/http-500': 'halaman kios menjawab HTTP 500',
  'kiosk_page/no-answer': 'halaman kios tidak menjawab',
  'kiosk_page/slow': 'halaman kios lambat (3,2 dtk)',
  'kiosk_unit/active': 'jfleet-kiosk.service active, dimulai ulang 2 kali, 1 oleh watchdog',
  'kiosk_unit/browser-restarts': 'jfleet-kiosk.service active, dimulai ulang 1 kali, 1 oleh watchdog; browser dimulai ulang 3 kali dalam sesinya',
  'kiosk_unit/failed': 'jfleet-kiosk.service failed, dimulai ulang 0 kali',
  'kiosk_unit/lab': 'unit kios: tidak diperiksa (perangkat lab, tanpa systemd)',
  'kiosk_screen/elsewhere': 'halaman tak terduga tampil "x" (https://evil.example/)',
  'kiosk_screen/error-page': 'halaman kesalahan browser tampil (chrome-error://chromewebdata/)',
  'kiosk_screen/error-page-under-portal-url': 'halaman kesalahan browser tampil (https://35-09-13-2006.layanan.jemberkab.go.id/)',
  'kiosk_screen/portal-after-error': 'portal tampil "Layanan Desa Rambipuji"',
  'kiosk_screen/lab': 'halaman: tidak diperiksa (pengganti lab, tanpa browser sungguhan)',
  'kiosk_screen/offline': 'halaman offline tampil "Layanan Desa: menunggu portal" (kios tidak dapat menjangkau portalnya)',
  'kiosk_screen/portal': 'portal tampil "Layanan Desa Rambipuji"',
  'uptime/first-sweep-low-uptime': 'menyala 42 dtk',
  'uptime/nightly-window': 'menyala 10 mnt',
  'uptime/unexpected-long-ago': 'menyala 2 jam 0 mnt',
  'uptime/unexpected-still': 'menyala 30 mnt (dinyalakan ulang tanpa terduga pukul 05:13, di luar jendela reboot malam 03:30+30 mnt)',
  'uptime/unexpected': 'menyala 10 mnt (dinyalakan ulang tanpa terduga pukul 05:13, di luar jendela reboot malam 03:30+30 mnt)',
};

const ALL = { ...CORE_CHECKS, ...AUX_CHECKS };
const checkCases = loadFixtures<CheckCase>('checks').filter(([check]) =>
  ['camera', 'display', 'kiosk_browser', 'kiosk_page', 'kiosk_unit', 'kiosk_screen', 'uptime'].includes(check),
);

describe("the kiosk's check lines in Indonesian", () => {
  it('the table covers every fixture of those checks (a new fixture needs its Indonesian line)', () => {
    expect(checkCases.map(([check, name]) => `${check}/${name}`).sort()).toEqual(Object.keys(CHECK_LINES).sort());
  });

  it.each(checkCases.map(([check, name, c]) => [`${check}/${name}`, check, c] as const))('%s', (key, check, c) => {
    const r = ALL[check]!(c.facts, mergeThresholds(parseThresholds(c.thresholds ?? {}, 'fixture').value), c.context);
    expect(r.output).toBe(c.expect.output);
    expect(englishT.phrase(r.output)).toBe(r.output);
    expect(tid.phrase(r.output)).toBe(CHECK_LINES[key]);
  });

  it('the kiosk page answering, and a check with no data, name the check in Indonesian', () => {
    expect(tid.phrase('kiosk page answers 200')).toBe('halaman kios menjawab 200');
    expect(tid.phrase('kiosk page: no data')).toBe('halaman kios: tidak ada data');
    expect(tid.phrase('page shown: no data')).toBe('halaman yang tampil: tidak ada data');
    expect(tid.phrase('kiosk unit: no data')).toBe('unit kios: tidak ada data');
  });

  it("a page title is the device's text, carried over as it is", () => {
    expect(tid.phrase('portal shown "Layanan Desa Kencong"')).toBe('portal tampil "Layanan Desa Kencong"');
    expect(tid.phrase('offline page shown (the kiosk cannot reach its portal)')).toBe('halaman offline tampil (kios tidak dapat menjangkau portalnya)');
    expect(tid.phrase('unexpected page shown (about:blank)')).toBe('halaman tak terduga tampil (about:blank)');
  });
});

/** A PNG's first bytes (signature + IHDR), enough for the parser. */
function png(w: number, h: number): Buffer {
  const b = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]).copy(b);
  b.writeUInt32BE(w, 16);
  b.writeUInt32BE(h, 20);
  return b;
}

describe('why a screenshot cannot be taken, in Indonesian', () => {
  it.each([
    ['JFLEET-SHOT stand-in', 'k1 menjalankan browser pengganti lab: tidak ada layar untuk ditangkap'],
    ['JFLEET-SHOT no-drm', 'k1 tidak punya perangkat keras layar (tidak ada /sys/class/drm): tidak ada layar untuk ditangkap'],
    ['JFLEET-SHOT no-display 2', 'tidak ada layar tersambung ke k1 (2 konektor, tidak satu pun tersambung): periksa kabelnya dan pastikan layar menyala'],
    ['JFLEET-SHOT no-grim', 'k1 tidak punya grim (siapkan dengan resep kios 2.0.0 atau yang lebih baru)'],
    ['JFLEET-SHOT no-user kiosk', 'k1 tidak punya pengguna kios kiosk'],
    ['JFLEET-SHOT no-session kiosk', 'sesi kios k1 tidak berjalan (tidak ada tampilan Wayland untuk kiosk): apakah jfleet-kiosk.service aktif?'],
    ['JFLEET-SHOT png\n\nJFLEET-SHOT rc=1', 'k1: grim tidak dapat menangkap layar (rc=1)'],
    ['JFLEET-SHOT png\n', 'k1: grim tidak dapat menangkap layar (tanpa status keluar)'],
    ['JFLEET-SHOT what', 'k1: jawaban tangkapan layar tak terduga "JFLEET-SHOT what"'],
    ['bash: not found', 'k1: skrip tangkapan layar tidak mencetak apa pun yang dapat dipahami (apakah bash terpasang?)'],
  ])('%s', (out, indonesian) => {
    const r = parseScreenshot('k1', out);
    if (r.ok) throw new Error('expected a refusal');
    expect(englishT.phrase(r.message)).toBe(r.message);
    expect(tid.phrase(r.message)).toBe(indonesian);
  });

  it('a PNG has no message to say', () => {
    expect(parseScreenshot('k1', `JFLEET-SHOT png\n${png(1280, 720).toString('base64')}\nJFLEET-SHOT rc=0\n`)).toMatchObject({ ok: true, width: 1280 });
  });
});

describe("a sweep's stand-in line", () => {
  const standIn: DeviceStatus = {
    id: 'lab-1',
    village: '35.09.13.2006',
    district: 'Rambipuji',
    state: 'ok',
    hard: true,
    flapping: false,
    silenced: false,
    since: '2026-12-02T00:00:00.000Z',
    lastSeen: '2026-12-02T00:00:00.000Z',
    release: null,
    checks: [{ name: 'kiosk_browser', state: 'ok', output: 'stand-in browser (lab device): no real browser runs here', perfdata: { stand_in: 1 } }],
  };
  const summary = {
    total: 1,
    durationMs: 1200,
    counts: { ok: 1, warn: 0, critical: 0, unknown: 0, unreachable: 0 },
    worst: 'ok',
    devices: [{ status: standIn, alerting: false }],
  } as unknown as SweepSummary;
  const f = { locale: 'id-ID', timeZone: 'Asia/Jakarta' };

  it('names the stand-in devices in both languages', () => {
    expect(renderSweep({ t: englishT, f: { ...f, locale: 'en-GB' } }, summary, new Date()).at(-1)).toBe(
      "1 device(s) run the lab's stand-in browser: no real browser or screen was checked there",
    );
    expect(renderSweep({ t: tid, f }, summary, new Date()).at(-1)).toBe(
      '1 perangkat menjalankan browser pengganti lab: tidak ada browser atau layar sungguhan yang diperiksa di sana',
    );
  });
});

const ref = loadVillages();
const recipe = await loadRecipe();
const pkg = (vars?: Record<string, string>): Package => testPackage({ vars });

function recipeError(vars: Record<string, string>): string {
  try {
    resolveRecipe(recipe, pkg(vars), ref.byCode.get('35.09.13.2006'));
  } catch (e) {
    if (e instanceof RecipeError) return `recipe: ${e.message}`; // as the runner records it
    throw e;
  }
  throw new Error('expected a RecipeError');
}

describe("the recipe's refusals in Indonesian", () => {
  it('a portal on plain http to a remote host: the camera needs a secure page', () => {
    const english = recipeError({ portal_url: 'http://portal.desa.example/' });
    expect(english).toBe(
      'recipe: variable portal_url = "http://portal.desa.example/" must be an https URL (the camera needs a secure page; plain http only to http://localhost), without quotes, spaces, "$" or backslashes (from the inventory entry of desa-1)',
    );
    expect(englishT.phrase(english)).toBe(english);
    expect(tid.phrase(english)).toBe(
      'resep: variabel portal_url = "http://portal.desa.example/" harus URL https (kamera memerlukan halaman yang aman; http biasa hanya ke http://localhost), tanpa tanda kutip, spasi, "$", atau garis miring terbalik (dari entri inventaris desa-1)',
    );
  });

  it('a window size that is not WIDTHxHEIGHT', () => {
    const english = recipeError({ kiosk_window_size: 'big' });
    expect(tid.phrase(english)).toBe(
      'resep: variabel kiosk_window_size = "big" harus LEBARxTINGGI seperti 1920x1080, atau kosong (dari entri inventaris desa-1)',
    );
  });
});

interface StepCase {
  desired: Record<string, unknown>;
  facts: FixtureFact[];
}
const steps = new Map(loadFixtures<StepCase>('steps').map(([kind, name, c]) => [`${kind}/${name}`, { kind, c }]));
const plain: Paint = { green: (s) => s, yellow: (s) => s, red: (s) => s, cyan: (s) => s, dim: (s) => s, bold: (s) => s };

/** One device's plan lines for one step fixture, as jfleet provision --check prints them. */
function planLines(fixture: string, t = tid, verbose = false): string[] {
  const { kind, c } = steps.get(fixture)!;
  const plan = STEP_KINDS[kind]!.plan(c.desired, { facts: fixtureHost(c.facts), run: { keyLoginProven: true } });
  const status = ({ ok: 'ok', change: 'changed', fail: 'failed', skip: 'skipped' } as const)[plan.status];
  const recap: DeviceRecap = {
    id: 'desa-1',
    ok: 0,
    changed: 0,
    failed: 0,
    skipped: 0,
    unreachable: false,
    durationMs: 1,
    steps: [{ id: kind, title: kind, status, reason: plan.reason, diffs: [], commands: [], ...(status === 'failed' ? { error: plan.reason } : {}) }],
  };
  return renderDevice(recap, { check: true, diff: false, verbose }, plain, t);
}

/** One ok step as provision --verbose prints it, with the reason a step kind gave. */
function okLine(reason: string, t = tid): string {
  const recap: DeviceRecap = {
    id: 'desa-1',
    ok: 1,
    changed: 0,
    failed: 0,
    skipped: 0,
    unreachable: false,
    durationMs: 1,
    steps: [{ id: 'x', title: 'x', status: 'ok', reason, diffs: [], commands: [] }],
  };
  return renderDevice(recap, { check: false, diff: false, verbose: true }, plain, t)[1]!.replace(/^ {2}ok +x +/, '');
}

describe("provisioning's kiosk reasons in Indonesian", () => {
  it('a unit whose start condition is false is a skip with the reason', () => {
    expect(planLines('service/condition-unmet', englishT)[1]).toMatch(/skipped: condition not met \(systemd did not start systemd-timesyncd.service/);
    expect(planLines('service/condition-unmet')[1]).toBe(
      '  dilewati     service                  dilewati: syarat tidak terpenuhi (systemd tidak menjalankan systemd-timesyncd.service: salah satu Condition… unit itu bernilai salah di perangkat ini)',
    );
  });

  it("a changed step's changes are each said on their own", () => {
    expect(planLines('service/condition-unmet-not-enabled', englishT)[1]).toMatch(/ enable systemd-timesyncd.service; not started: condition not met$/);
    expect(planLines('service/condition-unmet-not-enabled')[1]).toMatch(/ aktifkan systemd-timesyncd.service; tidak dijalankan: syarat tidak terpenuhi$/);
  });

  it('every step fixture that changes or fails says its reason in Indonesian, none left in English', () => {
    const reasonOf = (line: string) => line.replace(/^ {2}\S+(?: \S+)? +\S+ +/, '');
    let said = 0;
    for (const f of steps.keys()) {
      const en = planLines(f, englishT)[1];
      const id = planLines(f)[1];
      if (!en || !id || /^ {2}ok /.test(en)) continue;
      // a setting's before -> after is notation, the same in every language
      if (/^sshd \w+ \S+ -> \S+(; sshd \w+ \S+ -> \S+)*$/.test(reasonOf(en))) continue;
      said++;
      expect(reasonOf(id), `${f}: ${en}`).not.toBe(reasonOf(en));
    }
    expect(said).toBeGreaterThan(40);
    expect(reasonOf(planLines('absent/old-autologin')[1]!)).toBe(
      'hapus /etc/systemd/system/getty@tty1.service.d/autologin.conf; hapus /etc/systemd/system/display-manager.service',
    );
    expect(reasonOf(planLines('file/mode-and-owner-drift')[1]!)).toBe('mode /etc/jfleet/kiosk.env; pemilik /etc/jfleet/kiosk.env');
    expect(reasonOf(planLines('apt/purge-old-stack')[1]!)).toBe('hapus bersih lightdm');
    expect(reasonOf(planLines('link/is-a-file')[1]!)).toBe('/etc/systemd/system/sleep.target adalah berkas, bukan tautan simbolik; hapus secara manual');
  });

  it('with --verbose, every step fixture that is ok says its reason in Indonesian, none left in English', () => {
    const reasonOf = (line: string) => line.replace(/^ {2}ok +\S+ +/, '');
    let said = 0;
    for (const f of steps.keys()) {
      const en = planLines(f, englishT, true)[1];
      const id = planLines(f, tid, true)[1];
      if (!en || !id || !/^ {2}ok /.test(en)) continue;
      // a link's path -> target is notation, the same in every language
      if (/^\/\S+ -> \S+$/.test(reasonOf(en))) continue;
      said++;
      expect(reasonOf(id), `${f}: ${en}`).not.toBe(reasonOf(en));
    }
    expect(said).toBeGreaterThanOrEqual(10);
    expect(reasonOf(planLines('apt/installed', tid, true)[1]!)).toMatch(/^\d+ paket Debian terpasang$/);
    expect(reasonOf(planLines('timezone/matches', tid, true)[1]!)).toBe('zona waktu sudah Asia/Jakarta');
  });

  it('each ok reason a step kind gives, in Indonesian; English byte-identical', () => {
    const cases: Array<[string, string]> = [
      ['12 packages installed', '12 paket Debian terpasang'],
      ['12 packages installed, 2 absent', '12 paket Debian terpasang, 2 sudah tidak ada'],
      ['no packages listed', 'tidak ada paket Debian dalam daftar'],
      ['no .deb files listed', 'tidak ada berkas .deb dalam daftar'],
      ['3 .deb packages at their versions', '3 paket .deb sudah pada versinya'],
      ['/etc/x.conf absent', '/etc/x.conf sudah tidak ada'],
      ['2 paths absent', '2 path sudah tidak ada'],
      ['/etc/jfleet exists (0755, root:root)', '/etc/jfleet sudah ada (0755, root:root)'],
      ['/etc/jfleet/kiosk.env matches (sha256, 0640, root:kiosk)', '/etc/jfleet/kiosk.env sudah sesuai (sha256, 0640, root:kiosk)'],
      ['host name is desa-1', 'nama host sudah desa-1'],
      ['host name is desa-1 (static; systemd not running)', 'nama host sudah desa-1 (statis; systemd tidak berjalan)'],
      [
        '/etc/jfleet/tunnel_ed25519 exists (kept: the bastion knows its public half)',
        '/etc/jfleet/tunnel_ed25519 sudah ada (dipertahankan: host lompatan mengenal kunci publiknya)',
      ],
      ['current release -> releases/1.0.0 (rollouts own it from here)', 'rilis saat ini -> releases/1.0.0 (selanjutnya diurus rollout)'],
      ['jfleet-kiosk.service enabled', 'jfleet-kiosk.service sudah diaktifkan'],
      ['jfleet-kiosk.service enabled and active', 'jfleet-kiosk.service sudah diaktifkan dan berjalan'],
      ['jfleet-kiosk.service enabled (systemd not running: not started)', 'jfleet-kiosk.service sudah diaktifkan (systemd tidak berjalan: tidak dijalankan)'],
      ['/etc/ssh/sshd_config has the hardened settings first', '/etc/ssh/sshd_config sudah memuat setelan yang diperketat di awal'],
      ['time zone is Asia/Jakarta', 'zona waktu sudah Asia/Jakarta'],
      ['user kiosk matches', 'pengguna kiosk sudah sesuai'],
    ];
    for (const [en, id] of cases) {
      expect(okLine(en, englishT)).toBe(en);
      expect(okLine(en)).toBe(id);
    }
  });

  it('a directory where a file must be absent', () => {
    expect(planLines('absent/directory')[1]).toMatch(/ \/etc\/lightdm adalah direktori; hapus secara manual$/);
  });

  it("a package the mirror does not have: the device's one line, said in Indonesian", () => {
    const error = 'exit 100: not in the package mirror: cagee (checked with apt-cache policy after apt-get update; nothing was installed)';
    expect(englishT.phrase(error)).toBe(error);
    expect(tid.phrase(error)).toBe(
      'kode keluar 100: tidak ada di mirror paket Debian: cagee (diperiksa dengan apt-cache policy setelah apt-get update; tidak ada yang dipasang)',
    );
    expect(tid.phrase('package cage is both to install and to remove')).toBe('paket Debian cage diminta dipasang sekaligus dihapus');
  });
});
