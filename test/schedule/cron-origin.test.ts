/**
 * A cron expression is checked the way the daemon reads it (node-cron), and its error names where
 * it was set: `config set schedule.sweep '61 * * * *'` is refused before anything is written (it
 * was accepted, and every later `schedule run` and `schedule install` then failed without saying
 * the expression came from the config). Built binary.
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jfleet, tempHome } from '../helpers/cli.js';

describe('a bad cron expression names where it was set', () => {
  it('config set refuses it in both languages, the config file not written', async () => {
    for (const [lang, want] of [
      ['C', 'jfleet: error: schedule.sweep is not a valid cron expression: "61 * * * *"'],
      ['id_ID.UTF-8', 'jfleet: kesalahan: schedule.sweep bukan ekspresi cron yang sah: "61 * * * *"'],
    ] as const) {
      const home = join(mkdtempSync(join(tmpdir(), 'jfleet-cron-')), 'home');
      const r = await jfleet(['config', 'set', 'schedule.sweep', '61 * * * *'], { home, env: { LANG: lang } });
      expect(r.exitCode).toBe(2);
      expect(r.stderr.split('\n')[0]).toBe(want);
      expect(existsSync(join(home, 'config.json'))).toBe(false);
    }
    const home = tempHome();
    expect((await jfleet(['config', 'set', 'schedule.report', 'none'], { home })).exitCode).toBe(0);
    expect((await jfleet(['config', 'set', 'schedule.sweep', '*/30 * * * * *'], { home })).exitCode).toBe(0);
  });

  it('one already in the config file: schedule run and schedule install say "config schedule.sweep"; a flag says the flag', async () => {
    const home = tempHome();
    const inv = join(home, 'inventory');
    mkdirSync(inv);
    writeFileSync(join(inv, 'packages.yaml'), 'packages: []\n');
    writeFileSync(join(home, 'config.json'), '{"schedule":{"sweep":"61 * * * *"}}\n');
    const env = { JFLEET_INVENTORY: inv, LANG: 'C' };
    const run = await jfleet(['schedule', 'run'], { home, env });
    expect(run.exitCode).toBe(2);
    expect(run.stderr.split('\n')[0]).toBe('jfleet: error: config schedule.sweep is not a valid cron expression: "61 * * * *"');
    const units = join(mkdtempSync(join(tmpdir(), 'jfleet-cron-units-')), 'u');
    const install = await jfleet(['schedule', 'install', '--dir', units], { home, env });
    expect(install.exitCode).toBe(2);
    expect(install.stderr.split('\n')[0]).toBe('jfleet: error: config schedule.sweep is not a valid cron expression: "61 * * * *"');
    expect(existsSync(units)).toBe(false);
    const flag = await jfleet(['schedule', 'run', '--sweep', '* 25 * * *'], { home, env });
    expect(flag.stderr.split('\n')[0]).toBe('jfleet: error: --sweep is not a valid cron expression: "* 25 * * *"');
  });
});
