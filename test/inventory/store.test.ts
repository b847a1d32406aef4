import { existsSync, mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { parseInventory } from '../../src/inventory/load.js';
import type { Package } from '../../src/inventory/schema.js';
import { applyInventoryUpdate, inventoryLockFile, updateInventory } from '../../src/inventory/store.js';
import { acquireLockFile } from '../../src/store/lock.js';
import { loadVillages } from '../../src/inventory/villages.js';
import { at } from '../helpers/at.js';

const ref = loadVillages();
const original = `# Fleet of the Rambipuji pilot. Reviewed in git.
packages:
  # the first kiosk, in the village hall
  - id: rambipuji-1   # do not rename: on the asset sticker
    village: 35.09.13.2006
    address: 127.0.0.11
    tags: [ring-0]    # canary
    registeredAt: 2026-01-01T00:00:00Z
  # second kiosk
  - id: rambipuji-2
    village: 35.09.13.2006
    address: 127.0.0.12
    registeredAt: 2026-01-01T00:00:00Z
`;

function fresh(text = original): string {
  const dir = mkdtempSync(join(tmpdir(), 'jfleet-store-'));
  writeFileSync(join(dir, 'packages.yaml'), text);
  return dir;
}
const read = (dir: string) => readFileSync(join(dir, 'packages.yaml'), 'utf8');
const pkg = (id: string, address: string): Package => ({
  id,
  village: '35.09.01.2003',
  address,
  port: 22,
  user: 'root',
  hardware: {},
  tags: [],
  registeredAt: '2026-02-02T00:00:00.000Z',
});

describe('updateInventory', () => {
  it('keeps comments and order of untouched entries when adding', async () => {
    const dir = fresh();
    await updateInventory(dir, (ps) => {
      ps.push(pkg('jombang-1', '127.0.0.20'));
    });
    const text = read(dir);
    // untouched entries keep their content and comments (only the spacing before an inline comment is normalised)
    const squeeze = (s: string) => s.replace(/ +#/g, ' #');
    expect(squeeze(text).startsWith(squeeze(original))).toBe(true);
    for (const c of ['# Fleet of the Rambipuji pilot', '# the first kiosk', '# do not rename', '# canary', '# second kiosk']) expect(text).toContain(c);
    const ids = parseInventory(text, 'x', ref).packages.map((p) => p.id);
    expect(ids).toEqual(['rambipuji-1', 'rambipuji-2', 'jombang-1']);
  });

  it('changes only the edited key of an entry (host-key pinning)', async () => {
    const dir = fresh();
    await updateInventory(dir, (ps) => {
      at(ps, 1).hostKey = 'SHA256:' + 'B'.repeat(43);
    });
    const text = read(dir);
    expect(text).toContain('# second kiosk');
    expect(text).toContain('# do not rename: on the asset sticker');
    expect(text).toMatch(
      /id: rambipuji-2\n {4}village: 35.09.13.2006\n {4}address: 127.0.0.12\n {4}registeredAt: 2026-01-01T00:00:00Z\n {4}hostKey: SHA256:B{43}\n/,
    );
    // the first entry is byte-for-byte what it was
    const squeeze = (s: string) => s.replace(/ +#/g, ' #');
    expect(squeeze(at(text.split('  # second kiosk'), 0))).toBe(squeeze(at(original.split('  # second kiosk'), 0)));
  });

  it('removes an entry and leaves the others alone', async () => {
    const dir = fresh();
    await updateInventory(dir, (ps) => ps.filter((p) => p.id !== 'rambipuji-1'));
    const text = read(dir);
    expect(text).toContain('# Fleet of the Rambipuji pilot');
    expect(parseInventory(text, 'x', ref).packages.map((p) => p.id)).toEqual(['rambipuji-2']);
  });

  it('writes nothing when nothing changes', async () => {
    const dir = fresh();
    const r = await applyInventoryUpdate(dir, () => undefined);
    expect(r.written).toBe(false);
    expect(read(dir)).toBe(original);
  });

  it('creates a new inventory with a header comment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jfleet-store-'));
    await updateInventory(join(dir, 'inv'), (ps) => [...ps, pkg('jombang-1', '127.0.0.20')]);
    const text = readFileSync(join(dir, 'inv', 'packages.yaml'), 'utf8');
    expect(text).toMatch(/^# jfleet inventory/);
    expect(parseInventory(text, 'x', ref).packages.map((p) => p.id)).toEqual(['jombang-1']);
  });

  it.each([
    ['a hostile address', (ps: Package[]) => [...ps, pkg('x-1', '127.0.0.1;reboot')], 'packages[2].address'],
    ['a duplicate address', (ps: Package[]) => [...ps, pkg('x-1', '127.0.0.11')], 'packages[2].address'],
    ['an unknown village', (ps: Package[]) => [...ps, { ...pkg('x-1', '127.0.0.30'), village: '35.09.13.2999' }], 'packages[2].village'],
    ['a path in an id', (ps: Package[]) => [...ps, pkg('../x', '127.0.0.30')], 'packages[2].id'],
  ])('refuses %s before writing, leaving the file untouched', async (_name, fn, field) => {
    const dir = fresh();
    const err = await applyInventoryUpdate(dir, fn).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).issues.map((i) => i.field)).toContain(field);
    expect(read(dir)).toBe(original);
    expect(readdirSync(dir).filter((f) => f !== 'packages.yaml')).toEqual([]); // no temp or lock left
  });

  it('refuses to edit an inventory that is already broken', async () => {
    const dir = fresh('packages:\n  - id: [\n');
    await expect(updateInventory(dir, () => undefined)).rejects.toBeInstanceOf(InputError);
    expect(read(dir)).toBe('packages:\n  - id: [\n');
  });

  it('serialises concurrent writers in one process: all land', async () => {
    const dir = fresh();
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        updateInventory(dir, (ps) => {
          ps.push(pkg(`c-${i}`, `127.0.1.${i + 1}`));
        }),
      ),
    );
    const ids = parseInventory(read(dir), 'x', ref).packages.map((p) => p.id);
    expect(ids.slice(0, 2)).toEqual(['rambipuji-1', 'rambipuji-2']);
    expect(ids.slice(2).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `c-${i}`).sort());
  });
});

describe('updateInventory: reach', () => {
  const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';
  it('refuses an edit that leaves a tunnelled package without a bastion of bastions.yaml (the next load would refuse the file)', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'bastions.yaml'), `bastions:\n  - { id: bastion-jember, address: b.example, hostKey: "${key}" }\n`);
    const tunnel = (bastion: string) => (ps: Package[]) => [...ps, { ...pkg('kiosk-x', '10.20.0.9'), reach: 'tunnel' as const, bastion }];
    const err = await updateInventory(dir, tunnel('bastion-x')).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).issues[0]?.message).toBe(`unknown bastion "bastion-x" (${join(dir, 'bastions.yaml')} defines: bastion-jember)`);
    expect(read(dir)).toBe(original);
    await updateInventory(dir, tunnel('bastion-jember'));
    expect(parseInventory(read(dir), join(dir, 'packages.yaml'), ref).issues).toEqual([]);
    expect(read(dir)).toContain('    reach: tunnel\n    bastion: bastion-jember\n');
  });
});

describe('the inventory lock', () => {
  it('lives beside packages.yaml (an inventory may serve several homes): a writer waits for its holder', async () => {
    const dir = fresh();
    expect(inventoryLockFile(join(dir, 'packages.yaml'))).toBe(join(dir, '.packages.yaml.lock'));
    const held = await acquireLockFile(join(dir, '.packages.yaml.lock'), 'other home');
    let landed = false;
    const write = updateInventory(dir, (ps) => [...ps, pkg('w-1', '127.0.3.1')]).then(() => (landed = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(landed).toBe(false);
    expect(read(dir)).toBe(original);
    await held.release();
    await write;
    expect(parseInventory(read(dir), 'x', ref).packages.map((p) => p.id)).toEqual(['rambipuji-1', 'rambipuji-2', 'w-1']);
    expect(existsSync(join(dir, '.packages.yaml.lock'))).toBe(false);
  });

  it('a lock left by a writer that died is taken over at once', async () => {
    const dir = fresh();
    const dead = spawnSync('true').pid!;
    writeFileSync(join(dir, '.packages.yaml.lock'), JSON.stringify({ pid: dead, host: hostname(), since: '2026-01-01T00:00:00.000Z' }));
    const t0 = Date.now();
    await updateInventory(dir, (ps) => [...ps, pkg('w-1', '127.0.3.1')]);
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(readdirSync(dir)).toEqual(['packages.yaml']);
  });
});

describe('updateInventory under a burst', () => {
  it('200 edits from one process (host keys pinned as a fleet connects) all land', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jfleet-store-'));
    await updateInventory(dir, () => Array.from({ length: 200 }, (_, i) => pkg(`k-${i}`, `127.0.3.${i + 1}`)));
    const key = (i: number) => 'SHA256:' + String(i).padStart(43, 'A');
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        updateInventory(dir, (ps) => {
          ps.find((p) => p.id === `k-${i}`)!.hostKey = key(i);
        }),
      ),
    );
    const got = parseInventory(read(dir), 'x', ref).packages;
    expect(got.length).toBe(200);
    expect(got.every((p, i) => p.hostKey === key(i))).toBe(true);
  }, 120_000);
});

describe('updateInventory: a bad edit in a burst', () => {
  it('is refused alone; the edits around it land', async () => {
    const dir = fresh();
    const results = await Promise.allSettled([
      updateInventory(dir, (ps) => [...ps, pkg('ok-1', '127.0.4.1')]),
      updateInventory(dir, (ps) => [...ps, pkg('bad-1', '127.0.0.11')]), // address of rambipuji-1
      updateInventory(dir, () => {
        throw new Error('caller failed');
      }),
      updateInventory(dir, (ps) => [...ps, pkg('ok-2', '127.0.4.2')]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect(at(((results[1] as PromiseRejectedResult).reason as InputError).issues, 0).message).toContain('duplicate address 127.0.0.11:22');
    expect(((results[2] as PromiseRejectedResult).reason as Error).message).toBe('caller failed');
    expect(parseInventory(read(dir), 'x', ref).packages.map((p) => p.id)).toEqual(['rambipuji-1', 'rambipuji-2', 'ok-1', 'ok-2']);
    expect(read(dir)).toContain('# do not rename');
  });
});
