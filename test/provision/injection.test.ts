/**
 * Hostile inventory values cannot inject: facts quote every argument (run here through a real
 * shell), and values that reach files or commands are refused by the recipe's rules first.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FACTS } from '../../src/provision/facts.js';
import { gatherScript, parseGatherOutput } from '../../src/provision/gather.js';
import { resolveRecipe, RecipeError } from '../../src/provision/recipe.js';
import { loadRecipe } from '../../src/provision/recipe-load.js';
import { loadVillages } from '../../src/inventory/villages.js';
import type { Package } from '../../src/inventory/schema.js';
import { testPackage } from '../helpers/package.js';

const dir = mkdtempSync(join(tmpdir(), 'jfleet-inject-'));
const canary = join(dir, 'pwned');
const HOSTILE = [
  `$(touch ${canary})`,
  `\`touch ${canary}\``,
  `x'; touch ${canary}; echo '`,
  `x"; touch ${canary}; echo "`,
  `; touch ${canary}`,
  `| touch ${canary}`,
  `\n touch ${canary}`,
];

function pkg(vars: Record<string, string>): Package {
  return testPackage({ vars });
}

describe('hostile values', () => {
  it.each(HOSTILE)('fact commands quote %j', (bad) => {
    for (const [name, args] of [
      ['file', { path: bad }],
      ['directory', { path: bad }],
      ['link', { path: bad }],
      ['user', { name: bad }],
      ['debs', { names: [bad, 'python3'] }],
      ['active', { unit: bad }],
    ] as const) {
      execFileSync('sh', ['-c', FACTS[name]!.command(args as never)], { stdio: 'pipe' });
      expect(existsSync(canary), `${name} ran the hostile value`).toBe(false);
    }
  });

  it('the batched fact script quotes too, and still answers', () => {
    const reqs = HOSTILE.map((p, i) => ({ fact: 'file', args: { path: p }, key: `k${i}` }));
    const out = execFileSync('sh', ['-c', gatherScript(reqs, 'testnonce1')], { encoding: 'utf8' });
    expect(existsSync(canary)).toBe(false);
    const facts = parseGatherOutput(out, reqs, 'testnonce1');
    for (const r of reqs) expect(facts.get(r)).toEqual({ kind: 'absent' });
  });

  it.each([
    ['portal_url', `https://x/$(touch ${canary})`],
    ['portal_url', 'https://x/" ; reboot ; "'],
    ['portal_url', 'javascript:alert(1)'],
    ['kiosk_listen', '127.0.0.1:8080; reboot'],
    ['hostname', 'kiosk;reboot'],
    ['kiosk_user', 'root:x'],
    ['timezone', '../../etc/shadow'],
    ['reboot_time', '03:30\nExecStart=/bin/sh'],
  ])('recipe refuses %s = %j from the inventory', async (name, value) => {
    const recipe = await loadRecipe();
    expect(() => resolveRecipe(recipe, pkg({ [name]: value }), loadVillages().byCode.get('35.09.13.2006'))).toThrow(RecipeError);
    expect(() => resolveRecipe(recipe, pkg({ [name]: value }), undefined)).toThrow(`variable ${name}`);
  });
});
