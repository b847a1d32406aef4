import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planDevice, recipeFacts } from '../../src/provision/plan.js';
import { resolveRecipe, renderTemplate, RecipeError } from '../../src/provision/recipe.js';
import { loadRecipe } from '../../src/provision/recipe-load.js';
import { loadVillages } from '../../src/inventory/villages.js';
import type { Package } from '../../src/inventory/schema.js';
import type { FactSource } from '../../src/provision/types.js';

function pkg(village: string, vars?: Record<string, string>): Package {
  return { id: 'desa-1', village, address: '127.0.0.1', port: 22, user: 'root', hardware: {}, tags: [], vars, registeredAt: '2026-01-01T00:00:00Z' };
}
const ref = loadVillages();

describe('kiosk recipe', () => {
  it('renders per device: hostname from the village code, portal, listen default', async () => {
    const r = resolveRecipe(await loadRecipe(), pkg('35.09.13.2006'), ref.byCode.get('35.09.13.2006'));
    expect(r.vars.hostname).toBe('kiosk-35-09-13-2006');
    expect(r.vars.timezone).toBe('Asia/Jakarta');
    const env = r.steps.find((s) => s.id === 'kiosk-env')!.desired as { content: string };
    expect(env.content).toContain('KIOSK_LISTEN="127.0.0.1:8080"');
    expect(env.content).toContain('KIOSK_URL="https://35-09-13-2006.layanan.jemberkab.go.id/"');
    expect((r.steps.find((s) => s.id === 'packages')!.desired as { packages: string[] }).packages).toContain('chromium');
  });

  it('layers: lab profile package list, village override, then package vars', async () => {
    const recipe = await loadRecipe();
    const r = resolveRecipe(recipe, pkg('35.09.08.2003', { kiosk_listen: '127.101.0.7:8080' }), ref.byCode.get('35.09.08.2003'), { profile: 'lab' });
    expect((r.steps.find((s) => s.id === 'packages')!.desired as { packages: string[] }).packages).toEqual([
      'python3',
      'tzdata',
      'systemd-timesyncd',
      'openssh-server',
    ]);
    expect(r.vars.portal_url).toBe('https://puger.jemberkab.go.id/desa/mojosari/');
    expect(r.vars.kiosk_listen).toBe('127.101.0.7:8080');
  });

  it('an unknown profile or template variable is an error, never an empty string', async () => {
    const recipe = await loadRecipe();
    expect(() => resolveRecipe(recipe, pkg('35.09.13.2006'), undefined, { profile: 'nope' })).toThrow('no profile "nope"');
    expect(() => renderTemplate('x {{ nope }}', {}, 'f')).toThrow(RecipeError);
  });

  it('plans from facts; the ssh hardening waits for proven key login', async () => {
    const r = resolveRecipe(await loadRecipe(), pkg('35.09.13.2006'), undefined, { profile: 'lab' });
    const reqs = recipeFacts(r);
    // no fact read twice: one batched script
    expect(new Set(reqs.map((q) => q.key)).size).toBe(reqs.length);
    const failing: FactSource = {
      get: () => {
        throw new Error('no device');
      },
    };
    const planned = planDevice(r, failing, { keyLoginProven: false });
    expect(planned.find((p) => p.step.id === 'ssh-hardening')!.plan.status).toBe('skip');
    expect(planned.find((p) => p.step.id === 'hostname')!.plan).toMatchObject({ status: 'fail', reason: 'no device' });
  });
});

describe('recipe loading (invalid recipes as a table)', () => {
  const ok = 'name: kiosk\nversion: 1.0.0\nsteps:\n  - { id: a, title: A, kind: file, with: { path: /etc/a, source: files/a, mode: "0644" } }\n';
  it.each([
    ['missing recipe.yaml', null, {}, 'no recipe.yaml'],
    ['bad YAML', 'name: [', {}, 'recipe.yaml'],
    ['unknown step kind', 'name: kiosk\nversion: 1.0.0\nsteps:\n  - { id: a, title: A, kind: teleport }\n', {}, 'unknown step kind'],
    ['bad version', 'name: kiosk\nversion: one\nsteps: []\n', {}, 'version'],
    ['missing named file', ok, {}, 'file files/a named by the recipe is missing'],
    ['unknown override key', ok, { 'files/a': 'x', 'overrides/villages/35.09.13.2006.yaml': 'colour: red\n' }, '35.09.13.2006.yaml'],
    ['missing .deb', ok, { 'files/a': 'x', 'profiles/lab.yaml': 'debs: [{ name: x, version: "1", file: nope.deb }]\n' }, '.deb file'],
  ])('%s', async (_name, recipe, files, message) => {
    const dir = mkdtempSync(join(tmpdir(), 'jfleet-recipe-'));
    if (recipe !== null) writeFileSync(join(dir, 'recipe.yaml'), recipe);
    for (const [f, text] of Object.entries(files as Record<string, string>)) {
      mkdirSync(join(dir, f, '..'), { recursive: true });
      writeFileSync(join(dir, f), text);
    }
    await expect(loadRecipe(dir)).rejects.toThrow(message);
  });
});
