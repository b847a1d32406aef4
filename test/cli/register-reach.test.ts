/**
 * How a package is reached, set by jfleet register (issue 11's reach: tunnel + bastion), through
 * the built binary: flags, CSV import and --dry-run. The wizard's question is in
 * register-wizard.test.ts.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseInventory } from '../../src/inventory/load.js';
import { loadVillages } from '../../src/inventory/villages.js';
import { jfleet, tempHome } from '../helpers/cli.js';

const ref = loadVillages();
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';
const ID = { LANG: 'id_ID.UTF-8' };

/** A home whose inventory holds packages.yaml (when given) and a bastions.yaml with these bastions (when given). */
function home(opts: { packages?: string; bastions?: string[] } = {}) {
  const h = tempHome('jfleet-reg-reach-');
  const inv = join(h, 'inventory');
  mkdirSync(inv, { recursive: true });
  if (opts.packages !== undefined) writeFileSync(join(inv, 'packages.yaml'), opts.packages);
  if (opts.bastions !== undefined) {
    const list = opts.bastions.map((id) => `  - { id: ${id}, address: ${id}.jemberkab.go.id, hostKey: "${KEY}" }\n`).join('');
    writeFileSync(join(inv, 'bastions.yaml'), opts.bastions.length ? `bastions:\n${list}` : 'bastions: []\n');
  }
  const file = join(inv, 'packages.yaml');
  return { home: h, inv, file, bastionsFile: join(inv, 'bastions.yaml'), text: () => (existsSync(file) ? readFileSync(file, 'utf8') : undefined) };
}

// as the yaml library writes comments (one space before #), so "untouched" can mean byte for byte
const BEFORE = `# Rambipuji pilot. Reviewed in git.
packages:
  # the village hall
  - id: rambipuji-1 # on the asset sticker
    village: 35.09.13.2006
    address: 10.20.0.11
    tags: [ring-0] # canary
    registeredAt: 2026-01-01T00:00:00Z
`;

const NEW = ['register', '--village', '35.09.01.2003', '--address', '10.20.0.15', '--serial', 'SN7', '--tag', 'ring-1'];
const stamp = (s: string | undefined) => s?.replace(/registeredAt: \S+/g, 'registeredAt: T');

describe('jfleet register --reach / --bastion', () => {
  it('--bastion: packages.yaml gains reach: tunnel and bastion, the file otherwise byte-identical to a direct registration', async () => {
    const tunnel = home({ packages: BEFORE, bastions: ['bastion-jember'] });
    const direct = home({ packages: BEFORE, bastions: ['bastion-jember'] });
    const r = await jfleet([...NEW, '--bastion', 'bastion-jember'], { home: tunnel.home });
    expect(r).toEqual({
      exitCode: 0,
      stdout: 'registered jombang-1: Jombang, Jombang (35.09.01.2003) at 10.20.0.15:22, reached through its tunnel to bastion bastion-jember\n',
      stderr: '',
    });
    expect((await jfleet(NEW, { home: direct.home })).exitCode).toBe(0);
    const withReach = tunnel.text()!;
    expect(withReach.startsWith(BEFORE)).toBe(true); // the entry already there, its comments and order untouched
    expect(withReach.match(/^ {4}reach: tunnel\n {4}bastion: bastion-jember\n/gm)).toHaveLength(1);
    expect(stamp(withReach.replace('    reach: tunnel\n    bastion: bastion-jember\n', ''))).toBe(stamp(direct.text()));
    expect(parseInventory(withReach, tunnel.file, ref).packages.at(-1)).toMatchObject({ id: 'jombang-1', reach: 'tunnel', bastion: 'bastion-jember' });
    // the loader (every command) accepts what register wrote
    expect((await jfleet(['inventory', 'check'], { home: tunnel.home })).exitCode).toBe(0);
    // the same registration again: already registered, nothing changes
    const again = await jfleet([...NEW, '--reach', 'tunnel'], { home: tunnel.home });
    expect(again).toMatchObject({ exitCode: 0, stdout: 'already registered as jombang-1; nothing changed\n' });
    expect(tunnel.text()).toBe(withReach);
  });

  it('--reach tunnel alone takes the only bastion; --reach direct writes no reach at all', async () => {
    const h = home({ bastions: ['bastion-jember'] });
    const r = await jfleet(['register', '--village', '35.09.13.2006', '--address', '10.20.0.15', '--reach', 'tunnel'], { home: h.home });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('reached through its tunnel to bastion bastion-jember');
    const d = await jfleet(['register', '--village', '35.09.13.2006', '--address', '10.20.0.16', '--reach', 'direct'], { home: h.home });
    expect(d).toMatchObject({ exitCode: 0, stdout: 'registered rambipuji-2: Rambipuji, Rambipuji (35.09.13.2006) at 10.20.0.16:22\n' });
    expect(parseInventory(h.text()!, h.file, ref).packages.map((p) => [p.id, p.reach, p.bastion])).toEqual([
      ['rambipuji-1', 'tunnel', 'bastion-jember'],
      ['rambipuji-2', undefined, undefined],
    ]);
  });

  it('--dry-run shows reach and bastion, writes nothing', async () => {
    const h = home({ packages: BEFORE, bastions: ['bastion-jember'] });
    const r = await jfleet([...NEW, '--reach', 'tunnel', '--dry-run'], { home: h.home });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('dry run: would add 1 package(s)');
    expect(r.stdout).toMatch(/^ {4}reach: tunnel\n {4}bastion: bastion-jember\n/m);
    expect(h.text()).toBe(BEFORE);
  });

  const refused: Array<[string, { bastions?: string[] }, string[], (h: ReturnType<typeof home>) => string]> = [
    [
      'an unknown bastion',
      { bastions: ['bastion-jember'] },
      ['--bastion', 'bastion-x'],
      (h) => `--bastion: unknown bastion "bastion-x" (${h.bastionsFile} defines: bastion-jember)`,
    ],
    [
      'an unknown bastion, no bastions.yaml',
      {},
      ['--bastion', 'bastion-x'],
      (h) => `--bastion: bastion "bastion-x" is not defined: ${h.bastionsFile} does not exist`,
    ],
    [
      '--reach tunnel with several bastions',
      { bastions: ['bastion-jember', 'bastion-puger'] },
      ['--reach', 'tunnel'],
      (h) => `--bastion: reach: tunnel needs a bastion: ${h.bastionsFile} defines several (bastion-jember, bastion-puger); name one`,
    ],
    [
      '--reach tunnel with no bastion defined',
      { bastions: [] },
      ['--reach', 'tunnel'],
      (h) => `--bastion: reach: tunnel needs a bastion, and ${h.bastionsFile} defines none (docs/reach.md)`,
    ],
    [
      '--reach tunnel with no bastions.yaml',
      {},
      ['--reach', 'tunnel'],
      (h) => `--bastion: reach: tunnel needs a bastion, and ${h.bastionsFile} does not exist (docs/reach.md)`,
    ],
    [
      '--jump with --reach tunnel',
      { bastions: ['bastion-jember'] },
      ['--reach', 'tunnel', '--jump', 'gw.example'],
      () => '--jump: a tunnelled package is reached through its bastion, not a jump host: remove jump or set reach: direct',
    ],
    [
      '--jump with --bastion',
      { bastions: ['bastion-jember'] },
      ['--bastion', 'bastion-jember', '--jump', 'rambipuji-1'],
      () => '--jump: a tunnelled package is reached through its bastion, not a jump host: remove jump or set reach: direct',
    ],
    [
      '--bastion with --reach direct',
      { bastions: ['bastion-jember'] },
      ['--reach', 'direct', '--bastion', 'bastion-jember'],
      () => '--bastion: bastion is used only with reach: tunnel',
    ],
    ['a --reach that is neither', { bastions: ['bastion-jember'] }, ['--reach', 'nat'], () => '--reach: must be direct or tunnel'],
  ];
  for (const [name, setup, flags, message] of refused) {
    it(`refuses ${name}: one error line, exit 2, nothing written`, async () => {
      const h = home({ packages: BEFORE, ...setup });
      const r = await jfleet([...NEW, ...flags], { home: h.home });
      expect(r).toEqual({ exitCode: 2, stdout: '', stderr: `jfleet: error: ${message(h)}\njfleet: hint: nothing was written\n` });
      expect(h.text()).toBe(BEFORE);
    });
  }

  it('says it in Indonesian, the same one line and exit', async () => {
    const h = home({ packages: BEFORE, bastions: ['bastion-jember', 'bastion-puger'] });
    const r = await jfleet([...NEW, '--reach', 'tunnel'], { home: h.home, env: ID });
    expect(r).toEqual({
      exitCode: 2,
      stdout: '',
      stderr: `jfleet: kesalahan: --bastion: reach: tunnel butuh host lompatan: ${h.bastionsFile} mendefinisikan beberapa (bastion-jember, bastion-puger); sebutkan salah satunya\njfleet: saran: tidak ada yang ditulis\n`,
    });
    const ok = await jfleet([...NEW, '--bastion', 'bastion-puger'], { home: h.home, env: ID });
    expect(ok.stdout).toBe(
      'jombang-1 terdaftar: Jombang, Jombang (35.09.01.2003) di 10.20.0.15:22, dijangkau lewat terowongannya ke host lompatan bastion-puger\n',
    );
  });

  it('a registered package named again with another reach is refused, never overwritten', async () => {
    const h = home({ packages: BEFORE, bastions: ['bastion-jember'] });
    await jfleet([...NEW, '--bastion', 'bastion-jember'], { home: h.home });
    const before = h.text();
    const r = await jfleet([...NEW, '--reach', 'direct'], { home: h.home });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('--reach: package jombang-1 is already registered with a different reach, bastion; remove it first');
    expect(h.text()).toBe(before);
  });

  it('a broken bastions.yaml stops a registration that names a bastion (located), not one that does not', async () => {
    const h = home({ packages: BEFORE });
    writeFileSync(h.bastionsFile, 'bastions:\n  - { id: bastion-jember, address: b.example, hostKey: not-a-key }\n');
    const r = await jfleet([...NEW, '--bastion', 'bastion-jember'], { home: h.home });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(`^jfleet: error: ${h.bastionsFile.replace(/[.]/g, '\\.')}:2 bastions\\[0\\]\\.hostKey: must be an OpenSSH public key line`),
    );
    expect(h.text()).toBe(BEFORE);
    expect((await jfleet(NEW, { home: h.home })).exitCode).toBe(0);
  });

  it('--from does not take --reach or --bastion (the columns do)', async () => {
    const h = home({ bastions: ['bastion-jember'] });
    const r = await jfleet(['register', '--from', '/nonexistent.csv', '--bastion', 'bastion-jember'], { home: h.home });
    expect(r).toEqual({ exitCode: 2, stdout: '', stderr: 'jfleet: error: --from imports a file; do not combine it with --bastion\n' });
  });
});

describe('jfleet register --from: the reach and bastion columns', () => {
  const CSV = `village,address,jump,reach,bastion
35.09.13.2006,10.20.0.1,,tunnel,bastion-jember
35.09.13.2006,10.20.0.2,,,bastion-puger
35.09.13.2006,10.20.0.3,,direct,
35.09.13.2006,10.20.0.4,,,
35.09.13.2006,10.20.0.5,,Tunnel,
35.09.13.2006,10.20.0.6,,tunnel,bastion-x
35.09.13.2006,10.20.0.7,gw.example,tunnel,bastion-jember
35.09.13.2006,10.20.0.8,,nat,
35.09.13.2006,10.20.0.9,,direct,bastion-jember
`;
  function csv(text: string) {
    const dir = mkdtempSync(join(tmpdir(), 'jfleet-csv-reach-'));
    const file = join(dir, 'packages.csv');
    writeFileSync(file, text);
    return { dir, file };
  }

  it('every bad row with its line and field, exit 2, nothing written', async () => {
    const h = home({ bastions: ['bastion-jember', 'bastion-puger'] });
    const { file } = csv(CSV);
    const r = await jfleet(['register', '--from', file], { home: h.home });
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').filter((l) => l.startsWith('jfleet: error:'))).toEqual([
      `jfleet: error: ${file}:6 bastion: reach: tunnel needs a bastion: ${h.bastionsFile} defines several (bastion-jember, bastion-puger); name one`,
      `jfleet: error: ${file}:7 bastion: unknown bastion "bastion-x" (${h.bastionsFile} defines: bastion-jember, bastion-puger)`,
      `jfleet: error: ${file}:8 jump: a tunnelled package is reached through its bastion, not a jump host: remove jump or set reach: direct`,
      `jfleet: error: ${file}:9 reach: must be direct or tunnel`,
      `jfleet: error: ${file}:10 bastion: bastion is used only with reach: tunnel`,
    ]);
    expect(r.stderr).toContain('nothing was written');
    expect(h.text()).toBeUndefined();
  });

  it('--skip-invalid imports the good rows with their reach, rejects the others to a file; importing again changes nothing', async () => {
    const h = home({ bastions: ['bastion-jember', 'bastion-puger'] });
    const { dir, file } = csv(CSV);
    const rejected = join(dir, 'rejected.csv');
    const r = await jfleet(['register', '--from', file, '--skip-invalid', '--rejected', rejected], { home: h.home });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(': 4 added, 0 already registered, 5 rejected');
    expect(parseInventory(h.text()!, h.file, ref).packages.map((p) => [p.address, p.reach, p.bastion])).toEqual([
      ['10.20.0.1', 'tunnel', 'bastion-jember'],
      ['10.20.0.2', 'tunnel', 'bastion-puger'],
      ['10.20.0.3', undefined, undefined],
      ['10.20.0.4', undefined, undefined],
    ]);
    const [sep, ...lines] = readFileSync(rejected, 'utf8').trimEnd().split('\n');
    expect(sep).toBe('sep=,');
    expect(lines[0]).toBe('village,address,jump,reach,bastion,error');
    expect(lines.slice(1).map((l) => l.split(',')[1])).toEqual(['10.20.0.5', '10.20.0.6', '10.20.0.7', '10.20.0.8', '10.20.0.9']);
    expect(lines[4]).toBe('35.09.13.2006,10.20.0.8,,nat,,reach: must be direct or tunnel');
    expect((await jfleet(['inventory', 'check'], { home: h.home })).exitCode).toBe(0);
    const first = h.text();
    const again = await jfleet(['register', '--from', file, '--skip-invalid', '--rejected', rejected], { home: h.home });
    expect(again.stdout).toContain(': 0 added, 4 already registered, 5 rejected');
    expect(h.text()).toBe(first);
  });

  it('a reach column in a CSV with one bastion: tunnel takes it (--dry-run shows it)', async () => {
    const h = home({ bastions: ['bastion-jember'] });
    const { file } = csv('village,address,reach\n35.09.13.2006,10.20.0.1,tunnel\n35.09.13.2006,10.20.0.2,\n');
    const r = await jfleet(['register', '--from', file, '--dry-run'], { home: h.home });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('dry run: would add 2 package(s)');
    expect(r.stdout.match(/^ {4}reach: tunnel\n {4}bastion: bastion-jember\n/gm)).toHaveLength(1);
    expect(h.text()).toBeUndefined();
  });
});
