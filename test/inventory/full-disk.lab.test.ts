/**
 * A nearly full disk (root: a small tmpfs is mounted as the directory jfleet writes to). The
 * write(2) of a new inventory then comes back short or fails: jfleet must say so in one line and
 * exit 74 (storage failed), leaving the old file byte for byte and no temp file, never "registered" and exit 0.
 * Same for the fleet key: a full disk leaves no key file, and a retry after freeing space works.
 */
import { execa } from 'execa';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, statfsSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseInventory } from '../../src/inventory/load.js';
import type { Package } from '../../src/inventory/schema.js';
import { applyInventoryUpdate } from '../../src/inventory/store.js';
import { loadVillages } from '../../src/inventory/villages.js';
import { jfleet } from '../helpers/cli.js';
import { at } from '../helpers/at.js';

const ref = loadVillages();
const KiB = 1024;
const mounts: string[] = [];
const homes: string[] = [];

function newHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'jfleet-full-disk-'));
  homes.push(home);
  return home;
}

async function mountTmpfs(dir: string, size = '256k'): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await execa('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir]);
  mounts.push(dir);
}

afterEach(async () => {
  for (const dir of mounts.splice(0)) await execa('umount', [dir]);
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
});

const free = (dir: string) => {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
};

/** Fills the file system of `dir` until exactly `leave` bytes are free (tmpfs counts whole pages). */
function fillTo(dir: string, leave: number): string {
  const filler = join(dir, 'filler');
  writeFileSync(filler, Buffer.alloc(free(dir) - leave));
  expect(free(dir)).toBe(leave);
  return filler;
}

const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');

/** A real inventory of ~87 KB: one package in each reference village, written by the store itself. */
let fixture: string;
let fixtureDir: string;
afterAll(() => rmSync(fixtureDir, { recursive: true, force: true }));
beforeAll(async () => {
  const dir = (fixtureDir = mkdtempSync(join(tmpdir(), 'jfleet-full-disk-fixture-')));
  await applyInventoryUpdate(dir, (ps) => {
    ref.villages.slice(0, 236).forEach((v, i) => {
      const p: Package = {
        id: `kiosk-${i}`,
        village: v.code,
        address: `kiosk-${i}.desa.lan`,
        port: 22,
        user: 'root',
        hardware: { model: 'Intel NUC 11 Essential', serial: `SN-JBR-${hex(i, 6)}`, mac: `02:00:00:00:${hex(i >> 8, 2)}:${hex(i & 255, 2)}` },
        tags: ['ring-1', `district-${v.districtCode.replace(/\./g, '-')}`],
        hostKey: 'SHA256:' + Buffer.from(String(i).padStart(32, '0')).toString('base64').replace(/=+$/, ''),
        registeredAt: '2026-01-01T00:00:00.000Z',
      };
      ps.push(p);
    });
  });
  fixture = join(dir, 'packages.yaml');
  const size = statSync(fixture).size;
  expect(size).toBeGreaterThan(80 * KiB);
  expect(size).toBeLessThan(96 * KiB);
  expect(parseInventory(readFileSync(fixture, 'utf8'), 'x', ref).packages).toHaveLength(236);
});

const REGISTER = ['register', '--village', '35.09.13.2006', '--address', 'kiosk-new.lan', '--serial', 'SN-NEW', '--tag', 'ring-0'];

describe('register on a nearly full disk', () => {
  it.each([4, 16, 64])('with %i KiB free: one line naming the file, exit 74, packages.yaml byte-identical, no temp file', async (kib) => {
    const home = newHome();
    const inv = join(home, 'inventory');
    await mountTmpfs(inv);
    const file = join(inv, 'packages.yaml');
    cpSync(fixture, file);
    const before = readFileSync(file);
    const filler = fillTo(inv, kib * KiB);

    const r = await jfleet(REGISTER, { home });
    expect(r.exitCode).toBe(74);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`jfleet: error: cannot write ${file}: no space left on the device (ENOSPC); the file was not changed\n`);
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(readdirSync(inv).sort()).toEqual(['filler', 'packages.yaml']);

    // space freed: the same command now registers, on top of every package that was there
    unlinkSync(filler);
    const again = await jfleet(REGISTER, { home });
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(/^registered rambipuji-1: /);
    const ids = parseInventory(readFileSync(file, 'utf8'), 'x', ref).packages.map((p) => p.id);
    expect(ids).toHaveLength(237);
    expect(ids.at(-1)).toBe('rambipuji-1');
    expect(readdirSync(inv).sort()).toEqual(['packages.yaml']);
  });
});

describe('keys init on a full disk', () => {
  const keyFiles = (home: string) => (existsSync(join(home, 'keys')) ? readdirSync(join(home, 'keys')) : []);

  // 0 free: the private key cannot be written; 4 KiB: it can, the public half cannot
  it.each([0, 4])('with %i KiB free: exit 74, one line, no key file left; a retry after freeing space succeeds', async (kib) => {
    const home = newHome();
    await mountTmpfs(home);
    const filler = fillTo(home, kib * KiB);
    const priv = join(home, 'keys', 'fleet_ed25519');

    const r = await jfleet(['keys', 'init'], { home });
    expect(r.exitCode).toBe(74);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      new RegExp(`^jfleet: error: cannot write ${priv}(\\.pub)?: no space left on the device \\(ENOSPC\\); the file was not changed\\n$`),
    );
    expect(keyFiles(home)).toEqual([]);

    unlinkSync(filler);
    const again = await jfleet(['keys', 'init'], { home });
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toContain(`fleet key written: ${priv} (mode 0600)`);
    expect(keyFiles(home).sort()).toEqual(['fleet_ed25519', 'fleet_ed25519.pub']);
    expect(readFileSync(priv, 'utf8')).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n[\s\S]+-----END OPENSSH PRIVATE KEY-----\n$/);
    expect(statSync(priv).mode & 0o777).toBe(0o600);
    const show = await jfleet(['keys', 'show'], { home });
    expect(show.exitCode).toBe(0);
    expect(show.stdout).toContain(readFileSync(priv + '.pub', 'utf8').trim());
  });

  it('--force on a full disk keeps the old key pair byte for byte', async () => {
    const home = newHome();
    await mountTmpfs(home);
    expect((await jfleet(['keys', 'init'], { home })).exitCode).toBe(0);
    const priv = join(home, 'keys', 'fleet_ed25519');
    const old = [readFileSync(priv), readFileSync(priv + '.pub')];
    fillTo(home, 4 * KiB);

    const r = await jfleet(['keys', 'init', '--force'], { home });
    expect(r.exitCode).toBe(74);
    expect(r.stderr).toMatch(/^jfleet: error: cannot write .*fleet_ed25519(\.pub)?: no space left on the device \(ENOSPC\); the file was not changed\n$/);
    expect(readFileSync(priv).equals(at(old, 0))).toBe(true);
    expect(readFileSync(priv + '.pub').equals(at(old, 1))).toBe(true);
    expect(keyFiles(home).sort()).toEqual(['fleet_ed25519', 'fleet_ed25519.pub']);
  });
});
