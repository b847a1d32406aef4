/**
 * Inputs built to break the parser, not the schema: YAML and JSON nested 10,000 deep (a stack
 * overflow in a recursive walk), a YAML alias bomb, a number too large to mean anything. Each is one
 * located error and exit 2, never "internal error".
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseHealthSettings } from '../../src/health/settings.js';
import { parseInventory } from '../../src/inventory/load.js';
import { loadVillages } from '../../src/inventory/villages.js';
import { jfleet, tempHome } from '../helpers/cli.js';
import { at } from '../helpers/at.js';

const DEEP = 10_000;
const flowDeep = '['.repeat(DEEP) + ']'.repeat(DEEP);
const blockDeep = Array.from({ length: DEEP }, (_, i) => ' '.repeat(i) + 'k:').join('\n') + ' 1\n';
const BOMB = [
  'a: &a [x, x, x, x, x, x, x, x, x]',
  'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
  'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
  'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
  'e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]',
  'f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]',
  'g: [*f, *f, *f, *f, *f, *f, *f, *f, *f]',
].join('\n');

function home(files: Record<string, string>): string {
  const h = tempHome('jfleet-guards-');
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(h, rel, '..'), { recursive: true });
    writeFileSync(join(h, rel), text);
  }
  return h;
}

function oneLocatedError(r: { exitCode: number; stdout: string; stderr: string }, file: string, what: RegExp): void {
  expect(r.exitCode).toBe(2);
  expect(r.stderr).not.toMatch(/internal error|RangeError|call stack/);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('jfleet: error: '));
  expect(errors.length).toBeGreaterThanOrEqual(1);
  expect(errors[0]).toContain(file);
  expect(errors[0]).toMatch(what);
}

describe('health.yaml', () => {
  const file = '/inv/health.yaml';
  it('an alias bomb is refused, not expanded', () => {
    const r = parseHealthSettings(BOMB, file);
    expect(r.issues).toEqual([{ file, message: 'YAML: too many aliases (more than 100 expansions: an alias bomb?)' }]);
  });
  it.each([
    ['flow', `thresholds: ${flowDeep}\n`],
    ['block', blockDeep],
  ])('nesting 10,000 deep (%s) is located issues, no stack overflow', (_, text) => {
    const r = parseHealthSettings(text, file);
    expect(r.issues.length).toBeGreaterThan(0);
    expect(r.issues.every((i) => i.file === file)).toBe(true);
  });
  it.each([
    ['retention_days: 1e300', 'retention_days', 'must be a whole number from 1 to 3650'],
    ['retention_days: 3651', 'retention_days', 'must be a whole number from 1 to 3650'],
    ['timeout_ms: 1e300', 'timeout_ms', 'must be a whole number from 500 to 600000'],
    ['connect_timeout_ms: 99999999999', 'connect_timeout_ms', 'must be a whole number from 500 to 600000'],
  ])('%s is out of range', (text, field, message) => {
    expect(parseHealthSettings(text + '\n', file).issues).toEqual([{ file, line: 1, field, message }]);
  });
  it('the bounds themselves are accepted', () => {
    const r = parseHealthSettings('retention_days: 3650\ntimeout_ms: 600000\n', file);
    expect(r.issues).toEqual([]);
    expect(r.value.retentionDays).toBe(3650);
  });
  it('sweep with retention_days: 1e300 or an alias bomb: one located line, exit 2', async () => {
    for (const text of ['retention_days: 1e300\n', BOMB]) {
      const h = home({ 'inventory/packages.yaml': 'packages: []\n', 'inventory/health.yaml': text });
      oneLocatedError(await jfleet(['sweep'], { home: h }), join(h, 'inventory', 'health.yaml'), /retention_days|alias/);
    }
  });
});

describe('packages.yaml', () => {
  const ref = loadVillages();
  const file = '/inv/packages.yaml';
  it.each([
    ['flow', `packages:\n  - id: x\n    village: ${flowDeep}\n`],
    ['block', `packages:\n  - ${blockDeep.replace(/\n/g, '\n    ')}`],
  ])('nesting 10,000 deep (%s) is a located issue', (_, text) => {
    const r = parseInventory(text, file, ref);
    expect(r.issues.length).toBeGreaterThan(0);
    expect(at(r.issues, 0).file).toBe(file);
    expect(at(r.issues, 0).line).toBeGreaterThan(0);
  });
  it('an alias bomb in a package is refused at its line', () => {
    const text = [
      'anchors:',
      ...BOMB.split('\n')
        .slice(0, -1)
        .map((l) => '  ' + l),
      'packages:',
      '  - [*f, *f, *f, *f, *f, *f, *f, *f, *f]',
      '',
    ].join('\n');
    const r = parseInventory(text, file, ref);
    // the anchors' top-level key is refused as unknown before any alias is expanded
    expect(r.packages).toEqual([]);
    expect(r.issues).toEqual([{ file, line: 1, field: 'anchors', message: 'unknown key "anchors" (known: packages)' }]);
  });
  it('inventory list on a 10,000-deep inventory: one located line, exit 2', async () => {
    const h = home({ 'inventory/packages.yaml': `packages:\n  - id: x\n    village: ${flowDeep}\n` });
    oneLocatedError(
      await jfleet(['inventory', 'list'], { home: h }),
      join(h, 'inventory', 'packages.yaml') + ':3',
      /nested (too deeply|deeper than 64 levels)/,
    );
  });
});

describe('config.json', () => {
  it.each([
    ['config', 'list'],
    ['config', 'set', 'forks', '5'],
    ['config', 'get', 'forks'],
  ])('nested 10,000 deep: jfleet %s %s is one line naming the file, exit 2', async (...args) => {
    const h = home({ 'config.json': `{"inventory": ${flowDeep}}` });
    oneLocatedError(await jfleet(args, { home: h }), join(h, 'config.json'), /nested (too deeply|deeper than 64 levels)/);
  });
});
