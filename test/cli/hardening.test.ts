/**
 * Hostile inputs from the security review, through the built CLI: each finishes (or is
 * refused with one located line, exit 2) within a generous "did not hang" bound.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jfleet, tempHome } from '../helpers/cli.js';

const LONG_ID = 'a'.repeat(63);

function fleetHome(yaml: string): string {
  const home = tempHome();
  mkdirSync(join(home, 'inventory'));
  writeFileSync(join(home, 'inventory', 'packages.yaml'), yaml);
  return home;
}

const ONE = `packages:
  - id: ${LONG_ID}
    village: 35.09.13.2006
    address: 127.0.0.11
    registeredAt: 2026-01-01T00:00:00Z
`;

describe('selector globs', () => {
  it('a backtracking glob against a 63-character id completes', async () => {
    const home = fleetHome(ONE);
    for (const glob of ['*a*a*a*a*a*a*a*a*b', '*a'.repeat(30) + '*b']) {
      const r = await jfleet(['inventory', 'list', '--json', '--limit', glob], { home, timeoutMs: 10_000 });
      expect(r.exitCode, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual([]);
    }
    const hit = await jfleet(['inventory', 'list', '--json', '--limit', '*a'.repeat(30) + '*'], { home, timeoutMs: 10_000 });
    expect(hit.exitCode, hit.stderr).toBe(0);
    expect(JSON.parse(hit.stdout).map((p: { id: string }) => p.id)).toEqual([LONG_ID]);
  });
  it('a glob over 256 characters is one --limit line, exit 2', async () => {
    const r = await jfleet(['inventory', 'list', '--limit', '*a'.repeat(200)], { home: fleetHome(ONE), timeoutMs: 10_000 });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('--limit: glob longer than 256 characters');
    expect(r.stdout).toBe('');
  });
});

describe('silent no-ops in packages.yaml and health.yaml', () => {
  it('a misspelt top-level key is a located error with a suggestion, exit 2', async () => {
    const r = await jfleet(['inventory', 'check'], { home: fleetHome(ONE.replace('packages:', 'pakages:')) });
    expect(r.exitCode).toBe(2);
    expect(r.stdout + r.stderr).toMatch(/packages\.yaml:1 pakages: unknown key "pakages" \(did you mean "packages"\?\)/);
  });
  it('a second byte-order mark is a located error, exit 2', async () => {
    for (const text of ['\uFEFF\uFEFF' + ONE, '\uFEFFxx\uFEFF' + ONE, ONE + '# \uFEFF\n']) {
      const r = await jfleet(['inventory', 'list'], { home: fleetHome(text) });
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toMatch(/packages\.yaml:\d+: a byte-order mark \(U\+FEFF\) after the start of the file/);
    }
    const one = await jfleet(['inventory', 'list', '--json'], { home: fleetHome('\uFEFF' + ONE) });
    expect(one.exitCode, one.stderr).toBe(0);
  });
  it('an unknown health.yaml setting is located with a suggestion, and timeouts are bounded', async () => {
    const home = fleetHome(ONE);
    writeFileSync(join(home, 'inventory', 'health.yaml'), 'thresholds: {}\ntimeout_msec: 5000\n');
    const r = await jfleet(['sweep'], { home, timeoutMs: 20_000 });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/health\.yaml:2 timeout_msec: unknown setting: unknown key "timeout_msec" \(did you mean "timeout_ms"\?\)/);
    writeFileSync(join(home, 'inventory', 'health.yaml'), 'timeout_ms: 2147483648\n');
    const t = await jfleet(['sweep'], { home, timeoutMs: 20_000 });
    expect(t.exitCode).toBe(2);
    expect(t.stderr).toMatch(/health\.yaml:1 timeout_ms: must be a whole number from 500 to 600000/);
  });
});

describe('quadratic or endless inputs', () => {
  it('100,000 YAML keys are refused with one line', async () => {
    const block = fleetHome(ONE + Array.from({ length: 100_000 }, (_, i) => `k${i}: 1`).join('\n') + '\n');
    const r = await jfleet(['inventory', 'list'], { home: block, timeoutMs: 20_000 });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/packages\.yaml:100001: more than 100000 lines/);
    const flow = fleetHome(`packages: []\nx: {${Array.from({ length: 100_000 }, (_, i) => `k${i}: 1`).join(', ')}}\n`);
    const f = await jfleet(['inventory', 'list'], { home: flow, timeoutMs: 20_000 });
    expect(f.exitCode).toBe(2);
    expect(f.stderr).toMatch(/packages\.yaml:2: a mapping of 100000 keys \(at most 1000\)/);
  });
  it('deep nesting, an alias bomb and a file over 2 MiB are refused', async () => {
    const deep = await jfleet(['inventory', 'list'], { home: fleetHome('packages: ' + '['.repeat(100_000) + ']'.repeat(100_000) + '\n'), timeoutMs: 20_000 });
    expect(deep.exitCode).toBe(2);
    expect(deep.stderr).toContain('nested deeper than 64 levels');
    const lol = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++)
      lol.push(
        `${'abcdefghi'[i]}: &${'abcdefghi'[i]} [${Array(10)
          .fill('*' + 'abcdefghi'[i - 1])
          .join(', ')}]`,
      );
    const bomb = `packages:\n  - id: x\n    village: 35.09.13.2006\n    address: 127.0.0.1\n    vars: { ${lol.map((l) => l.replace(/^(\w): /, '$1: ')).join(', ')} }\n`;
    const b = await jfleet(['inventory', 'list'], { home: fleetHome(bomb), timeoutMs: 20_000 });
    expect(b.exitCode).toBe(2);
    expect(b.stderr).toMatch(/too many aliases \(more than 100 expansions: an alias bomb\?\)/);
    const big = await jfleet(['inventory', 'list'], { home: fleetHome(ONE + '#'.repeat(3 * 1024 * 1024) + '\n'), timeoutMs: 20_000 });
    expect(big.exitCode).toBe(2);
    expect(big.stderr).toMatch(/packages\.yaml is \d+ bytes, over the 2097152-byte limit/);
  });
  it('a FIFO, a device or a directory as packages.yaml is one line, exit 2', async () => {
    const { execFileSync } = await import('node:child_process');
    const { rmSync, symlinkSync } = await import('node:fs');
    const home = fleetHome(ONE);
    const file = join(home, 'inventory', 'packages.yaml');
    rmSync(file);
    execFileSync('mkfifo', [file]);
    const fifo = await jfleet(['inventory', 'list'], { home, timeoutMs: 20_000 });
    expect(fifo.exitCode).toBe(2);
    expect(fifo.stderr).toContain('packages.yaml: is a FIFO, not a regular file');
    rmSync(file);
    symlinkSync('/dev/zero', file);
    const dev = await jfleet(['inventory', 'list'], { home, timeoutMs: 20_000 });
    expect(dev.exitCode).toBe(2);
    expect(dev.stderr).toContain('packages.yaml: is a device, not a regular file');
    rmSync(file);
    mkdirSync(file);
    const dir = await jfleet(['inventory', 'list'], { home, timeoutMs: 20_000 });
    expect(dir.exitCode).toBe(2);
    expect(dir.stderr).toContain('packages.yaml: is a directory');
  });
  it('a CSV of 100,000 rows without ids is refused; 10,000 rows are planned in bounded time', async () => {
    const home = fleetHome('packages: []\n');
    const rows = (n: number) =>
      'village,address\n' + Array.from({ length: n }, (_, i) => `35.09.13.2006,10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`).join('\n') + '\n';
    writeFileSync(join(home, 'big.csv'), rows(100_000));
    const r = await jfleet(['register', '--from', join(home, 'big.csv'), '--dry-run'], { home, timeoutMs: 20_000 });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/big\.csv is \d+ bytes, over the 2097152-byte limit/);
    writeFileSync(join(home, 'many.csv'), rows(10_001));
    const many = await jfleet(['register', '--from', join(home, 'many.csv'), '--dry-run'], { home, timeoutMs: 20_000 });
    expect(many.exitCode).toBe(2);
    expect(many.stderr).toMatch(/many\.csv:10002: more than 10000 rows/);
    writeFileSync(join(home, 'ok.csv'), rows(10_000));
    const ok = await jfleet(['register', '--from', join(home, 'ok.csv'), '--dry-run', '--json'], { home, timeoutMs: 20_000 });
    expect(ok.exitCode, ok.stderr.slice(0, 300)).toBe(0);
    expect(ok.stdout).toContain('rambipuji-10000');
  });
});

describe('@failed', () => {
  it('a corrupt last-failed.json is an error naming the file, never an empty set', async () => {
    const home = fleetHome(ONE);
    mkdirSync(join(home, 'state'), { recursive: true });
    for (const corrupt of ['{not json', '{"ids": []}', '[1, 2]']) {
      writeFileSync(join(home, 'state', 'last-failed.json'), corrupt);
      for (const sel of ['!@failed', '@failed']) {
        const r = await jfleet(['inventory', 'list', '--json', '--limit', sel], { home });
        expect(r.exitCode).toBe(2);
        expect(r.stderr).toMatch(/state\/last-failed\.json is corrupt \(expected a JSON list of package ids\)/);
        expect(r.stdout).toBe('');
      }
    }
    const other = await jfleet(['inventory', 'list', '--json', '--limit', LONG_ID], { home });
    expect(other.exitCode, other.stderr).toBe(0);
    writeFileSync(join(home, 'state', 'last-failed.json'), JSON.stringify([LONG_ID]));
    const ok = await jfleet(['inventory', 'list', '--json', '--limit', '!@failed'], { home });
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual([]);
  });
});

describe('timeouts are bounded', () => {
  for (const args of [
    ['exec', '--timeout', '2147484', '--', 'true'],
    ['exec', '--connect-timeout', '99999999', '--', 'true'],
    ['rollout', '--gate-timeout', '2147484'],
    ['schedule', 'run', '--stop-timeout', '2147484'],
    ['schedule', 'run', '--jitter', '2147484'],
  ]) {
    it(`${args.slice(0, 3).join(' ')} over 24 h is a usage error`, async () => {
      const r = await jfleet(args, { home: fleetHome(ONE), timeoutMs: 20_000 });
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toMatch(/takes at most 86400, not "\d+"/);
    });
  }
  it('report --wait over 24 h is a usage error', async () => {
    const r = await jfleet(['report', '--wait', '2147484'], { home: fleetHome(ONE) });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('--wait takes at most 86400 seconds');
  });
});

describe('schedule install', () => {
  it('refuses a six-field cron expression instead of writing it into a crontab', async () => {
    const home = fleetHome(ONE);
    const crontab = join(tempHome('jfleet-cron-'), 'jfleet.cron');
    const r = await jfleet(['schedule', 'install', '--kind', 'cron', '--crontab', crontab, '--cron', '0 */15 * * * *'], { home });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('--cron "0 */15 * * * *" has 6 fields; schedule install writes crontab and systemd timers, which take exactly 5');
    const { existsSync } = await import('node:fs');
    expect(existsSync(crontab)).toBe(false);
    const ok = await jfleet(['schedule', 'install', '--kind', 'cron', '--crontab', crontab, '--cron', '*/15 * * * *'], { home });
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(existsSync(crontab)).toBe(true);
  });
});

describe('release add --version takes the next word as the version, whatever it looks like', () => {
  it.each(['-x', '', '-V', '--help'])('--version %j: one line, exit 2, no release stored, not the program version', async (v) => {
    const home = tempHome();
    const bundle = join(home, 'bundle');
    mkdirSync(join(bundle, 'www'), { recursive: true });
    writeFileSync(join(bundle, 'www', 'index.html'), '<h1>kiosk</h1>\n');
    const r = await jfleet(['release', 'add', '--version', v, bundle], { home });
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0]).toBe(`jfleet: error: --version "${v}" is not a valid release version`);
    expect(existsSync(join(home, 'releases', v))).toBe(false);
    const ok = await jfleet(['--no-color', 'release', 'add', '--version', '1.2.3', bundle], { home });
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toMatch(/^added release 1\.2\.3/);
  });
});
