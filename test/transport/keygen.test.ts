import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { generateEd25519 } from '../../src/transport/keygen.js';
import { fingerprintOfPublicKey } from '../../src/transport/fingerprint.js';

describe('generateEd25519', () => {
  it('writes keys OpenSSH and ssh2 both read, with the fingerprint ssh-keygen prints', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jfleet-keygen-'));
    for (let i = 0; i < 20; i++) {
      const k = generateEd25519('test');
      const f = join(dir, `k${i}`);
      writeFileSync(f, k.privateKey, { mode: 0o600 });
      expect(execFileSync('ssh-keygen', ['-y', '-f', f], { encoding: 'utf8' }).trim().split(' ').slice(0, 2)).toEqual(k.publicKey.split(' ').slice(0, 2));
      expect(execFileSync('ssh-keygen', ['-lf', f], { encoding: 'utf8' }).split(' ')[1]).toBe(k.fingerprint);
      expect(fingerprintOfPublicKey(k.publicKey)).toBe(k.fingerprint);
      const parsed = ssh2.utils.parseKey(k.privateKey);
      expect(parsed instanceof Error ? parsed.message : (parsed as { type: string }).type).toBe('ssh-ed25519');
    }
  });
});
