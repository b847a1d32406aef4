/**
 * ed25519 key pairs in OpenSSH's own formats (private: "openssh-key-v1", unencrypted; public:
 * "ssh-ed25519 AAAA... comment"), from node:crypto. Written here rather than with ssh2's
 * generateKeyPairSync, whose ed25519 output OpenSSH's sshd sometimes rejects ("error in libcrypto").
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { fingerprint } from './fingerprint.js';

function sshString(b: Buffer | string): Buffer {
  const buf = typeof b === 'string' ? Buffer.from(b) : b;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(buf.length);
  return Buffer.concat([len, buf]);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

export interface Ed25519KeyPair {
  /** PEM-like OpenSSH private key text */
  privateKey: string;
  /** "ssh-ed25519 AAAA... comment" */
  publicKey: string;
  fingerprint: string;
}

export function generateEd25519(comment = ''): Ed25519KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d as string, 'base64url');
  const pub = Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url');
  const pubBlob = Buffer.concat([sshString('ssh-ed25519'), sshString(pub)]);
  const check = randomBytes(4).readUInt32BE();
  let priv = Buffer.concat([u32(check), u32(check), sshString('ssh-ed25519'), sshString(pub), sshString(Buffer.concat([seed, pub])), sshString(comment)]);
  const pad: number[] = [];
  for (let i = 1; (priv.length + pad.length) % 8 !== 0; i++) pad.push(i);
  priv = Buffer.concat([priv, Buffer.from(pad)]);
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0'),
    sshString('none'),
    sshString('none'),
    sshString(''),
    u32(1),
    sshString(pubBlob),
    sshString(priv),
  ]);
  const b64 = body
    .toString('base64')
    .replace(/(.{70})/g, '$1\n')
    .replace(/\n$/, '');
  return {
    privateKey: `-----BEGIN OPENSSH PRIVATE KEY-----\n${b64}\n-----END OPENSSH PRIVATE KEY-----\n`,
    publicKey: `ssh-ed25519 ${pubBlob.toString('base64')}${comment ? ' ' + comment : ''}`,
    fingerprint: fingerprint(pubBlob),
  };
}
