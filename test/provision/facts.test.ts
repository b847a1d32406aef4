import { describe, expect, it } from 'vitest';
import { FACTS } from '../../src/provision/facts.js';
import { loadFixtures } from './fixture-host.js';

interface FactCase {
  args: Record<string, unknown>;
  /** the exact shell snippet that reaches the device for these args */
  command: string;
  raw: { rc: number; out: string };
  expected?: unknown;
  /** the parser must refuse this output */
  throws?: string;
}

describe('facts (test/fixtures/facts/<fact>/<case>.json)', () => {
  const cases = loadFixtures<FactCase>('facts');
  it('has fixtures for every fact', () => {
    expect(new Set(cases.map(([n]) => n))).toEqual(new Set(Object.keys(FACTS)));
  });
  it.each(cases)('%s / %s', (name, _case, c) => {
    const def = FACTS[name]!;
    expect(c.command, 'every fact fixture pins its command').toEqual(expect.any(String));
    expect(def.command(c.args as never)).toBe(c.command);
    if (c.throws) {
      expect(() => def.parse(c.raw, c.args as never)).toThrow(c.throws);
    } else {
      expect(def.parse(c.raw, c.args as never)).toEqual(c.expected);
    }
  });
});
