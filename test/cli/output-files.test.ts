/**
 * Output flags (--rejected, --map, --junit, schedule install's --dir/--crontab, central --db) on
 * the built binary: a path that is one of jfleet's own inputs or state (also through a symbolic
 * or hard link), a directory, or a place that cannot be written is one line, exit 2, checked
 * before any work: the inventory stays byte-identical and no device is contacted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jfleet, tempHome } from '../helpers/cli.js';

const GOOD = `id,village,address
,35.09.13.2006,127.0.0.21
,35.09.01.2003,127.0.0.22
`;
const BAD = `id,village,address
,35.09.13.2006,127.0.0.31
,35.09.99.2001,127.0.0.32
`;

/** A home with an inventory of two packages (registered through the CLI), and a work directory outside it. */
async function setup() {
  const home = realpathSync(tempHome('jfleet-out-'));
  const work = realpathSync(mkdtempSync(join(tmpdir(), 'jfleet-out-work-')));
  const inv = join(home, 'inventory');
  const pkgs = join(inv, 'packages.yaml');
  writeFileSync(join(work, 'good.csv'), GOOD);
  const r = await jfleet(['register', '--from', join(work, 'good.csv')], { home });
  expect(r.exitCode).toBe(0);
  const csv = join(work, 'bad.csv');
  writeFileSync(csv, BAD);
  return { home, work, inv, pkgs, csv, before: readFileSync(pkgs), csvBefore: readFileSync(csv) };
}

/** A directory nobody may create files in: immutable for root (access(2) then says EPERM), mode 0555 otherwise. */
function unwritableDir(parent: string): { dir: string; release: () => void } {
  const dir = join(parent, 'locked');
  mkdirSync(dir);
  if (process.getuid?.() === 0) {
    execFileSync('chattr', ['+i', dir]);
    return { dir, release: () => execFileSync('chattr', ['-i', dir]) };
  }
  chmodSync(dir, 0o555);
  return { dir, release: () => chmodSync(dir, 0o755) };
}

const err = (flag: string, file: string, why: string) => `jfleet: error: ${flag}: cannot write ${file}: ${why}\n`;
const inInventory = (inv: string) => `in the inventory directory (${inv})`;
const inHome = (home: string) => `in JFLEET_HOME (${home}), where jfleet keeps its config, keys and state`;

describe('register --from --skip-invalid --rejected: never onto an input or jfleet state', () => {
  it('--rejected <inventory>/packages.yaml: exit 2, packages.yaml byte-identical', async () => {
    const s = await setup();
    const r = await jfleet(['register', '--from', s.csv, '--skip-invalid', '--rejected', s.pkgs], { home: s.home });
    expect(r).toMatchObject({ exitCode: 2, stdout: '' });
    expect(r.stderr).toBe(err('--rejected', s.pkgs, `it is ${inInventory(s.inv)}`));
    expect(readFileSync(s.pkgs).equals(s.before)).toBe(true);
  });

  it('--rejected = the CSV being imported: exit 2, the CSV and the inventory identical', async () => {
    const s = await setup();
    const r = await jfleet(['register', '--from', s.csv, '--skip-invalid', '--rejected', s.csv], { home: s.home });
    expect(r).toMatchObject({ exitCode: 2, stdout: '' });
    expect(r.stderr).toBe(err('--rejected', s.csv, 'it is the CSV being imported (--from)'));
    expect(readFileSync(s.csv).equals(s.csvBefore)).toBe(true);
    expect(readFileSync(s.pkgs).equals(s.before)).toBe(true);
    // also when named by another spelling of the same path
    const rel = await jfleet(['register', '--from', s.csv, '--skip-invalid', '--rejected', './bad.csv'], { home: s.home, cwd: s.work });
    expect(rel.stderr).toBe(err('--rejected', s.csv, 'it is the CSV being imported (--from)'));
  });

  it('--rejected through a symbolic link, a dangling one, or a hard link to packages.yaml: refused, nothing changed', async () => {
    const s = await setup();
    const sym = join(s.work, 'sym.csv');
    symlinkSync(s.pkgs, sym);
    const a = await jfleet(['register', '--from', s.csv, '--skip-invalid', '--rejected', sym], { home: s.home });
    expect(a.exitCode).toBe(2);
    expect(a.stderr).toBe(err('--rejected', sym, `it resolves to ${s.pkgs}, ${inInventory(s.inv)}`));
    const dangling = join(s.work, 'dangling.csv');
    symlinkSync(join(s.inv, 'new.yaml'), dangling);
    const b = await jfleet(['register', '--from', s.csv, '--skip-invalid', '--rejected', dangling], { home: s.home });
    expect(b.stderr).toBe(err('--rejected', dangling, `it resolves to ${join(s.inv, 'new.yaml')}, ${inInventory(s.inv)}`));
    expect(existsSync(join(s.inv, 'new.yaml'))).toBe(false);
    const hard = join(s.work, 'hard.csv');
    linkSync(s.pkgs, hard);
    const c = await jfleet(['register', '--from', s.csv, '--skip-invalid', '--rejected', hard], { home: s.home });
    expect(c.exitCode).toBe(2);
    expect(c.stderr).toBe(err('--rejected', hard, `it is a hard link to ${s.pkgs}, ${inInventory(s.inv)}`));
    expect(readFileSync(s.pkgs).equals(s.before)).toBe(true);
    // a hard link to the CSV is the CSV
    const csvLink = join(s.work, 'csv-link.csv');
    linkSync(s.csv, csvLink);
    const d = await jfleet(['register', '--from', s.csv, '--skip-invalid', '--rejected', csvLink], { home: s.home });
    expect(d.stderr).toBe(err('--rejected', csvLink, `it is a hard link to ${s.csv}, the CSV being imported (--from)`));
    expect(readFileSync(s.csv).equals(s.csvBefore)).toBe(true);
  });

  it('--rejected a directory, or anything under JFLEET_HOME, or the configured SSH key: exit 2', async () => {
    const s = await setup();
    const dir = await jfleet(['register', '--from', s.csv, '--skip-invalid', '--rejected', s.work], { home: s.home });
    expect(dir.stderr).toBe(err('--rejected', s.work, 'is a directory'));
    const state = join(s.home, 'state', 'rejected.csv');
    const h = await jfleet(['register', '--from', s.csv, '--skip-invalid', '--rejected', state], { home: s.home });
    expect(h.stderr).toBe(err('--rejected', state, `it is ${inHome(s.home)}`));
    const key = join(s.work, 'id_fleet');
    writeFileSync(key, 'PRIVATE KEY\n');
    const k = await jfleet(['register', '--from', s.csv, '--skip-invalid', '--rejected', key], { home: s.home, env: { JFLEET_KEY_FILE: key } });
    expect(k.stderr).toBe(err('--rejected', key, `it is jfleet's SSH key (keyFile ${key})`));
    expect(readFileSync(key, 'utf8')).toBe('PRIVATE KEY\n');
    for (const r of [dir, h, k]) expect(r).toMatchObject({ exitCode: 2, stdout: '' });
    expect(readFileSync(s.pkgs).equals(s.before)).toBe(true);
  });

  it('a good --rejected still works', async () => {
    const s = await setup();
    const out = join(s.work, 'rejected.csv');
    const r = await jfleet(['register', '--from', s.csv, '--skip-invalid', '--rejected', out], { home: s.home });
    expect(r.exitCode).toBe(0);
    expect(readFileSync(out, 'utf8')).toMatch(/unknown village code 35\.09\.99\.2001/);
  });
});

describe('status --map: never onto an input or jfleet state, checked before the database is opened', () => {
  it('packages.yaml, a link to it, the config, JFLEET_HOME: exit 2, nothing touched', async () => {
    const s = await setup();
    const config = join(s.home, 'config.json');
    writeFileSync(config, '{"forks": 10}\n');
    const direct = await jfleet(['status', '--map', s.pkgs], { home: s.home });
    expect(direct.stderr).toBe(err('--map', s.pkgs, `it is ${inInventory(s.inv)}`));
    const svg = join(s.work, 'fleet.svg');
    symlinkSync(s.pkgs, svg);
    const viaLink = await jfleet(['status', '--map', svg], { home: s.home });
    expect(viaLink.stderr).toBe(err('--map', svg, `it resolves to ${s.pkgs}, ${inInventory(s.inv)}`));
    const cfg = await jfleet(['status', '--map', config], { home: s.home });
    expect(cfg.stderr).toBe(err('--map', config, `it is ${inHome(s.home)}`));
    const cfgLink = join(s.work, 'cfg.html');
    symlinkSync(config, cfgLink);
    const viaCfg = await jfleet(['status', '--map', cfgLink], { home: s.home });
    expect(viaCfg.stderr).toBe(err('--map', cfgLink, `it resolves to ${config}, ${inHome(s.home)}`));
    const inHomeDir = await jfleet(['status', '--map', join(s.home, 'fleet.svg')], { home: s.home });
    expect(inHomeDir.stderr).toBe(err('--map', join(s.home, 'fleet.svg'), `it is ${inHome(s.home)}`));
    for (const r of [direct, viaLink, cfg, viaCfg, inHomeDir]) expect(r).toMatchObject({ exitCode: 2, stdout: '' });
    expect(readFileSync(s.pkgs).equals(s.before)).toBe(true);
    expect(readFileSync(config, 'utf8')).toBe('{"forks": 10}\n');
    expect(existsSync(join(s.home, 'state', 'jfleet.db'))).toBe(false);
  });
});

describe('schedule install and central serve: their targets are checked the same way', () => {
  it('--dir <inventory>, --crontab onto the config, --db onto packages.yaml: exit 2, nothing written', async () => {
    const s = await setup();
    const config = join(s.home, 'config.json');
    writeFileSync(config, '{"forks": 10}\n');
    const units = await jfleet(['schedule', 'install', '--dir', s.inv], { home: s.home });
    expect(units.stderr).toBe(err('--dir', join(s.inv, 'jfleet-sweep.service'), `it is ${inInventory(s.inv)}`));
    expect(existsSync(join(s.inv, 'jfleet-sweep.service'))).toBe(false);
    const tab = await jfleet(['schedule', 'install', '--crontab', config], { home: s.home });
    expect(tab.stderr).toBe(err('--crontab', config, `it is ${inHome(s.home)}`));
    expect(readFileSync(config, 'utf8')).toBe('{"forks": 10}\n');
    const file = join(s.work, 'tab-file');
    writeFileSync(file, '');
    const under = await jfleet(['schedule', 'install', '--crontab', join(file, 'jfleet')], { home: s.home });
    expect(under.stderr).toBe(err('--crontab', join(file, 'jfleet'), 'a path component is not a directory'));
    const db = await jfleet(['central', 'serve', '--port', '0', '--db', s.pkgs], { home: s.home, env: { JFLEET_CENTRAL_TOKEN: 't0k3n' }, timeoutMs: 20_000 });
    expect(db.stderr).toBe(err('--db', s.pkgs, `it is ${inInventory(s.inv)}`));
    for (const r of [units, tab, under, db]) expect(r).toMatchObject({ exitCode: 2, stdout: '' });
    expect(readFileSync(s.pkgs).equals(s.before)).toBe(true);
    // the central server's own database may live in JFLEET_HOME/central (its default place)
    const own = join(s.home, 'central', 'other.db');
    const res = await jfleet(['central', 'serve', '--port', '0', '--db', own], { home: s.home, env: { JFLEET_CENTRAL_TOKEN: 't0k3n' }, timeoutMs: 5_000 });
    expect(res.stderr).not.toMatch(/cannot write/);
    expect(res.stdout).toMatch(/^jfleet central: serving http:\/\/127\.0\.0\.1:\d+ \(database /);
  });
});

describe('rollout --junit: checked before the rollout touches any device', () => {
  // The only package answers on a loopback port whose listener counts connections and drops them.
  let server: Server;
  let contacts = 0;
  let port = 0;
  beforeAll(async () => {
    server = createServer((sock) => {
      contacts++;
      sock.destroy();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  async function fleet() {
    const home = realpathSync(tempHome('jfleet-out-rollout-'));
    const work = realpathSync(mkdtempSync(join(tmpdir(), 'jfleet-out-rollout-work-')));
    const inv = join(home, 'inventory');
    mkdirSync(inv);
    const pkgs = join(inv, 'packages.yaml');
    writeFileSync(pkgs, `packages:\n  - { id: rambipuji-1, village: 35.09.13.2006, address: 127.0.0.1, port: ${port}, registeredAt: 2026-01-01T00:00:00Z }\n`);
    mkdirSync(join(work, 'bundle', 'www'), { recursive: true });
    writeFileSync(join(work, 'bundle', 'www', 'index.html'), '<h1>1.0.0</h1>\n');
    expect((await jfleet(['release', 'add', join(work, 'bundle'), '--version', '1.0.0'], { home })).exitCode).toBe(0);
    const noRollout = async () => {
      const st = await jfleet(['rollout', 'status'], { home });
      expect(st).toMatchObject({ exitCode: 2 });
      expect(st.stderr).toMatch(/^jfleet: error: no rollout yet/);
    };
    return { home, work, inv, pkgs, before: readFileSync(pkgs), noRollout };
  }
  const rollout = (home: string, junit: string, cmd: string[] = ['rollout', '--release', '1.0.0']) =>
    jfleet([...cmd, '--junit', junit, '--gate-timeout', '1'], { home, timeoutMs: 30_000 });

  it('--junit <inventory>/packages.yaml: exit 2 with the reason, no device contacted, no rollout recorded, packages.yaml identical', async () => {
    const f = await fleet();
    const r = await rollout(f.home, f.pkgs);
    expect(r).toMatchObject({ exitCode: 2, stdout: '' });
    expect(r.stderr).toBe(err('--junit', f.pkgs, `it is ${inInventory(f.inv)}`));
    expect(contacts).toBe(0);
    expect(readFileSync(f.pkgs).equals(f.before)).toBe(true);
    await f.noRollout();
    const resume = await rollout(f.home, f.pkgs, ['rollout', 'resume']);
    expect(resume.stderr).toBe(err('--junit', f.pkgs, `it is ${inInventory(f.inv)}`));
    const release = join(f.home, 'releases', '1.0.0', 'manifest.json');
    const rel = await rollout(f.home, release);
    expect(rel.stderr).toBe(err('--junit', release, `it is ${inHome(f.home)}`));
    expect(contacts).toBe(0);
  });

  it('--junit in a missing directory, an unwritable one, or a directory: exit 2 before work', async () => {
    const f = await fleet();
    const missing = join(f.work, 'no-such-dir', 'rollout.xml');
    const a = await rollout(f.home, missing);
    expect(a).toMatchObject({ exitCode: 2, stdout: '', stderr: err('--junit', missing, 'no such directory') });
    const locked = unwritableDir(f.work);
    try {
      const b = await rollout(f.home, join(locked.dir, 'rollout.xml'));
      expect(b).toMatchObject({ exitCode: 2, stdout: '' });
      expect(b.stderr).toMatch(
        new RegExp(`^jfleet: error: --junit: cannot write ${locked.dir}/rollout\\.xml: (permission denied|operation not permitted)\\n$`),
      );
    } finally {
      locked.release();
    }
    const c = await rollout(f.home, f.work);
    expect(c).toMatchObject({ exitCode: 2, stdout: '', stderr: err('--junit', f.work, 'is a directory') });
    expect(contacts).toBe(0);
    await f.noRollout();
    expect(existsSync(join(f.work, 'no-such-dir'))).toBe(false);
  });

  it('with a good --junit the same fleet is contacted and the report written (the listener does see a rollout)', async () => {
    const f = await fleet();
    const junit = join(f.work, 'rollout.xml');
    const r = await rollout(f.home, junit);
    expect(r.exitCode).toBe(5); // the only device hung up: pending
    expect(contacts).toBeGreaterThan(0);
    expect(readFileSync(junit, 'utf8')).toMatch(/<testsuite[^>]* tests="1"/);
  }, 60_000);
});
