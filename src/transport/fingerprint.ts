import { createHash } from 'node:crypto';

/** OpenSSH SHA256 fingerprint of a host key blob, as `ssh-keygen -lf` prints it. */
export function fingerprint(keyBlob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '');
}

/** Fingerprint of an authorized_keys-style line ("ssh-ed25519 AAAA... comment"). */
export function fingerprintOfPublicKey(line: string): string {
  return fingerprint(Buffer.from(line.trim().split(/\s+/)[1] ?? '', 'base64'));
}
