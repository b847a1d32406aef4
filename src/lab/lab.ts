/**
 * The simulated kiosk fleet: N devices, each a real OpenSSH sshd on its own loopback address,
 * with its own host key, hostname (UTS namespace), process table (PID namespace), mounts and a
 * copy-on-write root (overlay: lower = host /, upper per device, so a test sees in upperDir
 * exactly what the device changed). /root is a fresh per-device home (skeleton dotfiles and the
 * lab key only: no pyenv .bashrc, which costs ~150 ms per command, and none of the host's
 * credentials); /run and /tmp are fresh tmpfs. PID 1 of each device is the lab init
 * (init-script.ts): sshd plus the units enabled under multi-user.target.wants.
 *
 * Everything the lab starts is tracked by pid and stopped by pid (never by name): a device is
 * `setsid unshare --pid --kill-child ...`, so killing that one pid takes its whole PID namespace
 * (and with it every mount of its private mount namespace) down. Labs register under a lock in
 * /run/jfleet-lab (registry.ts) to get a unique 127.<100+slot>.0.0/16 range and directory; a lab
 * left behind by a crashed run is cleaned by the next one.
 *
 * Shipping code: `jfleet lab up|down|status` and the tests (test/lab/) both use it.
 */
import { spawn, execFileSync } from 'node:child_process';
import { chmodSync, closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, readlinkSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateEd25519 } from '../transport/keygen.js';
import { loadVillages, type Village } from '../inventory/villages.js';
import { packageSchema, type Package } from '../inventory/schema.js';
import { homePaths } from '../context.js';
import { LAB_INIT_SCRIPT } from './init-script.js';
import { startLink, type Link, type LinkOptions } from './link.js';
import { LAB_BASE_DIR, freeSlot, isStale, readRegistry, withRegistry, type RegistryEntry } from './registry.js';
import { pidAlive } from '../store/lock.js';

export interface LabOptions {
  devices: number;
  /** the lab's directory (default /tmp/jfleet-lab/<lab id>) */
  dir?: string;
  /** village codes to place the devices in, in order (default: spread over all districts) */
  villages?: string[];
  /** a lab that outlives this process (`jfleet lab up`): no owner pid, stopped by `lab down` */
  persistent?: boolean;
  /** give every device a tmpfs upper layer of this size, so fillDisk() can fill it */
  diskMiB?: number;
  /** device indices that accept only a root password (no authorized key): bootstrap tests */
  passwordOnly?: number[];
  /** root password of the password-only devices (default: a random one, in lab.password) */
  password?: string;
  /** write each device's host key fingerprint into the inventory (default true); false = trust on first use */
  pinHostKeys?: boolean;
  /** how long to wait for every sshd to listen (default 60 s) */
  readyTimeoutMs?: number;
}

export interface LabDevice {
  id: string;
  index: number;
  address: string;
  port: number;
  /** pid of the device (the unshare process; killing it takes the whole device down) */
  pid: number;
  /** pid, in the host's view, of the device's PID 1 (the lab init) */
  initPid: number;
  /** the device's root as seen from the host (through /proc/<initPid>/root); valid while powered on */
  rootDir: string;
  /** the overlay upper layer: exactly what the device changed */
  upperDir: string;
  /** the device's /root (home of root), persistent across power cycles */
  homeDir: string;
  village: Village;
  /** SHA256 fingerprint of its current host key */
  hostKey: string;
  passwordOnly: boolean;
  powered: boolean;
}

export interface Lab {
  id: string;
  dir: string;
  slot: number;
  devices: LabDevice[];
  /** an inventory of the devices (packages.yaml), key auth with the lab key */
  inventoryDir: string;
  /** a JFLEET_HOME for CLI runs against this lab */
  home: string;
  /** the lab's private key (ed25519, 0600) and its public half */
  keyFile: string;
  publicKey: string;
  /** root password of password-only devices */
  password: string;
  /** env for jfleet() in CLI tests: JFLEET_HOME, JFLEET_INVENTORY, JFLEET_KEY_FILE */
  env: Record<string, string>;
  device(id: string): LabDevice;
  /** kill the device (connection refused); its disk (upper layer) stays */
  powerOff(id: string): Promise<void>;
  /** boot it again (sshd + enabled units), wait until sshd listens */
  powerOn(id: string): Promise<void>;
  /** SIGSTOP every process of the device: TCP connects, SSH never answers */
  hang(id: string): void;
  resume(id: string): void;
  /** kill the device's SSH sessions (connections drop mid-command); sshd keeps listening */
  killSessions(id: string): void;
  /** new host key (a reinstalled device or a man in the middle); power-cycles the device */
  changeHostKey(id: string): Promise<string>;
  /** fill the device's disk (needs diskMiB); freeDisk undoes it */
  fillDisk(id: string): void;
  freeDisk(id: string): void;
  /** put a slow/lossy link (userspace TCP proxy) in front of the device; the lab inventory points at it */
  addLink(id: string, opts?: LinkOptions): Promise<Link>;
  removeLink(id: string): Promise<void>;
  /** run a shell command inside the device (no SSH): mount/uts/pid namespaces and root */
  run(id: string, script: string): string;
  /** stop every process (by pid), unmount, remove the directory; safe to call twice */
  stop(): Promise<void>;
}

/** What a lab's directory records, so `lab down` or a later run can clean it up. */
interface LabState {
  id: string;
  slot: number;
  dir: string;
  devices: Array<{ id: string; address: string; port: number; pid: number; initPid: number; disk: string | null }>;
}

export const SSH_PORT = 22;
/** used when a host sshd (Debian starts one when openssh-server is installed) holds 0.0.0.0:22 */
export const FALLBACK_SSH_PORT = 2222;

export function labAddress(slot: number, i: number): string {
  return `127.${100 + slot}.${Math.floor(i / 250)}.${1 + (i % 250)}`;
}

export { fingerprintOfPublicKey } from '../transport/fingerprint.js';

function slug(s: string): string {
  return s
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** Real Jember villages, spread round-robin over the districts. */
export function spreadVillages(n: number, codes?: string[]): Village[] {
  const ref = loadVillages();
  if (codes?.length) {
    return Array.from({ length: n }, (_, i) => {
      const code = codes[i % codes.length];
      const v = ref.byCode.get(code);
      if (!v) throw new Error(`unknown village code ${code}`);
      return v;
    });
  }
  const districts = [...ref.districts].sort((a, b) => a.code.localeCompare(b.code));
  return Array.from({ length: n }, (_, i) => {
    const d = districts[i % districts.length];
    return d.villages[Math.floor(i / districts.length) % d.villages.length];
  });
}

function sshdConfig(address: string, port: number, passwordOnly: boolean): string {
  return [
    `ListenAddress ${address}:${port}`,
    'HostKey /run/jfleet-lab/boot/ssh_host_ed25519_key',
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
  'exec chroot $M /bin/bash /run/jfleet-lab/boot/lab-init',
].join('\n');

function writeKeyPair(dir: string, name: string): { priv: string; pub: string; fingerprint: string } {
  const k = generateEd25519(`jfleet-lab ${name}`);
  const priv = join(dir, name);
  writeFileSync(priv, k.privateKey, { mode: 0o600 });
  chmodSync(priv, 0o600);
  writeFileSync(priv + '.pub', k.publicKey + '\n', { mode: 0o644 });
  return { priv, pub: k.publicKey, fingerprint: k.fingerprint };
}

/** ppid of every process, from /proc (this kernel has no /proc/PID/task/TID/children). */
function processTable(): Map<number, { ppid: number; comm: string }> {
  const out = new Map<number, { ppid: number; comm: string }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      out.set(Number(name), { ppid, comm });
    } catch {
      /* the process exited while we looked */
    }
  }
  return out;
}

function descendants(root: number, table = processTable()): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, { ppid }] of table) {
    const list = children.get(ppid) ?? [];
    list.push(pid);
    children.set(ppid, list);
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length) {
    const p = stack.pop()!;
    for (const c of children.get(p) ?? []) {
      out.push(c);
      stack.push(c);
    }
  }
  return out;
}

function tryKill(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

function waitPort(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const s = connect(port, host);
      s.once('connect', () => {
        s.destroy();
        resolve();
      });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > deadline) reject(new Error(`lab device ${host}:${port} did not start listening within ${timeoutMs} ms`));
        else setTimeout(attempt, 40);
      });
    };
    attempt();
  });
}

/** Kill a device by its pid, after checking the pid still is that device (pids get reused). */
async function killDevice(dev: { pid: number; initPid: number }, devDir: string): Promise<void> {
  const isOurs = cmdlineOf(dev.pid).includes(devDir);
  if (isOurs) {
    tryKill(-dev.pid, 'SIGKILL'); // its process group (setsid)
    tryKill(dev.pid, 'SIGKILL');
  }
  if (dev.initPid && isOurs) tryKill(dev.initPid, 'SIGKILL');
  for (let i = 0; i < 200 && (pidAlive(dev.pid) && isOurs); i++) await sleep(10);
  // the namespace's processes die with its PID 1; wait for the init to be reaped too
  for (let i = 0; i < 200 && dev.initPid && existsSync(`/proc/${dev.initPid}`) && isOurs; i++) await sleep(10);
}

function umountQuiet(path: string): void {
  try {
    execFileSync('umount', ['-l', path], { stdio: 'ignore' });
  } catch {
    /* not mounted */
  }
}

/** Stop and remove a lab from its recorded state (used by stop(), `lab down`, stale cleanup). */
export async function destroyLab(dir: string): Promise<void> {
  let state: LabState | undefined;
  try {
    state = JSON.parse(readFileSync(join(dir, 'lab.json'), 'utf8')) as LabState;
  } catch {
    state = undefined;
  }
  if (state) {
    await Promise.all(state.devices.map((d) => killDevice(d, join(dir, 'devices', d.id))));
    for (const d of state.devices) if (d.disk) umountQuiet(d.disk);
  }
  if (dir.startsWith(LAB_BASE_DIR + '/')) rmSync(dir, { recursive: true, force: true });
}

async function cleanStale(reg: { labs: RegistryEntry[] }): Promise<void> {
  const stale = reg.labs.filter(isStale);
  for (const e of stale) await destroyLab(e.dir);
  reg.labs = reg.labs.filter((e) => !stale.includes(e));
}

export function listLabs(): Array<RegistryEntry & { devices: number; stale: boolean; inventoryDir: string }> {
  return readRegistry().labs.map((e) => {
    let devices = 0;
    try {
      devices = (JSON.parse(readFileSync(join(e.dir, 'lab.json'), 'utf8')) as LabState).devices.length;
    } catch {
      /* being set up or gone */
    }
    return { ...e, devices, stale: isStale(e), inventoryDir: join(e.dir, 'inventory') };
  });
}

/** Stop a registered lab (by id, or every persistent one when id is omitted). Returns the ids stopped. */
export async function stopLabs(filter: (e: RegistryEntry) => boolean): Promise<string[]> {
  return withRegistry(async (reg) => {
    const chosen = reg.labs.filter((e) => filter(e) || isStale(e));
    for (const e of chosen) await destroyLab(e.dir);
    reg.labs = reg.labs.filter((e) => !chosen.includes(e));
    return chosen.map((e) => e.id);
  });
}

/** A process listening on 0.0.0.0:22 takes port 22 on every 127.x address: no device could bind. */
export function wildcardSshListener(port = SSH_PORT): { pid: number | null; cmd: string } | null {
  let inode: string | undefined;
  const local = `00000000:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  try {
    for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[1] === local && f[3] === '0A') inode = f[9];
    }
  } catch {
    return null;
  }
  if (!inode) return null;
  for (const pid of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`) return { pid: Number(pid), cmd: cmdlineOf(Number(pid)).replace(/\0/g, ' ').trim() };
      }
    } catch {
      /* gone or not ours to read */
    }
  }
  return { pid: null, cmd: '' };
}

export async function startLab(opts: LabOptions): Promise<Lab> {
  if (process.getuid?.() !== 0) throw new Error('the lab needs root (mount, unshare, chroot)');
  if (!existsSync('/usr/sbin/sshd')) throw new Error('the lab needs /usr/sbin/sshd (apt-get install -y openssh-server)');
  const n = opts.devices;
  if (!Number.isInteger(n) || n < 1 || n > 5000) throw new Error(`devices must be 1-5000, not ${n}`);
  // a process on 0.0.0.0:22 (a host sshd) takes port 22 on every 127.x address: devices use 2222 then
  const squatter = wildcardSshListener(SSH_PORT);
  const sshPort = squatter ? FALLBACK_SSH_PORT : SSH_PORT;
  const squatter2 = squatter ? wildcardSshListener(FALLBACK_SSH_PORT) : null;
  if (squatter && squatter2) {
    throw new Error(
      `processes listen on 0.0.0.0:22 and 0.0.0.0:2222${squatter.pid ? ` (pid ${squatter.pid}: ${squatter.cmd})` : ''}, which take those ports on every 127.x address, so no lab device can start; stop them (a host sshd: systemctl stop ssh)`,
    );
  }
  const labId = `lab-${process.pid}-${randomBytes(3).toString('hex')}`;
  const { slot, dir } = await withRegistry(async (reg) => {
    await cleanStale(reg);
    const s = freeSlot(reg);
    const d = opts.dir ?? join(LAB_BASE_DIR, labId);
    reg.labs.push({ id: labId, slot: s, dir: d, ownerPid: opts.persistent ? null : process.pid, createdAt: new Date().toISOString() });
    return { slot: s, dir: d };
  });
  try {
    return await bringUp(labId, slot, dir, opts, sshPort);
  } catch (e) {
    await destroyLab(dir).catch(() => undefined);
    await withRegistry((reg) => {
      reg.labs = reg.labs.filter((l) => l.id !== labId);
    }).catch(() => undefined);
    throw e;
  }
}

async function bringUp(labId: string, slot: number, dir: string, opts: LabOptions, sshPort: number): Promise<Lab> {
  const n = opts.devices;
  // a lab directory used before (a fixed dir, e.g. the demo's): its devices start fresh
  if (existsSync(join(dir, 'lab.json'))) {
    await destroyLab(dir);
    rmSync(join(dir, 'devices'), { recursive: true, force: true });
  }
  mkdirSync(join(dir, 'keys'), { recursive: true, mode: 0o700 });
  const home = join(dir, 'home');
  const inventoryDir = join(dir, 'inventory');
  mkdirSync(join(home, 'keys'), { recursive: true, mode: 0o700 });
  const labKey = writeKeyPair(join(dir, 'keys'), 'id_ed25519');
  // the lab key is also this home's fleet key, so `JFLEET_HOME=<lab home> jfleet ...` just works
  const fleetKey = homePaths(home).fleetKey;
  copyFileSync(labKey.priv, fleetKey);
  chmodSync(fleetKey, 0o600);
  copyFileSync(labKey.priv + '.pub', fleetKey + '.pub');
  const passwordOnly = new Set(opts.passwordOnly ?? []);
  const password = opts.password ?? 'lab-' + randomBytes(6).toString('hex');
  let shadow: string | null = null;
  if (passwordOnly.size) {
    const hash = execFileSync('openssl', ['passwd', '-6', '-salt', randomBytes(6).toString('hex'), password], { encoding: 'utf8' }).trim();
    shadow = readFileSync('/etc/shadow', 'utf8').replace(/^root:[^:]*:/m, `root:${hash}:`);
  }
  const skelRc = existsSync('/etc/skel/.bashrc') ? readFileSync('/etc/skel/.bashrc') : '';
  const skelProfile = existsSync('/etc/skel/.profile') ? readFileSync('/etc/skel/.profile') : '';

  // units enabled on the host show through the lower layer; the lab init must not start them in devices
  let hostUnits: string[] = [];
  try {
    hostUnits = readdirSync('/etc/systemd/system/multi-user.target.wants');
  } catch {
    /* none */
  }
  const villages = spreadVillages(n, opts.villages);
  const seen = new Map<string, number>();
  const devices: LabDevice[] = villages.map((village, i) => {
    const base = `kiosk-${slug(village.name)}`.slice(0, 56).replace(/-+$/, '');
    const k = (seen.get(base) ?? 0) + 1;
    seen.set(base, k);
    const id = k === 1 ? base : `${base}-${k}`;
    const devDir = join(dir, 'devices', id);
    for (const sub of ['upper', 'work', 'merged', 'home', 'boot']) mkdirSync(join(devDir, sub), { recursive: true });
    chmodSync(join(devDir, 'home'), 0o700);
    mkdirSync(join(devDir, 'home', '.ssh'), { recursive: true, mode: 0o700 });
    writeFileSync(join(devDir, 'home', '.bashrc'), skelRc);
    writeFileSync(join(devDir, 'home', '.profile'), skelProfile);
    const isPw = passwordOnly.has(i);
    if (!isPw) writeFileSync(join(devDir, 'home', '.ssh', 'authorized_keys'), labKey.pub + '\n', { mode: 0o600 });
    const address = labAddress(slot, i);
    writeFileSync(join(devDir, 'boot', 'sshd_config'), sshdConfig(address, sshPort, isPw));
    writeFileSync(join(devDir, 'boot', 'lab-init'), LAB_INIT_SCRIPT, { mode: 0o755 });
    writeFileSync(join(devDir, 'boot', 'host-units'), hostUnits.join('\n') + '\n');
    if (isPw && shadow) writeFileSync(join(devDir, 'boot', 'shadow'), shadow, { mode: 0o640 });
    const hk = writeKeyPair(join(devDir, 'boot'), 'ssh_host_ed25519_key');
    return {
      id,
      index: i,
      address,
      port: sshPort,
      pid: 0,
      initPid: 0,
      rootDir: '',
      upperDir: join(devDir, 'upper'),
      homeDir: join(devDir, 'home'),
      village,
      hostKey: hk.fingerprint,
      passwordOnly: isPw,
      powered: false,
    };
  });
  const devDirOf = (d: LabDevice) => join(dir, 'devices', d.id);
  const disks = new Map<string, string>();
  if (opts.diskMiB) {
    for (const d of devices) {
      const disk = join(devDirOf(d), 'disk');
      mkdirSync(disk);
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${opts.diskMiB}m,mode=0755`, 'tmpfs', disk]);
      mkdirSync(join(disk, 'upper'));
      mkdirSync(join(disk, 'work'));
      disks.set(d.id, disk);
      d.upperDir = join(disk, 'upper');
    }
  }

  const saveState = () => {
    const state: LabState = {
      id: labId,
      slot,
      dir,
      devices: devices.map((d) => ({ id: d.id, address: d.address, port: sshPort, pid: d.pid, initPid: d.initPid, disk: disks.get(d.id) ?? null })),
    };
    writeFileSync(join(dir, 'lab.json'), JSON.stringify(state, null, 2));
  };

  const boot = (d: LabDevice) => {
    const devDir = devDirOf(d);
    const log = openSync(join(devDir, 'boot.log'), 'a');
    const child = spawn('unshare', ['--mount', '--uts', '--pid', '--fork', '--kill-child', 'bash', '-c', BOOT_SCRIPT, devDir], {
      detached: true,
      stdio: ['ignore', log, log],
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', DEV: devDir, HN: d.id, DISK: disks.get(d.id) ?? '', LANG: 'C.UTF-8' },
    });
    closeSync(log);
    child.unref();
    d.pid = child.pid!;
    d.initPid = 0;
    d.powered = true;
  };

  const findInits = async (list: LabDevice[]) => {
    for (let round = 0; round < 200; round++) {
      const table = processTable();
      const byParent = new Map<number, number>();
      for (const [pid, { ppid }] of table) byParent.set(ppid, pid);
      for (const d of list) {
        if (!d.initPid) {
          const c = byParent.get(d.pid);
          if (c) {
            d.initPid = c;
            d.rootDir = `/proc/${c}/root`;
          }
        }
      }
      if (list.every((d) => d.initPid)) return;
      await sleep(20);
    }
    throw new Error('lab devices did not start (see boot.log in their directories)');
  };

  const readyTimeout = opts.readyTimeoutMs ?? 60_000;
  const bootAndWait = async (list: LabDevice[]) => {
    for (const d of list) boot(d);
    saveState();
    await Promise.all(
      list.map((d) =>
        waitPort(d.address, sshPort, readyTimeout).catch((e: Error) => {
          let log = pidAlive(d.pid) ? 'device process alive' : 'device process exited';
          for (const f of [join(devDirOf(d), 'boot.log'), ...descendants(d.pid).map((p) => `/proc/${p}/root/run/jfleet-lab/sshd.log`)]) {
            try {
              const text = readFileSync(f, 'utf8').trim();
              if (text) log += ` | ${f}: ${text.split('\n').slice(-3).join(' | ')}`;
            } catch {
              /* no log */
            }
          }
          throw new Error(`${e.message}${log ? `: ${log}` : ''}`);
        }),
      ),
    );
    await findInits(list);
    saveState();
  };

  saveState();
  await bootAndWait(devices);

  // The inventory of the lab: real villages, key auth with the lab key, host keys pinned.
  const now = new Date().toISOString();
  const packages: Package[] = devices.map((d) =>
    packageSchema.parse({
      id: d.id,
      village: d.village.code,
      address: d.address,
      port: sshPort,
      user: 'root',
      tags: ['lab'],
      ...(opts.pinHostKeys === false ? {} : { hostKey: d.hostKey }),
      ...(d.passwordOnly ? {} : { identityFile: labKey.priv }),
      vars: { kiosk_listen: `${d.address}:8080` },
      registeredAt: now,
    }),
  );
  await editInventory(inventoryDir, () => packages);

  const links = new Map<string, Link>();
  const byId = new Map(devices.map((d) => [d.id, d]));
  const device = (id: string): LabDevice => {
    const d = byId.get(id);
    if (!d) throw new Error(`no lab device ${id}`);
    return d;
  };
  const signalAll = (d: LabDevice, sig: NodeJS.Signals) => {
    if (!d.powered) return;
    const pids = [d.initPid, ...descendants(d.initPid)];
    for (const p of pids) tryKill(p, sig);
  };
  let stopped = false;

  const lab: Lab = {
    id: labId,
    dir,
    slot,
    devices,
    inventoryDir,
    home,
    keyFile: labKey.priv,
    publicKey: labKey.pub,
    password,
    env: { JFLEET_HOME: home, JFLEET_INVENTORY: inventoryDir, JFLEET_KEY_FILE: labKey.priv },
    device,
    async powerOff(id) {
      const d = device(id);
      if (!d.powered) return;
      await killDevice(d, devDirOf(d));
      d.powered = false;
      d.rootDir = '';
      saveState();
    },
    async powerOn(id) {
      const d = device(id);
      if (d.powered) return;
      await bootAndWait([d]);
    },
    hang(id) {
      signalAll(device(id), 'SIGSTOP');
    },
    resume(id) {
      signalAll(device(id), 'SIGCONT');
    },
    killSessions(id) {
      const d = device(id);
      const table = processTable();
      const listener = [...table].find(([, p]) => p.ppid === d.initPid && p.comm === 'sshd')?.[0];
      if (!listener) return;
      for (const p of descendants(listener, table)) tryKill(p, 'SIGKILL');
    },
    async changeHostKey(id) {
      const d = device(id);
      const wasOn = d.powered;
      await lab.powerOff(id);
      const bootDir = join(devDirOf(d), 'boot');
      rmSync(join(bootDir, 'ssh_host_ed25519_key'), { force: true });
      rmSync(join(bootDir, 'ssh_host_ed25519_key.pub'), { force: true });
      d.hostKey = writeKeyPair(bootDir, 'ssh_host_ed25519_key').fingerprint;
      if (wasOn) await lab.powerOn(id);
      return d.hostKey;
    },
    fillDisk(id) {
      const d = device(id);
      if (!disks.has(id)) throw new Error('fillDisk needs a lab started with diskMiB (a tmpfs upper layer per device)');
      if (!d.powered) throw new Error(`${id} is powered off`);
      const fd = openSync(join(d.rootDir, 'var', 'jfleet-lab-fill'), 'w');
      const chunk = Buffer.alloc(1 << 20);
      try {
        for (;;) writeSync(fd, chunk);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
      } finally {
        closeSync(fd);
      }
    },
    freeDisk(id) {
      const d = device(id);
      try {
        unlinkSync(join(d.rootDir, 'var', 'jfleet-lab-fill'));
      } catch {
        /* not filled */
      }
    },
    async addLink(id, linkOpts = {}) {
      const d = device(id);
      await lab.removeLink(id);
      const link = await startLink({ host: d.address, port: 0 }, { host: d.address, port: sshPort }, linkOpts);
      links.set(id, link);
      d.port = link.port;
      await editInventory(inventoryDir, (pkgs) => {
        for (const p of pkgs) if (p.id === id) p.port = link.port;
      });
      return link;
    },
    async removeLink(id) {
      const link = links.get(id);
      if (!link) return;
      links.delete(id);
      await link.close();
      const d = device(id);
      d.port = sshPort;
      await editInventory(inventoryDir, (pkgs) => {
        for (const p of pkgs) if (p.id === id) p.port = sshPort;
      });
    },
    run(id, script) {
      const d = device(id);
      return execFileSync('nsenter', ['-t', String(d.initPid), '-m', '-u', '-p', '-r', '-w', '/bin/sh', '-c', script], {
        encoding: 'utf8',
        env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', LANG: 'C.UTF-8' },
      });
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const l of links.values()) await l.close().catch(() => undefined);
      links.clear();
      await withRegistry(async (reg) => {
        await destroyLab(dir);
        reg.labs = reg.labs.filter((l) => l.id !== labId);
      });
    },
  };
  return lab;
}

/** The lab's edits of its inventory (write the devices, point one at its link proxy) go through the inventory's writer. */
async function editInventory(dir: string, fn: (packages: Package[]) => Package[] | void): Promise<void> {
  const { updateInventory } = await import('../inventory/store.js');
  await updateInventory(dir, fn);
}
