/**
 * Bastions, kept with the fleet as a reviewable file: <inventory>/bastions.yaml. A kiosk behind
 * carrier NAT is registered with `reach: tunnel` and `bastion: <id>`; its jfleet-tunnel.service
 * holds a reverse SSH forward of its own sshd to a Unix socket on that bastion, and the runner
 * reaches it through the socket (docs/reach.md).
 *
 *   bastions:
 *     - id: bastion-jember
 *       address: bastion.jemberkab.go.id
 *       ports: [443, 22]                 # the bastion's sshd listens on both; devices dial them in order
 *       user: jfleet                     # the runner's login (group jfleet-ops)
 *       hostKey: ssh-ed25519 AAAAC3…     # its public host key: pinned by the runner, known_hosts on devices
 *       socketDir: /run/jfleet           # default
 *       keepalive: { interval: 600, count: 2, tcp: 120 }   # ServerAliveInterval / CountMax; TCP keepalive (0: off)
 *       districts:                       # per district (Kemendagri code 35.09.DD)
 *         "35.09.13": { interval: 60 }
 *
 * A package may set `tunnel: { interval, count, port }` itself (wins over its district). Its
 * `port` must be one of the bastion's ports and is dialed first, the bastion's others after it
 * (a preference, never a pin: the kiosk still falls back); the kiosk itself puts the port that
 * last logged in before both (recipes/kiosk/files/jfleet-tunnel, docs/reach.md).
 * parseBastions and tunnelSettings are pure; loadBastions reads the file (absent = none).
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { z } from 'zod';
import { issueMessage, issuePath, yamlMessage, type InputIssue } from '../errors.js';
import { readInputFile } from '../input-file.js';
import { MAX_ALIAS_COUNT, unknownKeyMessage, YAML_PARSE_OPTIONS, yamlErrorLine, yamlTextIssue, yamlTreeIssues } from '../yaml-guard.js';
import { addressSchema, PACKAGE_ID_RE, portSchema, userSchema, type Package } from './schema.js';

/**
 * The carrier's NAT binding is kept by the kernel's TCP keepalive every `tcp` s (a bare ACK each
 * way, no SSH packet; the kiosk's sysctl drop-in), end-to-end liveness by ssh's ServerAlive every
 * `interval` s x `count`. `tcp: 0` turns the TCP keepalive off (for a carrier whose middlebox
 * answers it itself: then set `interval` to what the NAT needs, e.g. 120). Sizes and the month:
 * docs/reach.md, bench/tunnel.mjs.
 */
export const DEFAULT_KEEPALIVE = { interval: 600, count: 2, tcp: 120 } as const;
/** The kernel's retries once a TCP keepalive goes unanswered: 4 probes 30 s apart, so a dead path is reset tcp + 120 s after the last packet. */
export const TCP_KEEPALIVE_PROBES = { intvl: 30, probes: 4 } as const;
/** Debian's kernel defaults, what the drop-in writes back with tcp: 0. */
export const TCP_KEEPALIVE_KERNEL_DEFAULT = { time: 7200, intvl: 75, probes: 9 } as const;
export const DEFAULT_SOCKET_DIR = '/run/jfleet';

/** An OpenSSH public key line: type and base64 blob (a comment is dropped). */
export const PUBLIC_KEY_RE = /^(ssh-ed25519|ecdsa-sha2-nistp(?:256|384|521)|rsa-sha2-(?:256|512)|ssh-rsa) ([A-Za-z0-9+/]+={0,3})(?: [^\u0000-\u001f\u007f]*)?$/;

/** The kiosk's TCP keepalive time in s (net.ipv4.tcp_keepalive_time), or 0: off (ssh TCPKeepAlive=no). */
export const tcpKeepaliveSchema = z
  .number()
  .int('must be a whole number of seconds')
  .refine((v) => v === 0 || (v >= 30 && v <= 3600), 'must be 0 (off) or 30-3600 s');

export const keepaliveSchema = z
  .object({
    interval: z.number().int('must be a whole number of seconds').min(10, 'must be 10-3600 s').max(3600, 'must be 10-3600 s').optional(),
    count: z.number().int('must be a whole number').min(1, 'must be 1-10').max(10, 'must be 1-10').optional(),
    tcp: tcpKeepaliveSchema.optional(),
  })
  .strict();

export const publicKeySchema = z
  .string()
  .trim()
  .regex(PUBLIC_KEY_RE, 'must be an OpenSSH public key line like "ssh-ed25519 AAAA…" (ssh-keyscan or /etc/ssh/ssh_host_ed25519_key.pub)')
  .transform((v) => v.split(' ').slice(0, 2).join(' '));

export const bastionSchema = z
  .object({
    id: z.string().regex(PACKAGE_ID_RE, 'must be lower-case letters, digits and "-" (max 63)'),
    address: addressSchema,
    ports: z.array(portSchema).min(1, 'must name at least one port').default([443, 22]),
    user: userSchema.default('jfleet'),
    hostKey: publicKeySchema,
    socketDir: z
      .string()
      .regex(/^\/[A-Za-z0-9_./-]{1,200}$/, 'must be an absolute path of letters, digits, _ . / -')
      .refine((p) => !p.split('/').includes('..'), 'must not contain ".."')
      .default(DEFAULT_SOCKET_DIR),
    keepalive: keepaliveSchema.default({}),
    districts: z.record(z.string().regex(/^35\.09\.\d{2}$/, 'district codes look like 35.09.13'), keepaliveSchema).default({}),
  })
  .strict();

export type Bastion = z.infer<typeof bastionSchema>;

export function bastionsFile(inventoryDir: string): string {
  return join(inventoryDir, 'bastions.yaml');
}

export interface BastionsLoad {
  file: string;
  bastions: Bastion[];
  issues: InputIssue[];
  exists: boolean;
}

export function loadBastions(inventoryDir: string): BastionsLoad {
  const file = bastionsFile(inventoryDir);
  const text = readInputFile(file);
  if (text === undefined) return { file, bastions: [], issues: [], exists: false };
  return { ...parseBastions(text, file), exists: true };
}

/** Pure: the bastions of a bastions.yaml text, every problem located as file:line field. */
export function parseBastions(text: string, file: string): { file: string; bastions: Bastion[]; issues: InputIssue[] } {
  const none = (issues: InputIssue[]) => ({ file, bastions: [], issues });
  const textIssue = yamlTextIssue(text, file);
  if (textIssue) return none([textIssue]);
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, ...YAML_PARSE_OPTIONS });
  const lineOf = (node: Node | null | undefined) => (node?.range ? lc.linePos(node.range[0]).line : undefined);
  const issues: InputIssue[] = [];
  for (const e of [...doc.errors, ...doc.warnings]) issues.push({ file, line: yamlErrorLine(e, text, lc), message: yamlMessage(e) });
  if (issues.length) return none(issues);
  const tree = yamlTreeIssues(doc, file, lc);
  if (tree.length) return none(tree);
  const root = doc.contents;
  if (root === null || root === undefined) return none([]);
  if (!isMap(root)) return none([{ file, line: lineOf(root as Node), message: 'expected a mapping with a "bastions" list' }]);
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    if (key !== 'bastions')
      issues.push({
        file,
        line: lineOf(pair.key as Node),
        field: key.replace(/[\u0000-\u001f\u007f-\u009f\uFEFF]/g, '?').slice(0, 60),
        message: unknownKeyMessage(key, ['bastions']),
      });
  }
  if (issues.length) return none(issues);
  const list = root.get('bastions', true) as Node | undefined;
  if (list === undefined || list === null || (isScalar(list) && list.value === null)) return none([]);
  if (!isSeq(list)) return none([{ file, line: lineOf(list), field: 'bastions', message: 'must be a list' }]);
  const bastions: Bastion[] = [];
  const seen = new Map<string, number | undefined>();
  list.items.forEach((item, idx) => {
    const node = item as Node;
    let plain: unknown;
    try {
      plain = (node as unknown as { toJS(d: typeof doc, o: { maxAliasCount: number }): unknown }).toJS(doc, { maxAliasCount: MAX_ALIAS_COUNT });
    } catch (e) {
      issues.push({ file, line: lineOf(node), field: `bastions[${idx}]`, message: yamlMessage(e) });
      return;
    }
    const parsed = bastionSchema.safeParse(plain);
    if (!parsed.success) {
      for (const iss of parsed.error.issues) {
        const path = issuePath(iss);
        const at = isMap(node) && path.length ? ((node as unknown as { getIn(p: string[], keep: boolean): Node | undefined }).getIn(path, true) ?? node) : node;
        issues.push({ file, line: lineOf(at), field: `bastions[${idx}].${path.join('.') || '(item)'}`, message: issueMessage(iss) });
      }
      return;
    }
    const prev = seen.get(parsed.data.id);
    if (seen.has(parsed.data.id)) {
      issues.push({ file, line: lineOf(node), field: `bastions[${idx}].id`, message: `duplicate bastion id "${parsed.data.id}" (also at line ${prev})` });
      return;
    }
    seen.set(parsed.data.id, lineOf(node));
    bastions.push(parsed.data);
  });
  return { file, bastions, issues };
}

/** The fingerprint (SHA256:…, as ssh-keygen -lf prints it) of a public key line. */
export function publicKeyFingerprint(line: string): string {
  const blob = Buffer.from(line.split(' ')[1] ?? '', 'base64');
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * The device's Unix user on the bastion: jf-<id>, or (ids past 29 characters: Linux user names
 * stop at 32) jf-<first 20>-<8 hex of the id's sha256>, still one per device.
 */
export function tunnelUser(id: string): string {
  const plain = `jf-${id}`;
  if (plain.length <= 32) return plain;
  return `jf-${id.slice(0, 20).replace(/-+$/, '')}-${createHash('sha256').update(id).digest('hex').slice(0, 8)}`;
}

export function socketPath(bastion: Pick<Bastion, 'socketDir'>, id: string): string {
  return `${bastion.socketDir.replace(/\/+$/, '')}/${id}/ssh.sock`;
}

/** Everything a device's tunnel and the runner's route to it are made of. */
export interface TunnelSettings {
  bastion: Bastion;
  /** the bastion's address and the port the device dials first */
  host: string;
  port: number;
  /**
   * every port the device dials, in order (the package's tunnel.port, then the bastion's ports;
   * no duplicates): it falls back to the next when one does not log in within the connect timeout
   */
  ports: number[];
  user: string;
  socket: string;
  interval: number;
  count: number;
  /** the kiosk's TCP keepalive time (s), 0 = off */
  tcp: number;
  /** what the kiosk's sysctl drop-in sets (net.ipv4.tcp_keepalive_*): the kernel's defaults when tcp is 0 */
  tcpKernel: { time: number; intvl: number; probes: number };
  /** known_hosts lines pinning the bastion's key under every port it listens on */
  knownHosts: string;
}

/** Pure: a tunnelled package's settings (package > district > bastion > defaults). */
export function tunnelSettings(pkg: Pick<Package, 'id' | 'village' | 'tunnel'>, bastion: Bastion): TunnelSettings {
  const district = pkg.village.split('.').slice(0, 3).join('.');
  const d = bastion.districts[district] ?? {};
  const own = pkg.tunnel ?? {};
  const hostFor = (p: number) => (p === 22 ? bastion.address : `[${bastion.address}]:${p}`);
  const ports = [...new Set([...(own.port === undefined ? [] : [own.port]), ...bastion.ports])];
  const tcp = own.tcp ?? d.tcp ?? bastion.keepalive.tcp ?? DEFAULT_KEEPALIVE.tcp;
  return {
    bastion,
    host: bastion.address,
    port: ports[0] ?? 443,
    ports,
    user: tunnelUser(pkg.id),
    socket: socketPath(bastion, pkg.id),
    interval: own.interval ?? d.interval ?? bastion.keepalive.interval ?? DEFAULT_KEEPALIVE.interval,
    count: own.count ?? d.count ?? bastion.keepalive.count ?? DEFAULT_KEEPALIVE.count,
    tcp,
    tcpKernel: tcp > 0 ? { time: tcp, ...TCP_KEEPALIVE_PROBES } : { ...TCP_KEEPALIVE_KERNEL_DEFAULT },
    knownHosts: `${[...new Set(bastion.ports)].map((p) => `${hostFor(p)} ${bastion.hostKey}`).join('\n')}\n`,
  };
}

/** Cross-file rules: a tunnelled package names a bastion of bastions.yaml, and only then. */
export function reachIssues(
  packages: Package[],
  bastions: Bastion[] | null,
  file: string,
  lineOf: (i: number, field: string) => number | undefined,
  itemIndex: (i: number) => number,
  bastionsPath: string,
): InputIssue[] {
  const issues: InputIssue[] = [];
  const ids = new Set((bastions ?? []).map((b) => b.id));
  packages.forEach((p, i) => {
    const at = (field: string, message: string) => issues.push({ file, line: lineOf(i, field), field: `packages[${itemIndex(i)}].${field}`, message });
    if ((p.reach ?? 'direct') === 'tunnel') {
      if (!p.bastion) at('reach', 'reach: tunnel needs bastion: <id> (a bastion of bastions.yaml)');
      else if (!ids.has(p.bastion))
        at(
          'bastion',
          bastions === null
            ? `bastion "${p.bastion}" is not defined: ${bastionsPath} does not exist`
            : `unknown bastion "${p.bastion}" (${bastionsPath} defines: ${[...ids].join(', ') || 'none'})`,
        );
      if (p.jump) at('jump', 'a tunnelled package is reached through its bastion, not a jump host: remove jump or set reach: direct');
      // the kiosk dials only ports the bastion's sshd listens on (and its known_hosts pins the key under)
      const b = p.bastion ? bastions?.find((x) => x.id === p.bastion) : undefined;
      const port = p.tunnel?.port;
      if (b && port !== undefined && !b.ports.includes(port))
        issues.push({
          file,
          line: lineOf(i, 'tunnel'),
          field: `packages[${itemIndex(i)}].tunnel.port`,
          message: `port ${port} is not a port of bastion ${b.id} (its ports: ${b.ports.join(', ')}): add it to the bastion's ports in ${bastionsPath} or remove tunnel.port`,
        });
    } else {
      if (p.bastion) at('bastion', 'bastion is used only with reach: tunnel');
      if (p.tunnel) at('tunnel', 'tunnel settings are used only with reach: tunnel');
    }
  });
  return issues;
}
