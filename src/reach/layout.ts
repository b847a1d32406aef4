/**
 * What a jfleet bastion is made of, as text (pure): the sshd drop-in, the tmpfiles lines that
 * recreate the socket directories at boot, and a device's authorized_keys line. The bastion is a
 * stock OpenSSH server; each kiosk logs in as its own locked Unix user (group jfleet-devices) that
 * may do exactly one thing: bind its own Unix socket with `-R`. Operators (group jfleet-ops) may
 * only open those sockets. The bastion holds no key that logs in to any device: the runner's
 * session to a device runs end to end inside the socket's channel (docs/reach.md).
 */

export const DEVICES_GROUP = 'jfleet-devices';
export const OPS_GROUP = 'jfleet-ops';
export const DROPIN_PATH = '/etc/ssh/sshd_config.d/jfleet.conf';
export const TMPFILES_PATH = '/etc/tmpfiles.d/jfleet.conf';
export const AUTHORIZED_KEYS_DIR = '/etc/jfleet/authorized_keys';
export const NOLOGIN = '/usr/sbin/nologin';

export interface BastionLayoutOptions {
  ports: number[];
  socketDir: string;
  /** unauthenticated connections before sshd starts refusing (start:rate:full); sized for a fleet reconnecting at once */
  maxStartups?: string;
}

export const DEFAULT_MAX_STARTUPS = '300:30:600';

/**
 * The sshd drop-in. OpenSSH's own defaults are what a reconnecting fleet trips over: MaxStartups
 * 10:30:100 refuses 30 % of new connections from the 10th unauthenticated one (250 kiosks back
 * after an outage, each handshake slow on 4G), so it is raised. StreamLocalBindUnlink replaces a
 * stale socket, so a reconnect never waits for the bastion to reap the old session; the mask
 * 0117 makes the socket 0660, its group (jfleet-ops, from the setgid directory) may connect.
 */
export function sshdDropIn(o: BastionLayoutOptions): string {
  return [
    '# Managed by jfleet (jfleet bastion init): the kiosks reverse tunnels. Local edits are overwritten.',
    ...[...new Set(o.ports)].map((p) => `Port ${p}`),
    `MaxStartups ${o.maxStartups ?? DEFAULT_MAX_STARTUPS}`,
    'LoginGraceTime 60',
    'StreamLocalBindUnlink yes',
    'StreamLocalBindMask 0117',
    '# never UnusedConnectionTimeout here: a -R listener is not an open channel and would be cut',
    '',
    `Match Group ${DEVICES_GROUP}`,
    `    AuthorizedKeysFile ${AUTHORIZED_KEYS_DIR}/%u`,
    // OpenSSH refuses a remote Unix-socket forward under AllowTcpForwarding no (measured on 9.2):
    // "remote" with PermitListen none lets the socket through and refuses every TCP -R
    '    AllowTcpForwarding remote',
    '    PermitListen none',
    '    AllowStreamLocalForwarding remote',
    '    PermitOpen none',
    '    PermitTTY no',
    '    PermitTunnel no',
    '    X11Forwarding no',
    '    AllowAgentForwarding no',
    `    ForceCommand ${NOLOGIN}`,
    // just over the kiosks' default ServerAlive (600 s): a kiosk that keeps its own is never probed
    // by the bastion too (an SSH exchange every 300 s would cost ~1 MiB a month per kiosk)
    '    ClientAliveInterval 660',
    '    ClientAliveCountMax 2',
    '',
    `Match Group ${OPS_GROUP}`,
    `    AuthorizedKeysFile ${AUTHORIZED_KEYS_DIR}/%u .ssh/authorized_keys`,
    '    # open the kiosks sockets and read when they appeared (SFTP stat); no shell',
    '    ForceCommand internal-sftp',
    // a Unix-socket open needs AllowTcpForwarding local and is refused by any PermitOpen list
    // (OpenSSH 9.2, measured): operators are the runner, trusted with -L from here
    '    AllowTcpForwarding local',
    '    AllowStreamLocalForwarding local',
    '    PermitTTY no',
    '    X11Forwarding no',
    '    AllowAgentForwarding no',
    '',
  ].join('\n');
}

/** /run is a tmpfs: the socket directories are recreated at boot by systemd-tmpfiles. */
export function tmpfilesBase(socketDir: string): string {
  return `# Managed by jfleet (jfleet bastion init)\nd ${socketDir} 0751 root ${OPS_GROUP} -\n`;
}

export function tmpfilesDevice(socketDir: string, id: string, user: string): string {
  return `# Managed by jfleet (jfleet bastion add ${id})\nd ${socketDir}/${id} 2750 ${user} ${OPS_GROUP} -\n`;
}

export function tmpfilesDevicePath(id: string): string {
  return `/etc/tmpfiles.d/jfleet-${id}.conf`;
}

/**
 * A device key may forward (its own socket, by directory permissions) and nothing else: restrict
 * takes away PTY, agent, X11 and any later capability; the Match block forbids TCP forwards and
 * forces nologin on any session.
 */
export function deviceAuthorizedKey(publicKey: string, id: string): string {
  return `restrict,port-forwarding ${publicKey.split(' ').slice(0, 2).join(' ')} jfleet-tunnel ${id}\n`;
}

/** What `jfleet bastion init` prints: every file and directory of the layout, and the commands that make it. */
export function layoutText(o: BastionLayoutOptions & { operator?: string }): string {
  return [
    `# ${DROPIN_PATH}`,
    sshdDropIn(o),
    `# ${TMPFILES_PATH}`,
    tmpfilesBase(o.socketDir),
    '# accounts and directories (jfleet bastion init --apply does this)',
    `groupadd --system ${DEVICES_GROUP}`,
    `groupadd --system ${OPS_GROUP}`,
    `install -d -m 0755 ${AUTHORIZED_KEYS_DIR}`,
    `install -d -m 0751 -o root -g ${OPS_GROUP} ${o.socketDir}`,
    ...(o.operator
      ? [`useradd --create-home --shell /bin/sh --groups ${OPS_GROUP} ${o.operator}   # the runner's login; put its key in ~${o.operator}/.ssh/authorized_keys`]
      : []),
    'sshd -t && systemctl reload ssh',
    '',
    '# per device (jfleet bastion add ID --key "ssh-ed25519 ..."):',
    `#   useradd --system --no-create-home --home-dir /nonexistent --shell ${NOLOGIN} --gid ${DEVICES_GROUP} jf-ID`,
    `#   ${AUTHORIZED_KEYS_DIR}/jf-ID   restrict,port-forwarding ssh-ed25519 ...`,
    `#   ${o.socketDir}/ID/              2750 jf-ID:${OPS_GROUP} (and /etc/tmpfiles.d/jfleet-ID.conf)`,
    '',
  ].join('\n');
}
