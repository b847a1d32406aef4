/**
 * English that was still on the main paths under LANG=id_ID.UTF-8 (issue 12), found by running
 * the built binary: durations ("sejak 26m", "menyala 3d 4h"), the names lower layers put inside
 * a sentence ("the sweep schedule", "central API", "time sync"), a reboot window's "+30min".
 * Each sentence is taken from the code that writes it; English stays as it was.
 */
import { describe, expect, it } from 'vitest';
import { centralApi, timeSync, uptime } from '../../src/health/checks.js';
import { DEFAULT_THRESHOLDS } from '../../src/health/thresholds.js';
import { deadDeviceHome, jfleet } from '../helpers/cli.js';
import { englishT, messagesFor } from '../helpers/messages.js';

const tid = messagesFor('id');
const both = (en: string, id: string) => {
  expect(englishT.phrase(en)).toBe(en);
  expect(tid.phrase(en)).toBe(id);
};

describe('durations and the words inside health sentences, in Indonesian', () => {
  it('uptime as the check words it, with and without an unexpected reboot', () => {
    const t = DEFAULT_THRESHOLDS;
    const days = uptime({ up: 3 * 86400 + 4 * 3600 } as never, t).output;
    both(days, 'menyala 3 hari 4 jam');
    both(uptime({ up: 5 * 3600 + 2 * 60 } as never, t).output, 'menyala 5 jam 2 mnt');
    both(uptime({ up: 42 } as never, t).output, 'menyala 42 dtk');
    const boot = Date.UTC(2026, 11, 2, 3, 10) / 1000 - 7 * 3600; // 10:10 WIB: outside 03:30+30
    const rebooted = uptime({ up: 12 * 60, boot } as never, t, { previousBoot: boot - 86400, utcOffsetMin: 420 }).output;
    expect(rebooted).toMatch(/^up 12m \(rebooted unexpectedly at \d\d:\d\d, outside the nightly window 03:30\+30min\)$/);
    expect(tid.phrase(rebooted)).toMatch(/^menyala 12 mnt \(dinyalakan ulang tanpa terduga pukul \d\d:\d\d, di luar jendela reboot malam 03:30\+30 mnt\)$/);
    both(uptime({} as never, t).output, 'waktu menyala: tidak ada data');
  });

  it('the central API and time sync checks name what they checked in Indonesian', () => {
    const t = DEFAULT_THRESHOLDS;
    both(centralApi({ ac: 0 } as never, t).output, 'API pusat tak terjangkau');
    both(centralApi({} as never, t).output, 'API pusat: tidak diperiksa');
    both(timeSync({} as never, t).output, 'sinkronisasi jam: tidak ada data');
  });

  it('a unit glued to a number takes digits only: a word ending in m, s or d stays as written', () => {
    for (const word of ['system', 'this', 'bad', 'min', 'as of 3 pm', '3 dm']) expect(tid.phrase(word)).toBe(word);
  });
});

describe('on the built binary, LANG=id_ID.UTF-8 beside LANG=C', () => {
  it('status after a sweep: "since" in Indonesian units; --json the same in both', async () => {
    const { home, env } = await deadDeviceHome('jfleet-main-paths-');
    const sweep = await jfleet(['sweep'], { home, env: { ...env, LANG: 'C' } });
    expect(sweep.exitCode).toBe(0); // soft: not alerting yet
    const id = await jfleet(['status'], { home, env: { ...env, LANG: 'id_ID.UTF-8' } });
    const en = await jfleet(['status'], { home, env: { ...env, LANG: 'C' } });
    expect(id.exitCode).toBe(en.exitCode);
    expect(id.stdout).toMatch(/rambipuji-1 .* sejak \d+ (dtk|mnt) /);
    expect(id.stdout).not.toMatch(/sejak \d+[smhd]\b/);
    expect(en.stdout).toMatch(/rambipuji-1 .* since \d+[sm] /);
    const [jid, jen] = [
      await jfleet(['status', '--json'], { home, env: { ...env, LANG: 'id_ID.UTF-8' } }),
      await jfleet(['status', '--json'], { home, env: { ...env, LANG: 'C' } }),
    ];
    expect(jid.stdout).toBe(jen.stdout);
  });

  it('a schedule that is not a cron expression: the whole line in Indonesian, exit 2 in both', async () => {
    const { home, env } = await deadDeviceHome('jfleet-main-paths-');
    const args = ['schedule', 'install', '--cron', 'bad', '--dir', home];
    const id = await jfleet(args, { home, env: { ...env, LANG: 'id_ID.UTF-8' } });
    const en = await jfleet(args, { home, env: { ...env, LANG: 'C' } });
    expect(id.exitCode).toBe(2);
    expect(en.exitCode).toBe(2);
    expect(id.stderr.split('\n')[0]).toBe('jfleet: kesalahan: --cron bukan ekspresi cron yang sah: "bad"');
    expect(en.stderr.split('\n')[0]).toBe('jfleet: error: --cron is not a valid cron expression: "bad"');
  });
});
