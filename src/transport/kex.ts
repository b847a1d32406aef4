/**
 * SSH key-exchange names (pure: no ssh2 here, so the config schema can check a user's list).
 *
 * KEX_PREFERENCE is jfleet's default order: OpenSSH's own client preference (KEX_CLIENT_KEX in
 * its myproposal.h) restricted to what ssh2 implements, so a device sees the same negotiation
 * from jfleet as from `ssh`. Why that and not the cheaper P-256 first is in ssh.ts.
 */
export const KEX_PREFERENCE = [
  'curve25519-sha256',
  'curve25519-sha256@libssh.org',
  'ecdh-sha2-nistp256',
  'ecdh-sha2-nistp384',
  'ecdh-sha2-nistp521',
  'diffie-hellman-group-exchange-sha256',
  'diffie-hellman-group16-sha512',
  'diffie-hellman-group18-sha512',
  'diffie-hellman-group14-sha256',
];

/** Diffie-Hellman with SHA-1 as the exchange hash: ssh2 implements them, jfleet refuses them. */
export const KEX_SHA1 = ['diffie-hellman-group1-sha1', 'diffie-hellman-group14-sha1', 'diffie-hellman-group-exchange-sha1'];

/** What config sshKex may name: the defaults plus the other SHA-2 groups ssh2 has (not in OpenSSH's default). */
export const KEX_ALLOWED = [...KEX_PREFERENCE, 'diffie-hellman-group15-sha512', 'diffie-hellman-group17-sha512'];

/** Every name ssh2 1.x accepts (its SUPPORTED_KEX), SHA-1 groups included. */
export const KEX_SUPPORTED = [...KEX_ALLOWED, ...KEX_SHA1];

/** Pure: why a comma-separated sshKex list cannot be used (null = it can). */
export function kexListProblem(list: string): string | null {
  for (const name of list.split(',').map((n) => n.trim())) {
    if (KEX_SHA1.includes(name))
      return `key-exchange algorithm "${name}" uses SHA-1, which jfleet refuses (${KEX_SHA1.join(', ')}); use e.g. ${KEX_PREFERENCE[0]}`;
    if (!KEX_ALLOWED.includes(name)) return `unknown key-exchange algorithm "${name}" (known: ${KEX_ALLOWED.join(', ')})`;
  }
  return null;
}
