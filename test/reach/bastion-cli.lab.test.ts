/**
 * jfleet bastion init|add|revoke on the built binary, against a scratch root file system (the
 * shadow tools' --root): what is written, with which modes, and the refusals (exit 2, nothing written).
 * Root is needed (useradd, chown), hence the lab tier.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateEd25519 } from '../../src/transport/keygen.js';
import { jfleet } from '../helpers/cli.js';

let root: string;
let work: string;
const key = generateEd25519('jfleet-tunnel kiosk-a').publicKey;
const snapshot = () =>
  readdirSync(root, { recursive: true })
    .map(String)
    .sort()
    .map((f) => {
      const p = join(root, f);
      return statSync(p).isDirectory() ? `${f}/` : `${f}:${readFileSync(p, 'utf8').length}`;
    });

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'jfleet-bastion-cli-'));
  root = join(work, 'root');
  mkdirSync(join(root, 'etc'), { recursive: true });
  for (const f of ['passwd', 'group', 'shadow', 'gshadow', 'login.defs']) copyFileSync(join('/etc', f), join(root, 'etc', f));
  writeFileSync(join(work, 'op.pub'), `${generateEd25519('runner').publicKey}\n`);
  writeFileSync(join(work, 'not-a-key'), 'hello\n');
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('jfleet bastion', () => {
  it('init prints the drop-in and the layout without touching anything', async () => {
    const r = await jfleet(['bastion', 'init', '--ports', '443,22']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('# /etc/ssh/sshd_config.d/jfleet.conf');
    expect(r.stdout).toMatch(/^MaxStartups 300:30:600$/m);
    expect(r.stdout).toMatch(/^Match Group jfleet-devices$/m);
  });

  it.each([
    [
      ['bastion', 'init', '--apply', '--root', 'ROOT', '--operator', 'jfleet', '--operator-key', 'WORK/not-a-key'],
      /--operator-key must name a file holding one OpenSSH public key line/,
    ],
    [['bastion', 'init', '--ports', '443,99999'], /--ports takes ports 1-65535/],
    [['bastion', 'add', 'kiosk-a', '--root', 'ROOT', '--key', 'not a key'], /--key must be the device's tunnel public key line/],
    [
      ['bastion', 'add', 'kiosk-a', '--root', 'ROOT', '--key', 'ssh-ed25519 AAAA'],
      /this bastion has no jfleet-devices\/jfleet-ops groups yet: run jfleet bastion init --apply first/,
    ],
    [['bastion', 'add', 'Bad_Id', '--root', 'ROOT', '--key', key], /"Bad_Id" is not a package id/],
    [['bastion', 'revoke', 'kiosk-nobody', '--root', 'ROOT'], /kiosk-nobody has no account on this bastion/],
  ])('%j: one line, exit 2, nothing written', async (args, message) => {
    const before = snapshot();
    const r = await jfleet(args.map((a) => a.replace('ROOT', root).replace('WORK', work)));
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim().split('\n')[0]).toMatch(message);
    expect(snapshot()).toEqual(before);
  });

  it('init --apply, add, revoke: groups, drop-in, locked users, a setgid socket directory; revoke locks and removes', async () => {
    const init = await jfleet(['bastion', 'init', '--apply', '--root', root, '--operator', 'jfleet', '--operator-key', join(work, 'op.pub')]);
    expect(init.exitCode, init.stderr).toBe(0);
    expect(readFileSync(join(root, 'etc/ssh/sshd_config.d/jfleet.conf'), 'utf8')).toContain('StreamLocalBindUnlink yes');
    expect(readFileSync(join(root, 'etc/group'), 'utf8')).toMatch(/^jfleet-devices:/m);
    expect(readFileSync(join(root, 'etc/shadow'), 'utf8')).toMatch(/^jfleet:\*:/m);
    const add = await jfleet(['bastion', 'add', 'kiosk-a', '--root', root, '--key', key]);
    expect(add.exitCode, add.stderr).toBe(0);
    expect(add.stdout).toContain('kiosk-a: user jf-kiosk-a may hold its tunnel at /run/jfleet/kiosk-a/ssh.sock');
    expect(readFileSync(join(root, 'etc/passwd'), 'utf8')).toMatch(/^jf-kiosk-a:x:\d+:\d+::\/nonexistent:\/usr\/sbin\/nologin$/m);
    expect(readFileSync(join(root, 'etc/jfleet/authorized_keys/jf-kiosk-a'), 'utf8')).toMatch(
      /^restrict,port-forwarding ssh-ed25519 \S+ jfleet-tunnel kiosk-a\n$/,
    );
    const dir = statSync(join(root, 'run/jfleet/kiosk-a'));
    expect((dir.mode & 0o7777).toString(8)).toBe('2750');
    const rev = await jfleet(['bastion', 'revoke', 'kiosk-a', '--root', root]);
    expect(rev.exitCode, rev.stderr).toBe(0);
    expect(readFileSync(join(root, 'etc/shadow'), 'utf8')).toMatch(/^jf-kiosk-a:!/m);
    expect(existsSync(join(root, 'etc/jfleet/authorized_keys/jf-kiosk-a'))).toBe(false);
    expect(existsSync(join(root, 'run/jfleet/kiosk-a'))).toBe(false);
  });
});
