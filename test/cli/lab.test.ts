import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ROOT } from '../helpers/cli.js';

describe('jfleet lab without root', () => {
  it.each([['up', '--devices', '2'], ['down']])('lab %s says it needs root and exits 2', async (...args) => {
    const home = mkdtempSync(join(tmpdir(), 'jfleet-lab-nonroot-'));
    chmodSync(home, 0o777);
    const r = await execa('node', [BIN, 'lab', ...args], {
      uid: 65534,
      gid: 65534,
      reject: false,
      cwd: ROOT,
      extendEnv: false,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, JFLEET_HOME: home, CI: 'true', NO_COLOR: '1' },
    });
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`jfleet lab ${args[0]} needs root`);
    expect(r.stderr).toContain(`sudo jfleet lab ${args[0]}`);
  });
});
