import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jfleet, ROOT, tempHome } from '../helpers/cli.js';
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

describe('echoing what the user typed', () => {
  // an OSC sequence retitles the terminal, BEL rings it, CR overwrites the line: none reach it
  const hostile = 'x\u001b]0;pwned\u0007\ry';
  it.each([
    [['ssh', hostile], 2, 'stderr', 'jfleet: error: no package "x?]0;pwned??y"'],
    [['config', 'get', hostile], 2, 'stderr', 'jfleet: error: unknown config key "x?]0;pwned??y"'],
    [['exec', '--forks', hostile, '--', 'true'], 2, 'stderr', `--forks takes a whole number of at least 1, not "x?]0;pwned??y"`],
    [[`--bogus${hostile}`], 2, 'stderr', `jfleet: error: unknown option '--bogusx?]0;pwned??y'`],
    [['villages', hostile], 0, 'stdout', 'no village matches "x?]0;pwned??y"'],
  ] as const)('%j: control characters shown as "?"', async (args, code, stream, shown) => {
    const r = await jfleet([...args]);
    expect(r.exitCode).toBe(code);
    expect(r[stream]).toContain(shown);
    expect(r.stdout + r.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
  });
  it('check (the Nagios line) too', async () => {
    const home = tempHome();
    mkdirSync(join(home, 'inventory'));
    writeFileSync(join(home, 'inventory', 'packages.yaml'), 'packages: []\n');
    const r = await jfleet(['check', hostile], { home });
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toBe('JFLEET UNKNOWN - no package "x?]0;pwned? y" in the inventory\n');
  });
});

describe('JFLEET_HOME', () => {
  it('naming a file is one line and exit 2 (not internal error 70); --version still answers', async () => {
    const dir = tempHome();
    const file = join(dir, 'config.json');
    writeFileSync(file, '{}\n');
    for (const args of [['config', 'list'], ['sweep'], ['keys', 'init']]) {
      const r = await jfleet(args, { home: dir, env: { JFLEET_HOME: file } });
      expect(r).toMatchObject({ exitCode: 2, stdout: '' });
      expect(r.stderr).toBe(
        `jfleet: error: JFLEET_HOME ${file} is not a directory\njfleet: hint: point JFLEET_HOME at a directory (default ~/.jfleet), or unset it\n`,
      );
    }
    expect(readFileSync(file, 'utf8')).toBe('{}\n');
    const v = await jfleet(['--version'], { home: dir, env: { JFLEET_HOME: file } });
    expect(v.exitCode).toBe(0);
  });
});
