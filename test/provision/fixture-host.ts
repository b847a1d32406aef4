/**
 * The fake host for fixture tests: it answers exactly the facts a fixture lists and throws on
 * any other, so a step that reads a fact it did not declare (or a fixture that forgot one) fails.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FactRequest, FactSource } from '../../src/provision/types.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

export interface FixtureFact {
  fact: string;
  args: Record<string, unknown>;
  value: unknown;
}

export function factKey(fact: string, args: Record<string, unknown>): string {
  return `${fact}:${JSON.stringify(args)}`;
}

export function fixtureHost(facts: FixtureFact[]): FactSource & { asked: Set<string> } {
  const byKey = new Map(facts.map((f) => [factKey(f.fact, f.args), f.value]));
  const asked = new Set<string>();
  return {
    asked,
    get<V>(req: FactRequest): V {
      asked.add(req.key);
      if (!byKey.has(req.key)) throw new Error(`fixture does not provide fact ${req.key}`);
      return byKey.get(req.key) as V;
    },
  };
}

/** Every <case>.json under test/fixtures/<kind>/<name>/, as [name, case, parsed]. */
export function loadFixtures<T>(kind: string): Array<[string, string, T]> {
  const root = join(FIXTURES, kind);
  const out: Array<[string, string, T]> = [];
  for (const name of readdirSync(root).sort()) {
    for (const file of readdirSync(join(root, name)).sort()) {
      if (!file.endsWith('.json')) continue;
      out.push([name, file.replace(/\.json$/, ''), JSON.parse(readFileSync(join(root, name, file), 'utf8')) as T]);
    }
  }
  return out;
}
