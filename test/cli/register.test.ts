import { execa } from 'execa';
import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, jfleet, tempHome } from '../helpers/cli.js';
import { parseInventory } from '../../src/inventory/load.js';
import { loadVillages } from '../../src/inventory/villages.js';

const ref = loadVillages();
const invFile = (home: string) => join(home, 'inventory', 'packages.yaml');
const ids = (home: string) => parseInventory(readFileSync(invFile(home), 'utf8'), 'x', ref).packages.map((p) => p.id);

const FLAGS = [
  'register',
  '--village',
  '35.09.13.2006',
  '--address',
  'kiosk-rambipuji.lan',
  '--serial',
  'SN123',
  '--mac',
  '00:11:22:33:44:55',
  '--model',
  'NUC 11',
  '--tag',
  'ring-0',
];

describe('jfleet register (flags)', () => {
  it('registers with flags, generating the id from the village', async () => {
    const home = tempHome();
    const r = await jfleet(FLAGS, { home });
    expect(r).toMatchObject({ exitCode: 0, stderr: '' });
    expect(r.stdout).toBe('registered rambipuji-1: Rambipuji, Rambipuji (35.09.13.2006) at kiosk-rambipuji.lan:22\n');
    const p = parseInventory(readFileSync(invFile(home), 'utf8'), 'x', ref).packages[0];
    expect(p).toMatchObject({
      id: 'rambipuji-1',
      village: '35.09.13.2006',
      address: 'kiosk-rambipuji.lan',
      port: 22,
      user: 'root',
      tags: ['ring-0'],
      hardware: { serial: 'SN123', mac: '00:11:22:33:44:55', model: 'NUC 11' },
    });
  });

  it('running the same registration again changes nothing', async () => {
    const home = tempHome();
    await jfleet(FLAGS, { home });
    const before = readFileSync(invFile(home), 'utf8');
    const r = await jfleet(FLAGS, { home });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('already registered as rambipuji-1; nothing changed');
    expect(readFileSync(invFile(home), 'utf8')).toBe(before);
  });

  it('without a terminal (CI) it names the missing flags and exits 2, never prompting', async () => {
    const home = tempHome();
    const r = await jfleet(['register', '--address', '127.0.0.5'], { home, input: '' });
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^jfleet: error: missing --village: .*no terminal to ask/);
    expect(existsSync(invFile(home))).toBe(false);
    const both = await jfleet(['register'], { home });
    expect(both.stderr).toContain('missing --village, --address');
  });

  it('--dry-run shows the entry and writes nothing', async () => {
    const home = tempHome();
    const r = await jfleet([...FLAGS, '--dry-run'], { home });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('dry run: would add 1 package(s)');
    expect(r.stdout).toContain('id: rambipuji-1');
    expect(existsSync(invFile(home))).toBe(false);
  });

  it('--json reports what was added (custodian left out)', async () => {
    const home = tempHome();
    const r = await jfleet([...FLAGS, '--custodian-name', 'Bu Siti', '--custodian-phone', '+62 812 0000 1111', '--json'], { home });
    expect(r.exitCode).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.added.map((p: { id: string }) => p.id)).toEqual(['rambipuji-1']);
    expect(r.stdout).not.toContain('Siti');
    expect(r.stderr).not.toContain('Siti');
    expect(readFileSync(invFile(home), 'utf8')).toContain('Bu Siti'); // stored, only in the inventory
  });

  const hostile: Array<[string, string[], string]> = [
    ['shell metacharacters in the address', ['--address', 'kiosk.lan;reboot'], '--address: must be an IP address or an RFC 1123 host name'],
    ['command substitution in the model', ['--model', '$(reboot)'], '--model: must be letters'],
    ['a control character in the model', ['--model', 'NUC\u001b[2J'], '--model: must not contain control characters'],
    ['a path in the id', ['--id', '../../etc/passwd'], '--id: must be lower-case letters'],
    ['an unknown village', ['--village', '35.09.13.2999'], '--village: unknown village code 35.09.13.2999'],
    ['a port out of range', ['--port', '70000'], '--port: must be 1-65535'],
    ['a bad MAC', ['--mac', '00:11:22'], '--mac: must be a MAC address'],
    ['a hostile tag', ['--tag', 'ring;rm'], '--tag: "ring;rm" must be lower-case'],
    ['a hostile user', ['--user', 'root -oProxyCommand=x'], '--user: must be a POSIX user name'],
  ];
  for (const [name, flags, message] of hostile) {
    it(`refuses ${name}: one error, exit 2, inventory untouched`, async () => {
      const home = tempHome();
      await jfleet(['register', '--village', '35.09.01.2003', '--address', '127.0.0.9'], { home });
      const before = readFileSync(invFile(home), 'utf8');
      const base = ['register', '--village', '35.09.13.2006', '--address', '127.0.0.10'];
      const r = await jfleet([...base, ...flags], { home });
      expect(r.exitCode).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.startsWith(`jfleet: error: ${message}`)).toBe(true);
      expect(r.stderr.match(/^jfleet: error:/gm)?.length).toBe(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(readFileSync(invFile(home), 'utf8')).toBe(before);
    });
  }

  it('a duplicate serial is refused with the package that holds it', async () => {
    const home = tempHome();
    await jfleet(FLAGS, { home });
    const r = await jfleet(['register', '--village', '35.09.01.2003', '--address', '127.0.0.20', '--serial', 'SN123'], { home });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('--serial: duplicate serial SN123 (already used by package rambipuji-1)');
  });

  it('a malformed inventory is reported with file:line and left alone', async () => {
    const home = tempHome();
    mkdirSync(join(home, 'inventory'));
    writeFileSync(invFile(home), 'packages:\n  - id: a-1\n    port: [\n');
    const r = await jfleet(['register', '--village', '35.09.01.2003', '--address', '127.0.0.20'], { home });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^jfleet: error: ${invFile(home).replace(/[.]/g, '\\.')}:\\d+: YAML`));
    expect(readFileSync(invFile(home), 'utf8')).toBe('packages:\n  - id: a-1\n    port: [\n');
  });
});

describe('jfleet register: real processes racing', () => {
  it('six registrations started at the same moment all land, with distinct ids', async () => {
    const home = tempHome();
    const env = { PATH: process.env.PATH ?? '', HOME: home, JFLEET_HOME: home, CI: 'true', NO_COLOR: '1' };
    const runs = Array.from({ length: 6 }, (_, i) =>
      execa('node', [BIN, 'register', '--village', '35.09.13.2006', '--address', `127.0.2.${i + 1}`], { env, extendEnv: false, reject: false }),
    );
    const results = await Promise.all(runs);
    for (const r of results) expect({ code: r.exitCode, err: r.stderr }).toEqual({ code: 0, err: '' });
    expect(ids(home).sort()).toEqual(['rambipuji-1', 'rambipuji-2', 'rambipuji-3', 'rambipuji-4', 'rambipuji-5', 'rambipuji-6']);
  });

  it('kill -9 during a write leaves the previous file intact; the next run recovers', async () => {
    const home = tempHome();
    await jfleet(FLAGS, { home });
    const before = readFileSync(invFile(home), 'utf8');
    const env = { PATH: process.env.PATH ?? '', HOME: home, JFLEET_HOME: home, CI: 'true', JFLEET_TEST_WRITE_PAUSE_MS: '20000' };
    const child = execa('node', [BIN, 'register', '--village', '35.09.01.2003', '--address', '127.0.0.30'], { env, extendEnv: false, reject: false });
    const dir = join(home, 'inventory');
    // wait until the new content sits, fsynced, in the temp file: the writer is mid-write
    const deadline = Date.now() + 15_000;
    let tmp: string | undefined;
    while (!tmp && Date.now() < deadline) {
      tmp = readdirSync(dir).find((f) => f.startsWith('.packages.yaml.') && f.endsWith('.tmp'));
      if (!tmp) await new Promise((r) => setTimeout(r, 20));
    }
    expect(tmp).toMatch(/^\.packages\.yaml\..*\.tmp$/);
    expect(readFileSync(join(dir, tmp!), 'utf8')).toContain('jombang-1');
    process.kill(child.pid!, 'SIGKILL');
    const r = await child;
    expect(r.signal).toBe('SIGKILL');
    expect(readFileSync(invFile(home), 'utf8')).toBe(before);
    expect(ids(home)).toEqual(['rambipuji-1']);
    // the lock left by the killed writer goes stale; the next run takes over and cleans the temp file
    const again = await jfleet(['register', '--village', '35.09.01.2003', '--address', '127.0.0.30'], { home });
    expect(again.exitCode).toBe(0);
    expect(ids(home)).toEqual(['rambipuji-1', 'jombang-1']);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('jfleet register: file-system trouble', () => {
  it('an inventory path that is a file is one clear line, exit 2', async () => {
    const home = tempHome();
    writeFileSync(join(home, 'notadir'), 'x');
    const r = await jfleet(['--inventory', join(home, 'notadir'), 'register', '--village', '35.09.13.2006', '--address', '127.0.0.5'], { home });
    expect(r.exitCode).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(/^jfleet: error: cannot (read|write) .*notadir\/packages\.yaml: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
