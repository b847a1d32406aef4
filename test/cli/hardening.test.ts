/**
 * Hostile inputs from the security review, through the built CLI: each finishes (or is
 * refused with one located line, exit 2) within a generous "did not hang" bound.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
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
