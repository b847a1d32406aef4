import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError, UserError } from '../../src/errors.js';
import { loadSelection, readFailed, recordFailed } from '../../src/inventory/service.js';
import { configReader } from '../../src/config/config.js';
import { at } from '../helpers/at.js';

const FLEET = readFileSync(new URL('../fixtures/inventory/selectors/packages.yaml', import.meta.url), 'utf8');

function setup(text = FLEET) {
  const home = mkdtempSync(join(tmpdir(), 'jfleet-svc-'));
  const inv = join(home, 'fleet');
  mkdirSync(inv);
  writeFileSync(join(inv, 'packages.yaml'), text);
  const env = { JFLEET_INVENTORY: inv } as Record<string, string>;
  return { home, inv, ctx: { cwd: home, home, env, config: configReader({ home, env }) } };
}

describe('loadSelection', () => {
  it('resolves the inventory, validates it and applies the selector', async () => {
    const { ctx, inv } = setup();
    const sel = await loadSelection(ctx, { limit: 'Rambipuji & tag:ring-1' });
    expect(sel.dir).toBe(inv);
    expect(sel.packages.map((p) => p.id)).toEqual(['rambipuji-2', 'curahmalang-1']);
    expect(sel.ref.villages.length).toBe(248);
    expect((await loadSelection(ctx, {})).packages.length).toBe(8);
  });
  it('the --inventory flag wins over the environment', async () => {
    const a = setup();
    const b = setup(FLEET.split('  - id: rambipuji-2')[0]);
    const sel = await loadSelection(a.ctx, { inventory: b.inv });
    expect(sel.packages.map((p) => p.id)).toEqual(['rambipuji-1']);
  });
  it('@failed reads what recordFailed wrote (0600, sorted, unique)', async () => {
    const { ctx, home } = setup();
    expect(readFailed(ctx)).toEqual([]);
    await recordFailed(ctx, ['silo-sidomulyo-1', 'rambipuji-2', 'rambipuji-2']);
    const file = join(home, 'state', 'last-failed.json');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(['rambipuji-2', 'silo-sidomulyo-1']);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect((await loadSelection(ctx, { limit: '@failed' })).packages.map((p) => p.id)).toEqual(['rambipuji-2', 'silo-sidomulyo-1']);
    await recordFailed(ctx, []);
    expect((await loadSelection(ctx, { limit: '@failed' })).packages).toEqual([]);
  });
  it('a bad inventory is an InputError with file:line', async () => {
    const { ctx, inv } = setup(FLEET.replace('address: 127.0.0.12', 'address: "127.0.0.12 && reboot"'));
    const err = await loadSelection(ctx, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).issues[0]).toMatchObject({ file: join(inv, 'packages.yaml'), line: 10, field: 'packages[1].address' });
  });
  it('a missing inventory says how to make one', async () => {
    const home = mkdtempSync(join(tmpdir(), 'jfleet-svc-'));
    const err = await loadSelection({ cwd: home, home, env: {}, config: configReader({ home, env: {} }) }, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toBe(`no inventory at ${join(home, 'inventory')} (no packages.yaml)`);
  });
  it('a bad selector is an InputError on --limit', async () => {
    const { ctx } = setup();
    const err = await loadSelection(ctx, { limit: 'tag:ring-0 &' }).catch((e: unknown) => e);
    expect(at((err as InputError).issues, 0).field).toBe('--limit');
  });
});
