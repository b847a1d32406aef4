import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { loadConfig, setConfigValue } from '../../src/config/config.js';
import { KEX_PREFERENCE, KEX_SHA1, kexListProblem } from '../../src/transport/kex.js';
import { jfleet, tempHome } from '../helpers/cli.js';

const home = () => mkdtempSync(join(tmpdir(), 'jfleet-kex-'));

describe('sshKex', () => {
  it("defaults to OpenSSH's client order among what ssh2 implements, with no SHA-1 group", () => {
    expect(KEX_PREFERENCE).toEqual([
      'curve25519-sha256',
      'curve25519-sha256@libssh.org',
      'ecdh-sha2-nistp256',
      'ecdh-sha2-nistp384',
      'ecdh-sha2-nistp521',
      'diffie-hellman-group-exchange-sha256',
      'diffie-hellman-group16-sha512',
      'diffie-hellman-group18-sha512',
      'diffie-hellman-group14-sha256',
    ]);
    expect(KEX_PREFERENCE.filter((n) => /sha1/.test(n))).toEqual([]);
    expect(kexListProblem(KEX_PREFERENCE.join(','))).toBeNull();
  });
  it.each(KEX_SHA1)('refuses %s as SHA-1, from config set, the file and the environment', async (name) => {
    expect(kexListProblem(`curve25519-sha256, ${name}`)).toMatch(new RegExp(`^key-exchange algorithm "${name}" uses SHA-1`));
    const h = home();
    const set = await setConfigValue({ home: h, env: {} }, 'sshKex', `curve25519-sha256,${name}`).catch((e: unknown) => e);
    expect(set).toBeInstanceOf(InputError);
    expect((set as InputError).issues).toEqual([expect.objectContaining({ field: 'sshKex', message: expect.stringContaining('uses SHA-1') })]);
    writeFileSync(join(h, 'config.json'), JSON.stringify({ sshKex: name }));
    const file = await loadConfig({ home: h, env: {} }).catch((e: unknown) => e);
    expect((file as InputError).message).toMatch(/SHA-1/);
    const env = await loadConfig({ home: home(), env: { JFLEET_SSH_KEX: name } }).catch((e: unknown) => e);
    expect((env as InputError).issues[0]).toMatchObject({ field: 'JFLEET_SSH_KEX', message: expect.stringContaining('uses SHA-1') });
  });
  it('still refuses unknown names, and takes any order of the allowed ones', async () => {
    expect(kexListProblem('curve25519-sha256,foo-bar')).toMatch(/^unknown key-exchange algorithm "foo-bar"/);
    expect(kexListProblem('ecdh-sha2-nistp256, curve25519-sha256, diffie-hellman-group15-sha512')).toBeNull();
  });
  it('jfleet config set sshKex diffie-hellman-group14-sha1: one line naming SHA-1, exit 2 (built binary)', async () => {
    const h = tempHome('jfleet-kex-cli-');
    const r = await jfleet(['config', 'set', 'sshKex', 'diffie-hellman-group14-sha1'], { home: h });
    expect(r.exitCode).toBe(2);
    const lines = r.stderr
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('jfleet: hint:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/sshKex: key-exchange algorithm "diffie-hellman-group14-sha1" uses SHA-1/);
  });
});
