/**
 * Fault tests for a full, a read-only and a corrupt $JFLEET_HOME (root: a small tmpfs is mounted
 * as the home, then filled, remounted read-only, or given a text file as its database). Every
 * command in the table must end in one line and a documented exit code, never "internal error"
 * (70); commands that only read must answer as they do on a healthy home.
 */
import { execa } from 'execa';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { homePaths } from '../../src/context.js';
import { jfleet, type CliResult } from '../helpers/cli.js';

const DOCUMENTED = [0, 1, 2, 3, 4, 5, 6, 7, 74, 75, 130];
const COMMANDS: string[][] = [
  ['sweep'],
  ['status'],
  ['report', '--dry-run'],
  ['outbox', 'list'],
  ['history', 'X'],
  ['config', 'set', 'forks', '5'],
  ['config', 'list'],
  ['register', '--village', '35.09.13.2006', '--address', 'k.lan', '--serial', 'SN-FAULT'],
  ['inventory', 'list'],
  ['villages', 'rambipuji'],
  ['rollout', 'status'],
  ['keys', 'init'],
];
/** commands that need not write: on a full or read-only home they answer as on a healthy one */
const READ_ONLY = ['status', 'outbox list', 'history X', 'config list', 'inventory list', 'villages rambipuji', 'rollout status'];

const root = mkdtempSync(join(tmpdir(), 'jfleet-faults-'));
const mounts: string[] = [];

async function mountHome(name: string): Promise<string> {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  await execa('mount', ['-t', 'tmpfs', '-o', 'size=2m,mode=0700', 'tmpfs', dir]);
  mounts.push(dir);
  return dir;
}

async function unmountAll(): Promise<void> {
  for (const dir of mounts.splice(0).reverse()) await execa('umount', [dir], { reject: false });
}

/** A used home: an empty inventory, a config, a state database with its schema. */
async function seed(home: string): Promise<void> {
  mkdirSync(join(home, 'inventory'), { recursive: true });
  writeFileSync(join(home, 'inventory', 'packages.yaml'), 'packages: []\n');
  expect((await jfleet(['config', 'set', 'forks', '3'], { home })).exitCode).toBe(0);
  expect((await jfleet(['status'], { home })).exitCode).toBe(0);
}

function fill(dir: string): void {
  const s = statfsSync(dir);
  try {
    writeFileSync(join(dir, 'filler'), Buffer.alloc(s.bavail * s.bsize));
  } catch {
    /* full */
  }
  expect(statfsSync(dir).bavail).toBe(0);
}

const healthy = new Map<string, CliResult>();
beforeAll(async () => {
  const home = await mountHome('healthy');
  await seed(home);
  for (const args of COMMANDS.filter((a) => READ_ONLY.includes(a.join(' ')))) healthy.set(args.join(' '), await jfleet(args, { home }));
  await unmountAll();
});
afterEach(unmountAll);
afterAll(async () => {
  await unmountAll();
  rmSync(root, { recursive: true, force: true });
});

function check(r: CliResult, args: string[]): void {
  const what = `jfleet ${args.join(' ')}: ${r.stderr}`;
  expect(r.exitCode, what).not.toBe(70);
  expect(DOCUMENTED, what).toContain(r.exitCode);
  expect(r.stderr, what).not.toMatch(/internal error|please report|at .*\.js:\d+/);
  if (r.exitCode !== 0) {
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0], what).toMatch(/^jfleet: (error: )?\S/);
    expect(
      lines.slice(1).every((l) => l.startsWith('jfleet: hint: ')),
      what,
    ).toBe(true);
  }
}

const FAULTS: Array<[string, (home: string) => Promise<void>, boolean]> = [
  ['full', async (home) => fill(home), true],
  ['read-only', async (home) => void (await execa('mount', ['-o', 'remount,ro', home])), true],
  ['corrupt', async (home) => writeFileSync(homePaths(home).db, 'this is a text file, not a database\n'.repeat(100)), false],
];

describe.each(FAULTS)('a %s $JFLEET_HOME', (name, breakIt, readsAnswer) => {
  it('every command: one line, a documented exit code, never an internal error; read-only commands answer', async () => {
    const home = await mountHome(name);
    await seed(home);
    const before = readFileSync(join(home, 'inventory', 'packages.yaml'));
    await breakIt(home);
    for (const args of COMMANDS) {
      const r = await jfleet(args, { home });
      check(r, args);
      const ref = healthy.get(args.join(' '));
      if (ref && readsAnswer) {
        expect(r.exitCode, `jfleet ${args.join(' ')}: ${r.stderr}`).toBe(ref.exitCode);
        expect(r.stdout.replaceAll(home, '$HOME'), `jfleet ${args.join(' ')}`).toBe(ref.stdout.replaceAll(join(root, 'healthy'), '$HOME'));
      }
      if (name === 'corrupt' && ['status', 'outbox list', 'history X', 'rollout status', 'report --dry-run', 'sweep'].includes(args.join(' '))) {
        expect(r.exitCode).toBe(74);
        expect(r.stderr.split('\n')[0]).toBe(`jfleet: error: the state database ${homePaths(home).db} is not a database (file is not a database)`);
      }
    }
    if (name !== 'corrupt') {
      // nothing half-written: the inventory is as it was, the writing commands said 74
      expect(readFileSync(join(home, 'inventory', 'packages.yaml')).equals(before)).toBe(true);
      for (const args of [
        ['config', 'set', 'forks', '5'],
        ['register', '--village', '35.09.13.2006', '--address', 'k.lan', '--serial', 'SN-FAULT'],
        ['keys', 'init'],
      ]) {
        expect((await jfleet(args, { home })).exitCode, args.join(' ')).toBe(74);
      }
    }
  });
});
