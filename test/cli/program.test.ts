import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { jfleet, ROOT } from '../helpers/cli.js';
import { VERSION } from '../../src/version.js';

describe('the jfleet program', () => {
  it('--version prints the package version and exits 0', async () => {
    const pkg = JSON.parse(readFileSync(ROOT + 'package.json', 'utf8'));
    expect(VERSION).toBe(pkg.version);
    const r = await jfleet(['--version']);
    expect(r).toEqual({ exitCode: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });

  it('--help lists exit codes and exits 0', async () => {
    const r = await jfleet(['--help']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('Exit codes:');
    expect(r.stdout).toContain('130  cancelled');
  });

  it('an unknown flag is a one-line usage error with exit 2', async () => {
    const r = await jfleet(['--bogus']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^jfleet: error: unknown option '--bogus'/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('output to a closed pipe', () => {
  it('exits quietly when the reader has gone away (jfleet villages | true)', async () => {
    const { execa } = await import('execa');
    const { BIN } = await import('../helpers/cli.js');
    // `true` exits at once, long before node starts: every write meets a pipe with no reader.
    const r = await execa('bash', ['-c', `node ${BIN} villages | true; exit "\${PIPESTATUS[0]}"`], {
      env: { PATH: process.env.PATH ?? '', JFLEET_HOME: '/tmp/jfleet-epipe-test', NO_COLOR: '1' },
      reject: false,
    });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
  });
});
