/**
 * SSH key-exchange names (pure: no ssh2 here, so the config schema can check a user's list).
 * KEX_PREFERENCE is jfleet's default order; why P-256 comes first is in ssh.ts.
 */
export const KEX_PREFERENCE = [
  'ecdh-sha2-nistp256',
  'curve25519-sha256',
  'curve25519-sha256@libssh.org',
  'ecdh-sha2-nistp384',
  'ecdh-sha2-nistp521',
  'diffie-hellman-group-exchange-sha256',
  'diffie-hellman-group14-sha256',
  'diffie-hellman-group15-sha512',
  'diffie-hellman-group16-sha512',
  'diffie-hellman-group17-sha512',
  'diffie-hellman-group18-sha512',
];

/** Every name ssh2 1.x accepts (its SUPPORTED_KEX): the defaults plus the legacy SHA-1 groups. */
export const KEX_SUPPORTED = [...KEX_PREFERENCE, 'diffie-hellman-group-exchange-sha1', 'diffie-hellman-group14-sha1', 'diffie-hellman-group1-sha1'];
