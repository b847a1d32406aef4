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
const loadedRecipe = await loadRecipe();

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

  it('is the cage + chromium kiosk: what Debian 12 needs, no X, locked-down policy, stand-in off', async () => {
    const r = resolveRecipe(await loadRecipe(), pkg('35.09.13.2006'), ref.byCode.get('35.09.13.2006'));
    const apt = r.steps.find((s) => s.id === 'packages')!.desired as { packages: string[]; remove: string[] };
    expect(apt.packages).toEqual(expect.arrayContaining(['cage', 'chromium', 'xwayland', 'polkitd', 'dbus', 'libpam-systemd', 'grim']));
    expect(apt.packages).not.toEqual(expect.arrayContaining(['lightdm']));
    expect(apt.remove).toEqual(expect.arrayContaining(['lightdm', 'xinit', 'xserver-xorg-core']));
    const content = (id: string) => (r.steps.find((s) => s.id === id)!.desired as { content: string }).content;
    const unit = content('kiosk-unit');
    for (const l of ['User=kiosk', 'PAMName=jfleet-kiosk', 'TTYPath=/dev/tty1', 'Restart=always', 'StartLimitIntervalSec=0', 'Conflicts=getty@tty1.service'])
      expect(unit).toContain(l);
    expect(r.steps.map((s) => s.id)).not.toContain('autologin-getty');
    const policy = JSON.parse(content('kiosk-policy')) as Record<string, unknown>;
    expect(policy.URLBlocklist).toEqual(['*']);
    expect(policy.URLAllowlist).toEqual(expect.arrayContaining(['https://35-09-13-2006.layanan.jemberkab.go.id', 'http://127.0.0.1:8080']));
    expect(policy.VideoCaptureAllowedUrls).toEqual(['https://35-09-13-2006.layanan.jemberkab.go.id']);
    expect(policy).toMatchObject({ TranslateEnabled: false, PasswordManagerEnabled: false, DownloadRestrictions: 3 });
    expect(content('kiosk-env')).toContain('KIOSK_STAND_IN="no"');
    expect(content('kiosk-program')).toContain('--remote-debugging-port=9222');
  });

  it('only the lab profile turns the stand-in browser on', async () => {
    const recipe = await loadRecipe();
    const lab = resolveRecipe(recipe, { ...pkg('35.09.13.2006'), tags: ['lab'] }, ref.byCode.get('35.09.13.2006'));
    expect((lab.steps.find((s) => s.id === 'kiosk-env')!.desired as { content: string }).content).toContain('KIOSK_STAND_IN="yes"');
  });

  it.each([
    ['http://portal.desa.example/', /must be an https URL \(the camera needs a secure page/],
    ['http://10.0.0.5:8080/', /must be an https URL/],
    ['ftp://x/', /must be an https URL/],
  ])('refuses the portal %s (not a secure origin)', async (url, re) => {
    expect(() => resolveRecipe(loadedRecipe, pkg('35.09.13.2006', { portal_url: url }), undefined)).toThrow(re);
  });

  it.each(['http://localhost:8080/', 'http://127.0.0.1/portal', 'https://10.0.0.5/', 'http://198.18.0.3:8080/'])('accepts the portal %s', async (url) => {
    expect(resolveRecipe(loadedRecipe, pkg('35.09.13.2006', { portal_url: url }), undefined).vars['portal_url.origin']).toBe(new URL(url).origin);
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
