/**
 * The lab's carrier NAT: a lab bastion (a real sshd on loopback in its own root, laid out by the
 * same code as `jfleet bastion init --apply` and `bastion add`) and devices behind NAT (booted with
 * `unshare --net`: their sshd is on their own lo only, nothing outside can connect in; the only
 * way out is socat inside the namespace relaying the bastion's address to a Unix socket in the
 * device's boot dir, served here by a link (link.ts) with the lab's 4G emulation and a NAT idle
 * timeout, counting every byte on the device's side).
 *
 * A tunnelled device runs jfleet-tunnel.service from the kiosk recipe as it would in the field;
 * the lab has no systemd, so the lab init (init-script.ts) runs the unit's ExecStartPre and
 * ExecStart with its Restart=always / RestartSec semantics (a tick of 2 s on top).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { bastionsFile, parseBastions, tunnelSettings, type Bastion } from '../inventory/bastions.js';
import type { Package } from '../inventory/schema.js';
import { loadVillages } from '../inventory/villages.js';
import { loadRecipe } from '../provision/recipe-load.js';
import { resolveRecipe } from '../provision/recipe.js';
import { addDevice, applyInit, revokeDevice } from '../reach/bastion.js';
import { generateEd25519 } from '../transport/keygen.js';
import { startLink, type Link, type LinkCounters, type LinkOptions } from './link.js';

export const LAB_BASTION_ID = 'lab-bastion';
export const LAB_OPERATOR = 'jfleet';

/** The lab bastion as a test sees it. */
export interface LabBastion {
  id: string;
  address: string;
  /** the ports its sshd listens on; devices dial them in turn (the one that last logged in first) */
  ports: number[];
  /** its public host key line (pinned in the lab's bastions.yaml) */
  hostKey: string;
  /** its root file system, seen from the host (valid while it runs) */
  rootDir(): string;
  /** the kiosk's socket on the bastion, seen from the host */
  socketOf(id: string): string;
  /** reboot it: every session and socket gone, sshd and the socket directories back */
  restart(): Promise<void>;
  /** jfleet bastion revoke ID on it */
  revoke(id: string): { killed: number };
  /** jfleet bastion add ID with the device's tunnel key */
  add(id: string, publicKey: string): void;
}

/** A device's uplink: what stands between it and the bastion (its 4G link and carrier NAT). */
export interface LabUplink {
  set(opts: LinkOptions): void;
  readonly counters: LinkCounters;
  resetCounters(): void;
}

/** The text of every file the recipe's tunnel steps install, for a device staged without a provision run. */
export async function tunnelFiles(pkg: Package, bastion: Bastion): Promise<Array<{ path: string; content: string; mode: number }>> {
  const village = loadVillages().byCode.get(pkg.village);
  const r = resolveRecipe(await loadRecipe(), pkg, village, { profile: 'lab', tunnel: tunnelSettings(pkg, bastion) });
  const out: Array<{ path: string; content: string; mode: number }> = [];
  for (const s of r.steps) {
    if (!s.id.startsWith('tunnel-') || s.kind !== 'file') continue;
    const d = s.desired as { path: string; content: string; mode: string };
    out.push({ path: d.path, content: d.content, mode: Number.parseInt(d.mode, 8) });
  }
  return out;
}

/**
 * Stage a (powered off) device's tunnel straight into its upper layer: what `jfleet provision
 * --direct` installs (the same recipe files), plus the key the keypair step would make and the
 * unit's enable link. Returns the tunnel public key line for `bastion add`.
 */
export async function stageTunnel(upperDir: string, pkg: Package, bastion: Bastion): Promise<string> {
  const put = (path: string, content: string, mode: number) => {
    const f = join(upperDir, path);
    mkdirSync(dirname(f), { recursive: true });
    writeFileSync(f, content, { mode });
    chmodSync(f, mode);
  };
  for (const f of await tunnelFiles(pkg, bastion)) put(f.path, f.content, f.mode);
  const key = generateEd25519(`jfleet-tunnel ${pkg.id}`);
  put('/etc/jfleet/tunnel_ed25519', key.privateKey, 0o600);
  put('/etc/jfleet/tunnel_ed25519.pub', `${key.publicKey}\n`, 0o644);
  const wants = join(upperDir, 'etc/systemd/system/multi-user.target.wants');
  mkdirSync(wants, { recursive: true });
  if (!existsSync(join(wants, 'jfleet-tunnel.service'))) symlinkSync('/etc/systemd/system/jfleet-tunnel.service', join(wants, 'jfleet-tunnel.service'));
  return key.publicKey;
}

/** The tunnel public key a device holds (made by provision's keypair step, or by stageTunnel). */
export function tunnelPublicKey(upperDir: string): string {
  const f = join(upperDir, 'etc/jfleet/tunnel_ed25519.pub');
  if (!existsSync(f)) throw new Error(`no tunnel key in ${f}: provision the device (--direct) first`);
  return readFileSync(f, 'utf8').trim();
}

/** The lab bastion's layout, applied by jfleet bastion init --apply's own code on its running root. */
export function initBastion(root: string, ports: number[], operatorKey: string): void {
  applyInit({ root, socketDir: '/run/jfleet', ports, operator: LAB_OPERATOR, operatorKey });
}

export function addToBastion(root: string, id: string, publicKey: string): void {
  addDevice({ root, socketDir: '/run/jfleet', id, publicKey });
}

export function revokeOnBastion(root: string, id: string): { killed: number } {
  return revokeDevice({ root, socketDir: '/run/jfleet', id });
}

/** bastions.yaml of the lab inventory: the lab bastion, its key pinned. */
export function writeLabBastions(
  inventoryDir: string,
  b: { address: string; ports: number[]; hostKey: string },
  keepalive: { interval?: number; count?: number },
): Bastion {
  const doc = {
    bastions: [{ id: LAB_BASTION_ID, address: b.address, ports: b.ports, user: LAB_OPERATOR, hostKey: b.hostKey, keepalive }],
  };
  const text = `# The lab bastion (jfleet lab): a real sshd on loopback; its key pinned here.\n${stringify(doc)}`;
  mkdirSync(inventoryDir, { recursive: true });
  writeFileSync(bastionsFile(inventoryDir), text);
  const parsed = parseBastions(text, bastionsFile(inventoryDir));
  const first = parsed.bastions[0];
  if (!first) throw new Error(`lab bastions.yaml did not parse: ${JSON.stringify(parsed.issues)}`);
  return first;
}

/** One uplink per bastion port for a device behind NAT, served on its boot dir's uplink-<port>.sock. */
export async function startUplinks(bootDir: string, bastion: { address: string; ports: number[] }, opts: LinkOptions): Promise<Link[]> {
  return Promise.all(bastion.ports.map((p) => startLink({ path: join(bootDir, `uplink-${p}.sock`) }, { host: bastion.address, port: p }, opts)));
}

export function uplinkHandle(links: Link[]): LabUplink {
  return {
    set(opts) {
      for (const l of links) l.set(opts);
    },
    get counters() {
      const sum: LinkCounters = { up: 0, down: 0, upChunks: 0, downChunks: 0, connections: 0 };
      for (const l of links) for (const k of Object.keys(sum) as Array<keyof LinkCounters>) sum[k] += l.counters[k];
      return sum;
    },
    resetCounters() {
      for (const l of links) l.resetCounters();
    },
  };
}

/**
 * The IP and TCP counters of a device's own network namespace (/proc/<pid>/net/{netstat,snmp} of
 * any process in it). What they count, in the lab's topology: the namespace holds the device's
 * sshd, its tunnel's ssh, and the socat relay that stands for its 4G modem; the 4G emulation and
 * the NAT are beyond it (a userspace link on a Unix socket, no IP). So every packet in it goes
 * over its `lo`, and each is counted once out (by its sender) and once in (by its receiver):
 * `outOctets` is every IP byte both ways over the namespace's hops, headers and bare ACKs
 * included. Idle, the only hop with traffic is ssh <-> socat, the device's side of its uplink;
 * during a sweep the tunnel also carries the runner's session to the device's own sshd over a
 * second hop (127.0.0.1:22), which these counters include too (tunnelSockets has the uplink alone).
 * The far end of the uplink's TCP is socat's kernel, not the bastion's: it ACKs what the device
 * sends and answers TCP keepalive probes itself, so a TCP keepalive never crosses the lab's 4G
 * link or refreshes its NAT emulation (natIdleMs), which counts payload bytes only.
 */
export interface NetCounters {
  /** IpExt InOctets / OutOctets: IP bytes, headers included */
  inOctets: number;
  outOctets: number;
  /** Tcp InSegs / OutSegs: segments, bare ACKs and keepalive probes included */
  inSegs: number;
  outSegs: number;
  /** TcpExt TCPKeepAlive: keepalive probes the kernel sent */
  keepaliveProbes: number;
}

function procTable(text: string, prefix: string): Record<string, number> {
  const lines = text.split('\n').filter((l) => l.startsWith(`${prefix}:`));
  const names = (lines[0] ?? '').split(/\s+/).slice(1);
  const values = (lines[1] ?? '').split(/\s+/).slice(1);
  return Object.fromEntries(names.map((n, i) => [n, Number(values[i] ?? 0)]));
}

/** Pure: NetCounters from the text of /proc/<pid>/net/netstat and /proc/<pid>/net/snmp. */
export function parseNetCounters(netstat: string, snmp: string): NetCounters {
  const ip = procTable(netstat, 'IpExt');
  const tcpExt = procTable(netstat, 'TcpExt');
  const tcp = procTable(snmp, 'Tcp');
  return {
    inOctets: ip.InOctets ?? 0,
    outOctets: ip.OutOctets ?? 0,
    inSegs: tcp.InSegs ?? 0,
    outSegs: tcp.OutSegs ?? 0,
    keepaliveProbes: tcpExt.TCPKeepAlive ?? 0,
  };
}

export function netCounters(pid: number): NetCounters {
  return parseNetCounters(readFileSync(`/proc/${pid}/net/netstat`, 'utf8'), readFileSync(`/proc/${pid}/net/snmp`, 'utf8'));
}

/** tcp_info of one of the device's sockets to the bastion (the tunnel's ssh), from ss in its namespace. */
export interface TunnelSocket {
  local: string;
  peer: string;
  /** payload sent (retransmissions included) and received */
  bytesSent: number;
  bytesReceived: number;
  /** segments sent and received, SYN, bare ACKs and keepalive probes included */
  segsOut: number;
  segsIn: number;
}

/** Pure: the sockets of `ss -tinH` output (two lines per socket). */
export function parseSs(text: string): TunnelSocket[] {
  const out: TunnelSocket[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const head = (lines[i] ?? '').trim().split(/\s+/);
    if (head.length < 4 || /^\s/.test(lines[i] ?? '') || !lines[i]) continue;
    const info = lines[i + 1] ?? '';
    const num = (k: string) => Number(new RegExp(`\\b${k}:(\\d+)`).exec(info)?.[1] ?? 0);
    out.push({
      local: head[head.length - 2] ?? '',
      peer: head[head.length - 1] ?? '',
      bytesSent: num('bytes_sent'),
      bytesReceived: num('bytes_received'),
      segsOut: num('segs_out'),
      segsIn: num('segs_in'),
    });
    i++;
  }
  return out;
}

export function tunnelSockets(pid: number, bastionAddress: string): TunnelSocket[] {
  const text = execFileSync('nsenter', ['-t', String(pid), '-n', 'ss', '-tinH', 'state', 'established', 'dst', bastionAddress], { encoding: 'utf8' });
  return parseSs(text);
}
