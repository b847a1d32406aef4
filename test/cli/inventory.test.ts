import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jfleet, tempHome } from '../helpers/cli.js';

const FLEET = `# test fleet
packages:
  - id: rambipuji-1
    village: 35.09.13.2006
    address: 127.0.0.11
    tags: [ring-0]
    custodian: { name: Bu Siti, phone: "+62 812 1111 2222" }
    registeredAt: 2026-01-01T00:00:00Z
  - id: rambipuji-2
    village: 35.09.13.2006
    address: 127.0.0.12
    tags: [ring-1]
    registeredAt: 2026-01-01T00:00:00Z
  - id: jombang-1
    village: 35.09.01.2003
    address: 127.0.0.12
    port: 2222
    registeredAt: 2026-01-01T00:00:00Z
`;

function fleet(text = FLEET): string {
  const home = tempHome();
  mkdirSync(join(home, 'inventory'));
  writeFileSync(join(home, 'inventory', 'packages.yaml'), text);
  return home;
}
const file = (home: string) => join(home, 'inventory', 'packages.yaml');

describe('jfleet inventory list', () => {
  it('lists every package as a table', async () => {
    const r = await jfleet(['inventory', 'list'], { home: fleet() });
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^ID\s+VILLAGE\s+DISTRICT\s+ADDRESS\s+TAGS\s+HOSTKEY$/);
    expect(r.stdout).toMatch(/rambipuji-1\s+Rambipuji\s+Rambipuji\s+127\.0\.0\.11:22\s+ring-0\s+-/);
    expect(r.stdout).toContain('3 of 3 package(s)');
    expect(r.stdout).not.toContain('Siti');
  });
  it('--limit and --json select with the shared grammar', async () => {
    const home = fleet();
    const r = await jfleet(['inventory', 'list', '--limit', 'Rambipuji & !tag:ring-0', '--json'], { home });
    expect(r.exitCode).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.map((p: { id: string }) => p.id)).toEqual(['rambipuji-2']);
    expect(out[0]).toMatchObject({ village: '35.09.13.2006', villageName: 'Rambipuji', district: 'Rambipuji', address: '127.0.0.12', port: 22 });
    const byCode = await jfleet(['inventory', 'list', '-l', '35.09.01', '--json'], { home });
    expect(JSON.parse(byCode.stdout).map((p: { id: string }) => p.id)).toEqual(['jombang-1']);
  });
  it('--inventory and JFLEET_INVENTORY pick the directory', async () => {
    const home = fleet();
    const other = tempHome();
    const viaFlag = await jfleet(['--inventory', join(home, 'inventory'), 'inventory', 'list', '--json'], { home: other });
    expect(JSON.parse(viaFlag.stdout).length).toBe(3);
    const viaEnv = await jfleet(['inventory', 'list', '--json'], { home: other, env: { JFLEET_INVENTORY: join(home, 'inventory') } });
    expect(JSON.parse(viaEnv.stdout).length).toBe(3);
    await jfleet(['config', 'set', 'inventory', join(home, 'inventory')], { home: other });
    const viaConfig = await jfleet(['inventory', 'list', '--json'], { home: other });
    expect(JSON.parse(viaConfig.stdout).length).toBe(3);
  });
  it('a bad selector is one located error, exit 2', async () => {
    const r = await jfleet(['inventory', 'list', '--limit', 'Rambipuji;reboot'], { home: fleet() });
    expect(r.exitCode).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('jfleet: error: --limit: character ";" is not allowed at column 10 in "Rambipuji;reboot"');
  });
  it('an empty inventory says how to start', async () => {
    const r = await jfleet(['inventory', 'list']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('no packages registered yet');
  });
});

describe('jfleet inventory show', () => {
  it('shows one package without personal data unless asked', async () => {
    const home = fleet();
    const r = await jfleet(['inventory', 'show', 'rambipuji-1', '--json'], { home });
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ id: 'rambipuji-1', tags: ['ring-0'], district: 'Rambipuji' });
    expect(r.stdout).not.toContain('Siti');
    const withC = await jfleet(['inventory', 'show', 'rambipuji-1', '--with-custodian'], { home });
    expect(withC.stdout).toContain('name: Bu Siti');
  });
  it('an unknown id is exit 2', async () => {
    const r = await jfleet(['inventory', 'show', 'nope-1'], { home: fleet() });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('no package "nope-1"');
  });
});

describe('jfleet inventory check', () => {
  it('passes a clean inventory, warning about a shared address', async () => {
    const r = await jfleet(['inventory', 'check'], { home: fleet() });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/warning: .*packages\.yaml:14 jombang-1\.address: address 127\.0\.0\.12 is shared with rambipuji-2/);
    expect(r.stdout).toContain('3 valid package(s), 0 error(s), 1 warning(s)');
  });
  it('names the list item an error is in, and does not count a duplicate or an unknown village as valid', async () => {
    const text = `packages:
  - { id: a-1, village: 35.09.13.2006, address: 127.0.0.11, port: abc, registeredAt: 2026-01-01T00:00:00Z }
  - { id: b-1, village: 35.09.13.2006, address: 127.0.0.12, registeredAt: 2026-01-01T00:00:00Z }
  - { id: b-1, village: 35.09.13.2006, address: 127.0.0.13, registeredAt: 2026-01-01T00:00:00Z }
  - { id: c-1, village: 35.09.99.9999, address: 127.0.0.14, registeredAt: 2026-01-01T00:00:00Z }
`;
    const r = await jfleet(['inventory', 'check'], { home: fleet(text) });
    expect(r.exitCode).toBe(2);
    const errors = r.stdout.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toHaveLength(3);
    expect(errors[0]).toMatch(/packages\.yaml:2 packages\[0\]\.port: /);
    expect(errors[1]).toMatch(/packages\.yaml:4 packages\[2\]\.id: duplicate id "b-1" \(also at line 3\)$/);
    expect(errors[2]).toMatch(/packages\.yaml:5 packages\[3\]\.village: unknown village code 35\.09\.99\.9999/);
    expect(r.stdout).toContain(': 1 valid package(s), 3 error(s), 0 warning(s)');
    const j = JSON.parse((await jfleet(['inventory', 'check', '--json'], { home: fleet(text) })).stdout) as { packages: number; ok: boolean };
    expect(j).toMatchObject({ packages: 1, ok: false });
  });
  it('lists every error with file:line and exits 2', async () => {
    const broken =
      FLEET.replace('address: 127.0.0.11', 'address: 127.0.0.12').replace('village: 35.09.01.2003', 'village: 35.09.01.2999') +
      '  - id: rambipuji-1\n    village: 35.09.13.2006\n    address: 127.0.0.99\n    registeredAt: 2026-01-01T00:00:00Z\n';
    const home = fleet(broken);
    const r = await jfleet(['inventory', 'check', '--json'], { home });
    expect(r.exitCode).toBe(2);
    const out = JSON.parse(r.stdout);
    expect(out.ok).toBe(false);
    const errs = out.errors.map((e: { line: number; field: string; message: string }) => `${e.line} ${e.field}: ${e.message}`);
    expect(errs).toEqual([
      '9 packages[1].address: duplicate address 127.0.0.12:22 (also at line 3)',
      '14 packages[2].village: unknown village code 35.09.01.2999 (see: jfleet villages)',
      '19 packages[3].id: duplicate id "rambipuji-1" (also at line 3)',
    ]);
    expect(readFileSync(file(home), 'utf8')).toBe(broken);
  });
  it('checks the whole inventory: health.yaml and bastions.yaml beside packages.yaml, each finding with its file and line', async () => {
    const home = fleet();
    const inv = join(home, 'inventory');
    const health = 'bogus: 1\nthresholds:\n  disk: "lots"\n';
    const bastions = 'bastions:\n  - id: 5\n';
    writeFileSync(join(inv, 'health.yaml'), health);
    writeFileSync(join(inv, 'bastions.yaml'), bastions);
    const r = await jfleet(['inventory', 'check', '--json'], { home });
    expect(r.exitCode).toBe(2);
    const errs = JSON.parse(r.stdout).errors.map(
      (e: { file: string; line: number; field: string; message: string }) => `${e.file}:${e.line} ${e.field}: ${e.message}`,
    );
    expect(errs).toEqual([
      expect.stringMatching(/health\.yaml:1 bogus: unknown setting: unknown key "bogus"/),
      expect.stringMatching(/health\.yaml:3 thresholds\.disk: unknown threshold/),
      `${join(inv, 'bastions.yaml')}:2 bastions[0].id: must be text (it was read as a number: put it in quotes)`,
      `${join(inv, 'bastions.yaml')}:2 bastions[0].address: is required`,
      `${join(inv, 'bastions.yaml')}:2 bastions[0].hostKey: is required`,
    ]);
    expect(readFileSync(join(inv, 'health.yaml'), 'utf8')).toBe(health);
    expect(readFileSync(join(inv, 'bastions.yaml'), 'utf8')).toBe(bastions);
    // fixed: only the shared-address warning of packages.yaml is left
    writeFileSync(join(inv, 'health.yaml'), 'thresholds:\n  disk_warn_pct: 80\n');
    writeFileSync(join(inv, 'bastions.yaml'), 'bastions: []\n');
    const ok = await jfleet(['inventory', 'check'], { home });
    expect(ok.exitCode, ok.stdout).toBe(0);
    expect(ok.stdout).toContain('3 valid package(s), 0 error(s), 1 warning(s)');
  });
});

describe('jfleet inventory remove', () => {
  it('refuses without a terminal and without --yes', async () => {
    const home = fleet();
    const r = await jfleet(['inventory', 'remove', 'rambipuji-2'], { home });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('missing --yes');
    expect(readFileSync(file(home), 'utf8')).toBe(FLEET);
  });
  it('removes with --yes, keeping comments and the rest', async () => {
    const home = fleet();
    const r = await jfleet(['inventory', 'remove', 'rambipuji-2', '--yes'], { home });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('removed 1 package(s)');
    const text = readFileSync(file(home), 'utf8');
    expect(text).toContain('# test fleet');
    expect(text).not.toContain('rambipuji-2');
    expect(text).toContain('jombang-1');
  });
  it('--limit with --dry-run shows and writes nothing', async () => {
    const home = fleet();
    const r = await jfleet(['inventory', 'remove', '--limit', 'Rambipuji', '--dry-run'], { home });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('would remove 2 package(s): rambipuji-1, rambipuji-2');
    expect(readFileSync(file(home), 'utf8')).toBe(FLEET);
  });
  it('an unknown id is exit 2 and nothing is removed', async () => {
    const home = fleet();
    const r = await jfleet(['inventory', 'remove', 'rambipuji-1', 'ghost-9', '--yes'], { home });
    expect(r.exitCode).toBe(2);
    expect(readFileSync(file(home), 'utf8')).toBe(FLEET);
  });
});

describe('the shipped example inventory', () => {
  it('checks clean, and re-importing its CSV changes nothing', async () => {
    const { ROOT } = await import('../helpers/cli.js');
    const dir = join(ROOT, 'inventories', 'example');
    const check = await jfleet(['--inventory', dir, 'inventory', 'check']);
    expect(check.exitCode).toBe(0);
    expect(check.stdout).toContain('5 valid package(s), 0 error(s)');
    const r = await jfleet(['--inventory', dir, 'register', '--from', join(dir, 'packages.csv'), '--dry-run', '--json']);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ added: [], rejected: [], written: false });
    expect(JSON.parse(r.stdout).unchanged.length).toBe(5);
  });
});
