/** The recipe's apt proxy: a village office's caching proxy (the booted tier's too), written before any package is fetched. */
import { describe, expect, it } from 'vitest';
import type { Package } from '../../src/inventory/schema.js';
import { loadVillages } from '../../src/inventory/villages.js';
import { loadRecipe } from '../../src/provision/recipe-load.js';
import { resolveRecipe } from '../../src/provision/recipe.js';
import { testPackage } from '../helpers/package.js';

function pkg(vars?: Record<string, string>): Package {
  return testPackage({ vars });
}
const ref = loadVillages();
const recipe = await loadRecipe();
const resolve = (vars?: Record<string, string>) => resolveRecipe(recipe, pkg(vars), ref.byCode.get('35.09.13.2006'));
const proxyFile = (vars?: Record<string, string>) => {
  const r = resolve(vars);
  const ids = r.steps.map((s) => s.id);
  // before the packages step, so the first apt-get already goes through it
  expect(ids.indexOf('apt-proxy')).toBeLessThan(ids.indexOf('packages'));
  return r.steps.find((s) => s.id === 'apt-proxy')?.desired as { path: string; content: string };
};

describe('apt proxy', () => {
  it('is none by default (DIRECT), and the inventory entry can name one', () => {
    expect(proxyFile().path).toBe('/etc/apt/apt.conf.d/30jfleet-proxy');
    expect(proxyFile().content).toContain('Acquire::http::Proxy "DIRECT";');
    expect(proxyFile({ apt_proxy: 'http://198.18.0.100:3142' }).content).toContain('Acquire::http::Proxy "http://198.18.0.100:3142";');
  });

  it.each([['http://proxy:3142"; Acquire::https::Verify-Peer "false'], ['https://proxy:3142'], ['proxy:3142'], ['http://user:pw@proxy:3142'], ['']])(
    'refuses %j with a message naming the variable and the entry',
    (v) => {
      expect(() => resolve({ apt_proxy: v })).toThrow(
        /variable apt_proxy = .* must be DIRECT or an http:\/\/host:port apt proxy \(from the inventory entry of desa-1\)/,
      );
    },
  );
});
