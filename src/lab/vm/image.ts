/**
 * The booted tier's disk image: a bare Debian 12 mini-PC (systemd, sshd, a kernel, and what a
 * freshly installed box has; none of the kiosk's packages: provisioning installs those), built
 * from the Debian mirror only with mmdebstrap, the lab key authorized for root, its own host key.
 *
 * Built once and kept in the machine's cache (/var/cache/jfleet-lab/vm/<key>/), where <key> is a
 * hash of this recipe: change the package list or the hook and the next run builds a new image.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { writeAtomic } from '../../atomic-file.js';
import { join } from 'node:path';
import { generateEd25519 } from '../../transport/keygen.js';

export const VM_CACHE_DIR = '/var/cache/jfleet-lab';
export const ROOT_LABEL = 'jfleet-root';

/** The recipe of the bare device, as data: everything the image's cache key covers. */
export const IMAGE_RECIPE = {
  suite: 'bookworm',
  variant: 'minbase',
  sources: [
    'deb http://deb.debian.org/debian bookworm main',
    'deb http://deb.debian.org/debian bookworm-updates main',
    'deb http://deb.debian.org/debian-security bookworm-security main',
  ],
  // what a bare Debian 12 mini-PC has after a netinst with only "SSH server": init, udev, a
  // kernel, the network (systemd-networkd, DHCP), D-Bus and logind's PAM module, sshd
  packages: ['systemd-sysv', 'udev', 'linux-image-amd64', 'openssh-server', 'dbus', 'libpam-systemd', 'iproute2', 'kmod', 'procps', 'less'],
  hostname: 'kiosk-vm',
  diskSize: '6G',
  /** bump when the hook below changes meaning */
  hookVersion: 1,
} as const;

/** The customize hook (runs on the host, $1 = the new root; the lab key is in $2). */
const HOOK = String.raw`#!/bin/sh
set -eu
R="$1"; KEY="$2"; HN="$3"
echo "$HN" > "$R/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\tlocalhost ip6-localhost ip6-loopback\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n' "$HN" > "$R/etc/hosts"
printf 'LABEL=${ROOT_LABEL} / ext4 rw,errors=remount-ro 0 1\n' > "$R/etc/fstab"
mkdir -p "$R/etc/systemd/network"
printf '[Match]\nName=en*\n\n[Network]\nDHCP=yes\n' > "$R/etc/systemd/network/10-wired.network"
chroot "$R" systemctl enable systemd-networkd.service
# the apt proxy of the build is the builder's, not the device's: provisioning configures its own
rm -f "$R/etc/apt/apt.conf.d/99mmdebstrap"
mkdir -p "$R/root/.ssh"; chmod 700 "$R/root/.ssh"
cp "$KEY" "$R/root/.ssh/authorized_keys"; chmod 600 "$R/root/.ssh/authorized_keys"
# its own host key (not the builder's), ed25519 only
rm -f "$R"/etc/ssh/ssh_host_*
ssh-keygen -q -t ed25519 -N '' -C "root@$HN" -f "$R/etc/ssh/ssh_host_ed25519_key"
# root has no password (key login only), as a freshly installed device with an authorized key
chroot "$R" passwd -l root >/dev/null
`;

export interface VmImage {
  dir: string;
  key: string;
  rootfs: string;
  kernel: string;
  initrd: string;
  /** the lab key (private, 0600) authorized for root in the image */
  keyFile: string;
  publicKey: string;
  /** the image's host key, "ssh-ed25519 AAAA..." */
  hostKey: string;
  /** its SHA256 fingerprint as ssh-keygen -lf prints it (recorded at build time), to pin in the inventory */
  hostKeyFingerprint: string;
}

export function imageKey(): string {
  return createHash('sha256')
    .update(JSON.stringify({ recipe: IMAGE_RECIPE, hook: HOOK }))
    .digest('hex')
    .slice(0, 16);
}

function imageAt(dir: string, key: string): VmImage {
  return {
    dir,
    key,
    rootfs: join(dir, 'rootfs.ext4'),
    kernel: join(dir, 'vmlinuz'),
    initrd: join(dir, 'initrd.img'),
    keyFile: join(dir, 'lab_ed25519'),
    publicKey: readFileSync(join(dir, 'lab_ed25519.pub'), 'utf8').trim(),
    hostKey: readFileSync(join(dir, 'ssh_host_ed25519_key.pub'), 'utf8').trim().split(' ').slice(0, 2).join(' '),
    hostKeyFingerprint: readFileSync(join(dir, 'ssh_host_ed25519_key.fingerprint'), 'utf8').trim(),
  };
}

/** The cached image, or null when this recipe's image was never built (or half built). */
export function cachedImage(cacheDir = VM_CACHE_DIR): VmImage | null {
  const key = imageKey();
  const dir = join(cacheDir, 'vm', key);
  return existsSync(join(dir, 'complete')) ? imageAt(dir, key) : null;
}

export interface BuildOptions {
  /** http://127.0.0.1:PORT of the apt proxy the build fetches through */
  aptProxy?: string;
  cacheDir?: string;
  /** the build's output (mmdebstrap's progress), line by line */
  log?: (line: string) => void;
  signal?: AbortSignal;
}

/** The image of this recipe: from the cache, else built (about 75-150 s cold) and cached. */
export async function ensureImage(opts: BuildOptions = {}): Promise<VmImage> {
  const cacheDir = opts.cacheDir ?? VM_CACHE_DIR;
  const have = cachedImage(cacheDir);
  if (have) return have;
  if (!existsSync('/usr/bin/mmdebstrap')) throw new Error('building the VM image needs mmdebstrap (bash scripts/install-system-deps.sh)');
  const key = imageKey();
  const final = join(cacheDir, 'vm', key);
  const work = `${final}.build-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true, mode: 0o755 });
  mkdirSync(join(work, 'root'), { mode: 0o755 });
  try {
    const lab = generateEd25519('jfleet-vm-lab');
    writeAtomic(join(work, 'lab_ed25519'), lab.privateKey, { mode: 0o600 });
    chmodSync(join(work, 'lab_ed25519'), 0o600);
    writeAtomic(join(work, 'lab_ed25519.pub'), lab.publicKey + '\n');
    writeAtomic(join(work, 'hook.sh'), HOOK, { mode: 0o755 });
    const r = IMAGE_RECIPE;
    const args = [
      `--variant=${r.variant}`,
      `--include=${r.packages.join(',')}`,
      ...(opts.aptProxy ? [`--aptopt=Acquire::http::Proxy "${opts.aptProxy}"`] : []),
      `--customize-hook=${join(work, 'hook.sh')} "$1" ${join(work, 'lab_ed25519.pub')} ${r.hostname}`,
      r.suite,
      join(work, 'root'),
      ...r.sources,
    ];
    await run('mmdebstrap', args, opts);
    const root = join(work, 'root');
    const boot = readdirSync(join(root, 'boot'));
    const kernel = boot.find((f) => f.startsWith('vmlinuz-'));
    const initrd = boot.find((f) => f.startsWith('initrd.img-'));
    if (!kernel || !initrd) throw new Error(`the image has no kernel or initrd in /boot (found: ${boot.join(', ')})`);
    execFileSync('cp', [join(root, 'boot', kernel), join(work, 'vmlinuz')]);
    execFileSync('cp', [join(root, 'boot', initrd), join(work, 'initrd.img')]);
    execFileSync('cp', [join(root, 'etc/ssh/ssh_host_ed25519_key.pub'), join(work, 'ssh_host_ed25519_key.pub')]);
    const fp = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(work, 'ssh_host_ed25519_key.pub')], { encoding: 'utf8' }).split(' ')[1] ?? '';
    if (!fp.startsWith('SHA256:')) throw new Error(`ssh-keygen gave no fingerprint of the image's host key (${fp})`);
    writeAtomic(join(work, 'ssh_host_ed25519_key.fingerprint'), `${fp}\n`);
    // a filesystem made from the directory, no loop mount (about 3 s)
    await run('mkfs.ext4', ['-q', '-F', '-L', ROOT_LABEL, '-d', root, join(work, 'rootfs.ext4'), r.diskSize], opts);
    rmSync(root, { recursive: true, force: true });
    rmSync(join(work, 'hook.sh'), { force: true });
    writeAtomic(join(work, 'complete'), JSON.stringify({ key, builtAt: new Date().toISOString(), recipe: r }, null, 2) + '\n');
    rmSync(final, { recursive: true, force: true });
    renameSync(work, final);
  } catch (e) {
    rmSync(work, { recursive: true, force: true });
    throw e;
  }
  return imageAt(final, key);
}

function run(cmd: string, args: string[], opts: BuildOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], signal: opts.signal });
    let tail = '';
    const onData = (b: Buffer) => {
      const s = b.toString('utf8');
      tail = (tail + s).slice(-4000);
      for (const line of s.split('\n')) if (line.trim()) opts.log?.(line);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited with ${code}:\n${tail}`))));
  });
}
