/** The lab's public shapes: what a caller asks for (LabOptions) and what it gets back (Lab, LabDevice). */
import type { Village } from '../inventory/villages.js';
import type { Link, LinkOptions } from './link.js';
import type { LabBastion, LabUplink, NetCounters, TunnelSocket } from './reach.js';

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
  /** a lab bastion (real sshd on loopback, laid out by jfleet bastion init/add) for devices behind carrier NAT */
  bastion?: boolean;
  /** device indices behind carrier NAT from the start, their tunnel staged (reach: tunnel; implies bastion) */
  tunnelled?: number[];
  /** the 4G link and NAT of every uplink (device -> bastion) */
  uplink?: LinkOptions;
  /** keepalive of the lab's bastion (ServerAliveInterval/CountMax of its devices; default the fleet's) */
  tunnelKeepalive?: { interval?: number; count?: number; tcp?: number };
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
  /** behind carrier NAT: its own network namespace, out only through its uplink to the bastion */
  nat: boolean;
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
  /** the lab bastion (with opts.bastion or opts.tunnelled) */
  bastion?: LabBastion;
  /**
   * A device behind NAT: its uplink to the bastion (4G emulation, NAT idle timeout, byte counters),
   * to every bastion port, or with `port` to that one only (a carrier that filters one port:
   * `uplink(id, 443).set({ blackhole: true })` drops it silently, `{ cut: true }` refuses it).
   */
  uplink(id: string, port?: number): LabUplink;
  /**
   * Deploy a provisioned device to its village: bastion add with its tunnel key, power it off and
   * on again behind carrier NAT, and mark it reach: tunnel in the lab inventory.
   */
  goBehindNat(id: string): Promise<void>;
  /**
   * A device behind NAT: the IP and TCP counters of its own network namespace (what its kernel
   * sent and received, headers and bare ACKs included), and its tunnel's sockets (tcp_info of the
   * ssh socket(s) to the bastion). See reach.ts netCounters for what the namespace holds.
   */
  netCounters(id: string): NetCounters;
  tunnelSockets(id: string): TunnelSocket[];
  /** wait until the device's tunnel socket exists on the bastion */
  waitTunnel(id: string, timeoutMs?: number): Promise<void>;
  /** run a shell command inside the device (no SSH): mount/uts/pid namespaces and root */
  run(id: string, script: string): string;
  /** stop every process (by pid), unmount, remove the directory; safe to call twice */
  stop(): Promise<void>;
}
