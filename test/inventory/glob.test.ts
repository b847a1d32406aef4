import { describe, expect, it } from 'vitest';
import { globMatch, MAX_GLOB, selectPackages } from '../../src/inventory/selector.js';
import { loadVillages } from '../../src/inventory/villages.js';
import { InputError } from '../../src/errors.js';
import type { Package } from '../../src/inventory/schema.js';
import { at } from '../helpers/at.js';

const CASES: Array<[glob: string, text: string, match: boolean]> = [
  ['rambipuji-1', 'rambipuji-1', true],
  ['rambipuji-1', 'rambipuji-12', false],
  ['Rambipuji-1', 'rambipuji-1', true],
  ['rambipuji-*', 'rambipuji-2006-1', true],
  ['rambipuji-*', 'rambipuji-', true],
  ['rambipuji-*', 'ajung-1', false],
  ['*-ring0-?', 'puger-ring0-3', true],
  ['*-ring0-?', 'puger-ring0-33', false],
  ['?', 'a', true],
  ['?', '', false],
  ['??', 'a', false],
  ['*', '', true],
  ['**', 'abc', true],
  ['a*b*c', 'aXbYc', true],
  ['a*b*c', 'aXbYcZ', false],
  ['a*b', 'abab', true],
  ['*ab', 'aab', true],
  ['a*?', 'a', false],
  ['a*?', 'ab', true],
  ['*.*', 'a.b', true],
  ['a.b', 'axb', false],
  ["o'brien", "O'Brien", true],
  ['*a*a*a*a*a*a*a*a*b', 'a'.repeat(63), false],
  ['*a*a*a*a*a*a*a*a*b', 'a'.repeat(62) + 'b', true],
];

describe('globMatch', () => {
  for (const [glob, text, match] of CASES) {
    it(`${JSON.stringify(glob)} ${match ? 'matches' : 'does not match'} ${JSON.stringify(text)}`, () => {
      expect(globMatch(glob, text)).toBe(match);
    });
  }
  it('a hostile pattern of 30 stars against a 63-character id neither hangs nor matches', () => {
    expect(globMatch('*a'.repeat(30) + '*b', 'a'.repeat(63))).toBe(false);
    expect(globMatch('*a'.repeat(127) + '*b', 'a'.repeat(63))).toBe(false);
  });
});

describe('glob length bound', () => {
  const ref = loadVillages();
  const pkg = { id: 'a'.repeat(63), village: '35.09.13.2006', tags: ['ring-0'] } as unknown as Package;
  it(`a glob of ${MAX_GLOB} characters is accepted`, () => {
    expect(selectPackages([pkg], ref, 'a' + '*'.repeat(MAX_GLOB - 1)).map((p) => p.id)).toEqual([pkg.id]);
  });
  for (const sel of ['*'.repeat(MAX_GLOB + 1), 'id:' + '?'.repeat(MAX_GLOB + 1), 'tag:' + 'r*'.repeat(MAX_GLOB)]) {
    it(`a longer glob is an --limit error (${sel.slice(0, 8)}…)`, () => {
      let caught: unknown;
      try {
        selectPackages([pkg], ref, sel);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(InputError);
      expect((caught as InputError).message).toContain(`glob longer than ${MAX_GLOB} characters`);
      expect(at((caught as InputError).issues, 0).field).toBe('--limit');
    });
  }
});
