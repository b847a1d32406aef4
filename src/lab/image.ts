/**
 * The device image: what one simulated kiosk boots from. A per-device directory holds the overlay
 * upper layer (copy-on-write over the host's /), a fresh home for root (skeleton dotfiles and the
 * lab key only), and boot/ with its sshd config, host key and the lab init (init-script.ts). The
 * boot script mounts all of it in the device's own namespaces and execs the init in the chroot.
 */
import { spawn, execFileSync } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { generateEd25519 } from '../transport/keygen.js';
import { LAB_INIT_SCRIPT } from './init-script.js';
import { mountTmpfs } from './process.js';

const HOST_KEY = 'ssh_host_ed25519_key';

function slug(s: string): string {
  return s
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** Device ids from village names (kiosk-<village>), numbered when a village has more than one. */
export function deviceIds(villageNames: string[]): string[] {
  const seen = new Map<string, number>();
  return villageNames.map((name) => {
    const base = `kiosk-${slug(name)}`.slice(0, 56).replace(/-+$/, '');
    const k = (seen.get(base) ?? 0) + 1;
    seen.set(base, k);
    return k === 1 ? base : `${base}-${k}`;
  });
}

function sshdConfig(address: string, port: number, passwordOnly: boolean): string {
  return [
    `ListenAddress ${address}:${port}`,
    `HostKey /run/jfleet-lab/boot/${HOST_KEY}`,
    'PidFile /run/sshd.pid',
    `PermitRootLogin ${passwordOnly ? 'yes' : 'prohibit-password'}`,
    'PubkeyAuthentication yes',
    `PasswordAuthentication ${passwordOnly ? 'yes' : 'no'}`,
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'UseDNS no',
    'PrintMotd no',
    'PrintLastLog no',
    'MaxStartups 1000',
    'MaxSessions 100',
    'AuthorizedKeysFile .ssh/authorized_keys',
    'AcceptEnv LANG LC_*',
    'Subsystem sftp internal-sftp',
    'LogLevel ERROR',
    '',
  ].join('\n');
}

/** The boot script run as PID 1 of the new namespaces, before it execs the lab init in the chroot. */
const BOOT_SCRIPT = [
  'set -e',
  'mount --make-rprivate /',
  'M=$DEV/merged',
  'if [ -n "$DISK" ]; then U=$DISK/upper; W=$DISK/work; else U=$DEV/upper; W=$DEV/work; fi',
  'mount -t overlay overlay -o lowerdir=/,upperdir=$U,workdir=$W $M',
  'mount --rbind /dev $M/dev',
  'mount -t proc proc $M/proc',
  'mount --rbind /sys $M/sys',
  'mount -t tmpfs -o mode=0755,size=64m tmpfs $M/run',
  'mount -t tmpfs -o mode=1777,size=256m tmpfs $M/tmp',
  'mount --bind $DEV/home $M/root',
  'mkdir -p $M/run/sshd $M/run/jfleet-lab/boot',
  'mount --bind $DEV/boot $M/run/jfleet-lab/boot',
  'if [ -f $DEV/boot/shadow ]; then mount --bind $DEV/boot/shadow $M/etc/shadow; fi',
  'hostname "$HN"',
  // behind carrier NAT (unshare --net): only lo, nothing outside can connect in; the way out is a
  // relay per bastion port, from that address in here to a Unix socket the host side serves; lo's
  // MTU is a 4G link's (1500), so the device's TCP cuts its segments as it would on the modem
  'if [ -n "$NAT_RELAY" ]; then',
  '  ip link set lo mtu 1500 up',
  '  for r in $NAT_RELAY; do a=${r%:*}; p=${r##*:}; socat TCP-LISTEN:$p,bind=$a,reuseaddr,fork UNIX-CONNECT:$DEV/boot/uplink-$p.sock </dev/null >/dev/null 2>&1 & done',
  '  export SSHD_EXTRA="-o ListenAddress=127.0.0.1:22" LAB_NETNS=1',
  'fi',
  'exec chroot $M /bin/bash /run/jfleet-lab/boot/lab-init',
].join('\n');

export function writeKeyPair(dir: string, name: string): { priv: string; pub: string; fingerprint: string } {
  const k = generateEd25519(`jfleet-lab ${name}`);
  const priv = join(dir, name);
  writeFileSync(priv, k.privateKey, { mode: 0o600 });
  chmodSync(priv, 0o600);
  writeFileSync(priv + '.pub', k.publicKey + '\n', { mode: 0o644 });
  return { priv, pub: k.publicKey, fingerprint: k.fingerprint };
}

/** What every device image takes from the host, read once per lab. */
export interface HostBase {
  skelRc: Buffer | string;
  skelProfile: Buffer | string;
  /** units enabled on the host show through the lower layer; the lab init must not start them in devices */
  hostUnits: string[];
  /** /etc/shadow with root's password set, for password-only devices (null when there are none) */
  shadow: string | null;
}

export function readHostBase(password: string | null): HostBase {
  let shadow: string | null = null;
  if (password !== null) {
    const hash = execFileSync('openssl', ['passwd', '-6', '-salt', randomBytes(6).toString('hex'), password], { encoding: 'utf8' }).trim();
    shadow = readFileSync('/etc/shadow', 'utf8').replace(/^root:[^:]*:/m, `root:${hash}:`);
  }
  let hostUnits: string[] = [];
  try {
    hostUnits = readdirSync('/etc/systemd/system/multi-user.target.wants');
  } catch {
    /* none */
  }
  return {
    skelRc: existsSync('/etc/skel/.bashrc') ? readFileSync('/etc/skel/.bashrc') : '',
    skelProfile: existsSync('/etc/skel/.profile') ? readFileSync('/etc/skel/.profile') : '',
    hostUnits,
    shadow,
  };
}

/** Lay out one device's directory (upper/work/merged, home, boot); returns its host key fingerprint. */
export function writeDeviceImage(devDir: string, dev: { address: string; port: number; passwordOnly: boolean; authorizedKey: string }, base: HostBase): string {
  for (const sub of ['upper', 'work', 'merged', 'home', 'boot']) mkdirSync(join(devDir, sub), { recursive: true });
  chmodSync(join(devDir, 'home'), 0o700);
  mkdirSync(join(devDir, 'home', '.ssh'), { recursive: true, mode: 0o700 });
  writeFileSync(join(devDir, 'home', '.bashrc'), base.skelRc);
  writeFileSync(join(devDir, 'home', '.profile'), base.skelProfile);
  if (!dev.passwordOnly) writeFileSync(join(devDir, 'home', '.ssh', 'authorized_keys'), dev.authorizedKey + '\n', { mode: 0o600 });
  writeFileSync(join(devDir, 'boot', 'sshd_config'), sshdConfig(dev.address, dev.port, dev.passwordOnly));
  writeFileSync(join(devDir, 'boot', 'lab-init'), LAB_INIT_SCRIPT, { mode: 0o755 });
  writeFileSync(join(devDir, 'boot', 'host-units'), base.hostUnits.join('\n') + '\n');
  if (dev.passwordOnly && base.shadow) writeFileSync(join(devDir, 'boot', 'shadow'), base.shadow, { mode: 0o640 });
  return writeKeyPair(join(devDir, 'boot'), HOST_KEY).fingerprint;
}

/** A tmpfs of sizeMiB as the device's upper layer (so its disk can fill); returns the disk's directory. */
export function mountDisk(devDir: string, sizeMiB: number): string {
  const disk = join(devDir, 'disk');
  mkdirSync(disk);
  mountTmpfs(disk, sizeMiB);
  mkdirSync(join(disk, 'upper'));
  mkdirSync(join(disk, 'work'));
  return disk;
}

/** A new host key for a (powered off) device; returns its fingerprint. */
export function replaceHostKey(devDir: string): string {
  const bootDir = join(devDir, 'boot');
  rmSync(join(bootDir, HOST_KEY), { force: true });
  rmSync(join(bootDir, HOST_KEY + '.pub'), { force: true });
  return writeKeyPair(bootDir, HOST_KEY).fingerprint;
}

/** A device behind carrier NAT: its way out is a relay to these ports of the bastion (uplink-<port>.sock in its boot dir). */
export interface NatUplink {
  host: string;
  ports: number[];
}

/** The lab bastion's sshd: its own listen addresses and key first, then what jfleet bastion init wrote. */
export function bastionSshdConfig(address: string, ports: number[]): string {
  return [
    ...ports.map((p) => `ListenAddress ${address}:${p}`),
    `HostKey /run/jfleet-lab/boot/${HOST_KEY}`,
    'PidFile /run/sshd.pid',
    'PermitRootLogin no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'UseDNS no',
    'PrintMotd no',
    'LogLevel VERBOSE',
    'Subsystem sftp internal-sftp',
    'Include /etc/ssh/sshd_config.d/*.conf',
    '',
  ].join('\n');
}

/** Lay out the lab bastion's image: a device image whose sshd reads the bastion's drop-in; returns its public host key line. */
export function writeBastionImage(devDir: string, address: string, ports: number[], base: HostBase): string {
  writeDeviceImage(devDir, { address, port: ports[0] ?? 22, passwordOnly: false, authorizedKey: '' }, base);
  writeFileSync(join(devDir, 'boot', 'sshd_config'), bastionSshdConfig(address, ports));
  writeFileSync(join(devDir, 'boot', 'tmpfiles'), '');
  return readFileSync(join(devDir, 'boot', `${HOST_KEY}.pub`), 'utf8')
    .trim()
    .split(' ')
    .slice(0, 2)
    .join(' ');
}

/**
 * Boot a device from its image: `unshare --pid --kill-child` in its own session, so killing the
 * returned pid takes its whole PID namespace (and every mount of its mount namespace) down.
 */
export function bootDevice(devDir: string, hostname: string, disk: string | null, nat: NatUplink | null = null): number {
  const log = openSync(join(devDir, 'boot.log'), 'a');
  const ns = ['--mount', '--uts', '--pid', ...(nat ? ['--net'] : [])];
  const child = spawn('unshare', [...ns, '--fork', '--kill-child', 'bash', '-c', BOOT_SCRIPT, devDir], {
    detached: true,
    stdio: ['ignore', log, log],
    env: {
      PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
      DEV: devDir,
      HN: hostname,
      DISK: disk ?? '',
      LANG: 'C.UTF-8',
      NAT_RELAY: nat ? nat.ports.map((p) => `${nat.host}:${p}`).join(' ') : '',
    },
  });
  closeSync(log);
  child.unref();
  return child.pid!;
}
