/**
 * One SSH connection per device, reused by everything in a run. The pool resolves how to reach
 * a target (its fields, then ~/.ssh/config where it applies, jump hosts), offers the keys it is
 * given (the target's identityFile, then `keyFiles` in order, then ssh-agent; a password only
 * when the caller passes one, for first-boot bootstrap), retries quick network failures with
 * jittered backoff, and checks host keys (host-key-policy.ts): trust on first use goes to the
 * caller's HostKeyStore once the device proved it holds the key; every later connection must
 * match it. There is deliberately no option to skip verification.
 *
 * The pool is closed: it reads no config and no inventory. The caller hands it the key files,
 * the key-exchange order, how to resolve a `jump: <id>` and where pins go.
 */
import { readFileSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import type { ParsedKey } from 'ssh2';
import type { Context } from '../context.js';
import { connectWithRetry } from './connect.js';
import { knownHostsPolicy, targetPolicy } from './host-key-policy.js';
import { expandTilde, parseHostSpec, resolveTarget, sshConfigLookup, type SshConfigLookup } from './ssh-config.js';
import { prepareKey, SshTransport, type AuthCandidates, type SshTarget } from './ssh.js';
import { HostKeyMismatchError, TransportError, type DeviceTarget, type HostKeyStore, type Transport, type TunnelRoute } from './types.js';
import type { HostKeyPolicy } from './ssh.js';

export { parseHostSpec } from './ssh-config.js';

export interface PoolOptions {
  /** where host keys are pinned on first contact */
  hostKeys: HostKeyStore;
  /** private keys to offer after the target's own identityFile, in order (missing files are skipped) */
  keyFiles?: string[];
  /** key-exchange algorithms, most preferred first (default: the transport's order) */
  kex?: string[];
  /** the target a `jump: <id>` names, if the caller knows one by that id */
  resolveJump?: (id: string) => DeviceTarget | undefined | Promise<DeviceTarget | undefined>;
  /** TCP connect + SSH handshake + auth (default 10 s) */
  connectTimeoutMs?: number;
  /** default per-command timeout (default none; exec's timeoutMs wins) */
  commandTimeoutMs?: number;
  /** extra connect attempts after a quick network failure (default 2) */
  retries?: number;
  /** first backoff step (default 200 ms; doubled per attempt, with jitter) */
  backoffMs?: number;
  /** bootstrap only: a password to try after keys */
  password?: string;
  /** use ssh-agent when SSH_AUTH_SOCK is set (default true) */
  agent?: boolean;
  keepaliveIntervalMs?: number;
  /** how a target with reach 'tunnel' is reached (its bastion and socket); undefined = not known */
  resolveTunnel?: (target: DeviceTarget) => TunnelRoute | undefined | Promise<TunnelRoute | undefined>;
  /**
   * The keepalive of a session to a tunnelled device (default 0: off). Every byte of it crosses the
   * device's 4G link inside its tunnel, which holds its own keepalive (the device's ServerAlive);
   * a dropped tunnel closes the channel, which ends the session at once anyway.
   */
  tunnelKeepaliveIntervalMs?: number;
  /** compress the sessions to the devices themselves (default true; see SshTarget.compress) */
  compress?: boolean;
}

/** How long a bastion's failed connection stands for every device behind it before it is dialled again. */
const BASTION_RETRY_MS = 30_000;

export interface Pool {
  /** a connected transport for the target, reused for the whole run */
  get(pkg: DeviceTarget): Promise<Transport>;
  /**
   * The SHA256 fingerprint of the host key the device proves it holds now (a completed key
   * exchange), without logging in and without pinning anything (hostkey accept).
   */
  provenHostKey(pkg: DeviceTarget): Promise<string>;
  /**
   * Tunnelled targets' sockets on their bastions (SFTP stats on the bastion connection, one SFTP
   * session per bastion): a socket's mtime is when the tunnel connected; null when there is none
   * (the tunnel is down); an Error when its bastion could not be asked.
   */
  tunnelSockets(pkgs: DeviceTarget[]): Promise<Array<{ mtime: Date } | null | Error>>;
  /** fingerprints pinned during this run (trust on first use), by target id */
  readonly pinned: ReadonlyMap<string, string>;
  closeAll(): Promise<void>;
}

export function createPool(ctx: Pick<Context, 'env' | 'home'>, opts: PoolOptions): Pool {
  const connectTimeoutMs = opts.connectTimeoutMs ?? 10_000;
  const retry = { retries: opts.retries ?? 2, backoffMs: opts.backoffMs ?? 200 };
  const conns = new Map<string, Promise<SshTransport>>();
  const all = new Set<SshTransport>();
  const keyCache = new Map<string, Buffer | ParsedKey | null>();
  const pinned = new Map<string, string>();
  const bastionFailures = new Map<string, { p: Promise<SshTransport>; at: number }>();
  let sshConfig: Promise<SshConfigLookup | null> | undefined;
  const userHome = ctx.env.HOME;
  // pins being written: closeAll waits for them, so a first contact's pin is not lost to Ctrl-C
  const writing = new Set<Promise<void>>();
  const hostKeys: HostKeyStore = {
    where: opts.hostKeys.where,
    pin(id, fp) {
      const w = opts.hostKeys.pin(id, fp);
      writing.add(w);
      void w.catch(() => undefined).finally(() => writing.delete(w));
      return w;
    },
  };

  const readKey = (file: string): Buffer | ParsedKey | null => {
    if (!keyCache.has(file)) {
      try {
        keyCache.set(file, prepareKey(readFileSync(file)));
      } catch {
        keyCache.set(file, null);
      }
    }
    return keyCache.get(file) ?? null;
  };

  const resolve = async (pkg: DeviceTarget) => resolveTarget(pkg, await (sshConfig ??= sshConfigLookup(userHome)), userHome);

  const authFor = (identityFile: string | undefined, username: string, extraFiles: string[]): AuthCandidates => {
    const files = [identityFile, ...(opts.keyFiles ?? []), ...extraFiles].filter((f): f is string => Boolean(f)).map((f) => expandTilde(f, userHome));
    const seen = new Set<string>();
    const keys: AuthCandidates['keys'] = [];
    for (const f of files) {
      if (seen.has(f)) continue;
      seen.add(f);
      const k = readKey(f);
      if (k) keys.push({ source: f, key: k });
    }
    const agent = opts.agent !== false ? ctx.env.SSH_AUTH_SOCK : undefined;
    return { username, keys, agent: agent || undefined, password: opts.password };
  };

  const open = (key: string, target: SshTarget): Promise<SshTransport> => {
    const t = new SshTransport(target);
    all.add(t);
    const p = connectWithRetry(t, retry);
    const forget = () => {
      if (conns.get(key) === p) conns.delete(key);
      all.delete(t);
    };
    t.onClose = forget;
    conns.set(key, p);
    p.catch(forget);
    return p;
  };

  /** A socket to host:port through the jump host: a target by id, else a `[user@]host[:port]`. */
  const jumpSock = async (jump: string, selfId: string, host: string, port: number, depth: number): Promise<() => Promise<Duplex>> => {
    if (depth > 4) throw new TransportError('protocol', selfId, `jump host chain too long at ${jump}`);
    let jt: SshTransport;
    const jp = await opts.resolveJump?.(jump);
    if (jp) {
      if (jp.id === selfId) throw new TransportError('protocol', selfId, `${selfId} cannot be its own jump host`);
      jt = await connectTarget(jp, depth + 1);
    } else {
      const spec = parseHostSpec(jump);
      const key = `jump:${jump}`;
      const p =
        conns.get(key) ??
        open(key, {
          name: jump,
          host: spec.host,
          port: spec.port ?? 22,
          auth: authFor(undefined, spec.user ?? 'root', []),
          hostKey: knownHostsPolicy(ctx, `${spec.host}:${spec.port ?? 22}`),
          kex: opts.kex,
          connectTimeoutMs,
          keepaliveIntervalMs: opts.keepaliveIntervalMs,
        });
      jt = await p;
    }
    return () => jt.forwardOut(host, port);
  };

  /** A bastion's key is pinned in bastions.yaml, never trusted on first use. */
  const bastionPolicy = (b: TunnelRoute['bastion']): HostKeyPolicy => ({
    async check(fp) {
      if (fp === b.hostKey) return 'pinned';
      const e = new HostKeyMismatchError(`bastion ${b.id}`, b.hostKey, fp);
      throw new TransportError('hostkey', e.target, e.message, { hint: { kind: 'bastion-hostkey', bastion: b.id } });
    },
    async pin() {
      throw new TransportError('hostkey', `bastion ${b.id}`, `bastion ${b.id} has no pinned host key`);
    },
  });

  /** The one connection to a bastion for the whole run, and a channel to the device's socket through it. */
  const tunnelSock = async (pkg: DeviceTarget): Promise<() => Promise<Duplex>> => {
    const route = await opts.resolveTunnel?.(pkg);
    if (!route)
      throw new TransportError('protocol', pkg.id, `${pkg.id} is registered with reach: tunnel but its bastion ${pkg.bastion ?? '(none)'} is not defined`);
    const b = route.bastion;
    const key = `bastion:${b.id}`;
    const failed = bastionFailures.get(key);
    const p =
      (failed && Date.now() - failed.at < BASTION_RETRY_MS ? failed.p : undefined) ??
      conns.get(key) ??
      open(key, {
        name: `bastion ${b.id}`,
        host: b.host,
        port: b.port,
        auth: authFor(undefined, b.user, []),
        hostKey: bastionPolicy(b),
        kex: opts.kex,
        connectTimeoutMs,
        keepaliveIntervalMs: opts.keepaliveIntervalMs,
      });
    // a bastion that refused (its key changed, auth, down) is not dialled again by every device behind it
    p.catch(() => {
      if (!bastionFailures.has(key) || bastionFailures.get(key)?.p !== p) bastionFailures.set(key, { p, at: Date.now() });
    });
    return async () => {
      let bt: SshTransport;
      try {
        bt = await p;
      } catch (e) {
        if (e instanceof TransportError)
          throw new TransportError(e.kind, pkg.id, `${pkg.id} unreachable through bastion ${b.id}: ${e.message}`, { cause: e, hint: e.hint });
        throw e;
      }
      return bt.forwardOutStreamLocal(route.socketPath, { id: pkg.id, bastion: b.id });
    };
  };

  const connectTarget = async (pkg: DeviceTarget, depth = 0): Promise<SshTransport> => {
    const existing = conns.get(pkg.id);
    if (existing) return existing;
    const placeholder = (async (): Promise<SshTarget> => {
      const r = await resolve(pkg);
      const tunnelled = pkg.reach === 'tunnel';
      const sock = tunnelled ? await tunnelSock(pkg) : r.jump ? await jumpSock(r.jump, pkg.id, r.host, r.port, depth) : undefined;
      return {
        name: pkg.id,
        host: r.host,
        port: r.port,
        auth: authFor(pkg.identityFile, r.username, r.identityFiles),
        hostKey: targetPolicy(pkg, pinned, hostKeys),
        sock,
        kex: opts.kex,
        connectTimeoutMs,
        commandTimeoutMs: opts.commandTimeoutMs,
        keepaliveIntervalMs: tunnelled ? (opts.tunnelKeepaliveIntervalMs ?? 0) : opts.keepaliveIntervalMs,
        compress: opts.compress ?? true,
      };
    })();
    // reserve the slot synchronously so concurrent get()s share one connection
    const p = placeholder.then((target) => {
      conns.delete(pkg.id);
      return open(pkg.id, target);
    });
    conns.set(pkg.id, p);
    p.catch(() => {
      if (conns.get(pkg.id) === p) conns.delete(pkg.id);
    });
    return p;
  };

  return {
    pinned,
    get: (pkg) => connectTarget(pkg),
    async tunnelSockets(pkgs) {
      const out: Array<{ mtime: Date } | null | Error> = pkgs.map(() => new Error('no bastion to look for its tunnel on'));
      const byBastion = new Map<string, Array<{ i: number; path: string; pkg: DeviceTarget }>>();
      for (const [i, pkg] of pkgs.entries()) {
        const route = await opts.resolveTunnel?.(pkg);
        if (!route) continue;
        const list = byBastion.get(route.bastion.id) ?? [];
        list.push({ i, path: route.socketPath, pkg });
        byBastion.set(route.bastion.id, list);
      }
      for (const [id, list] of byBastion) {
        try {
          await tunnelSock(list[0]!.pkg); // opens (or reuses) the bastion connection
          const bt = await conns.get(`bastion:${id}`);
          if (!bt) throw new Error(`bastion ${id} is not connected`);
          const seen = await bt.statPaths(list.map((x) => x.path));
          for (const [k, x] of list.entries()) out[x.i] = seen[k] ?? null;
        } catch (e) {
          for (const x of list) out[x.i] = e instanceof Error ? e : new Error(String(e));
        }
      }
      return out;
    },
    async provenHostKey(pkg) {
      const r = await resolve(pkg);
      const sock = pkg.reach === 'tunnel' ? await tunnelSock(pkg) : r.jump ? await jumpSock(r.jump, pkg.id, r.host, r.port, 0) : undefined;
      const t = new SshTransport({
        name: pkg.id,
        host: r.host,
        port: r.port,
        auth: { username: r.username, keys: [] },
        // any offered key may go on to prove itself; the caller compares it with the pin
        hostKey: { check: async () => 'unpinned', pin: async () => undefined },
        sock,
        kex: opts.kex,
        connectTimeoutMs,
      });
      return t.proveHostKey();
    },
    async closeAll() {
      const list = [...all];
      all.clear();
      conns.clear();
      await Promise.all(list.map((t) => t.close().catch(() => undefined)));
      await Promise.allSettled([...writing]);
    },
  };
}
