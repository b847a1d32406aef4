import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { jfleet, tempHome } from '../helpers/cli.js';

describe('jfleet keys', () => {
  it('init writes an ed25519 fleet key, private half 0600, that ssh-keygen reads', async () => {
    const home = tempHome();
    const r = await jfleet(['keys', 'init'], { home });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const priv = join(home, 'keys', 'fleet_ed25519');
    expect(statSync(priv).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, 'keys')).mode & 0o777).toBe(0o700);
    const pub = readFileSync(priv + '.pub', 'utf8').trim();
    expect(pub).toMatch(/^ssh-ed25519 AAAA[A-Za-z0-9+/]+=* /);
    const fp = execFileSync('ssh-keygen', ['-lf', priv], { encoding: 'utf8' }).split(' ')[1];
    expect(r.stdout).toBe(`fleet key written: ${priv} (mode 0600)\n${fp}\n${pub}\n`);
    const show = await jfleet(['keys', 'show', '--json'], { home });
    expect(JSON.parse(show.stdout)).toEqual({ privateKey: priv, publicKey: pub, fingerprint: fp });
  });

  it('refuses to replace an existing key unless --force (exit 2, key unchanged)', async () => {
    const home = tempHome();
    await jfleet(['keys', 'init'], { home });
    const before = readFileSync(join(home, 'keys', 'fleet_ed25519'), 'utf8');
    const again = await jfleet(['keys', 'init'], { home });
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain('a fleet key already exists');
    expect(readFileSync(join(home, 'keys', 'fleet_ed25519'), 'utf8')).toBe(before);
    const forced = await jfleet(['keys', 'init', '--force'], { home });
    expect(forced.exitCode).toBe(0);
    expect(readFileSync(join(home, 'keys', 'fleet_ed25519'), 'utf8')).not.toBe(before);
  });

  it('an empty private key file (left by a full disk) is no key: init replaces it without --force', async () => {
    const home = tempHome();
    mkdirSync(join(home, 'keys'), { recursive: true, mode: 0o700 });
    const priv = join(home, 'keys', 'fleet_ed25519');
    writeFileSync(priv, '', { mode: 0o600 });
    const r = await jfleet(['keys', 'init'], { home });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(`fleet key written: ${priv} (mode 0600)`);
    expect(readFileSync(priv, 'utf8')).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n/);
    expect(readdirSync(join(home, 'keys')).sort()).toEqual(['fleet_ed25519', 'fleet_ed25519.pub']);
  });

  it('show without a key says how to make one (exit 2)', async () => {
    const r = await jfleet(['keys', 'show']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('jfleet keys init');
  });

  it('hostkey accept on an unknown package fails with exit 2', async () => {
    const home = tempHome();
    const r = await jfleet(['hostkey', 'accept', 'nope'], { home });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/no package "nope"|no inventory/);
  });
});
