/**
 * One SSH connection per device, reused by everything in a run. The pool resolves how to reach
 * a package (inventory fields, then ~/.ssh/config where it applies, jump hosts), which keys to
 * offer (the package's identityFile, the pool's keyFile, config keyFile/JFLEET_KEY_FILE, the fleet
 * key under JFLEET_HOME/keys, ssh-agent; a password only when the caller passes one, for
 * first-boot bootstrap), retries quick network failures with jittered backoff, and pins host keys:
 * trust on first use writes the fingerprint into the inventory (updateInventory) once the
 * connection is ready, i.e. after the device proved it holds the key (see HostKeyPolicy in
 * ssh.ts: the key-exchange check itself only compares); every later connection must match it, a
 * mismatch is a HostKeyMismatchError until `jfleet hostkey accept ID`. There is deliberately no
 * option to skip verification.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { homedir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Duplex } from 'node:stream';
import { writeAtomic, writeFailure } from '../atomic-file.js';
import type { Context } from '../context.js';
import { homePaths } from '../context.js';
import type { Package } from '../inventory/schema.js';
import { resolveInventoryDir } from '../inventory/paths.js';
import { backoffMs, isRetryable } from './classify.js';
import { editInventory } from './inventory-edit.js';
import type { ParsedKey } from 'ssh2';
import { prepareKey, SshTransport, type AuthCandidates, type HostKeyPolicy } from './ssh.js';
import { HostKeyMismatchError, TransportError, type Transport } from './types.js';

export interface PoolOptions {
  /** TCP connect + SSH handshake + auth (default 10 s) */
  connectTimeoutMs?: number;
  /** default per-command timeout (default none; exec's timeoutMs wins) */
  commandTimeoutMs?: number;
  /** a private key to offer (after the package's own identityFile) */
  keyFile?: string;
  /** extra connect attempts after a quick network failure (default 2) */
  retries?: number;
  /** first backoff step (default 200 ms; doubled per attempt, with jitter) */
  backoffMs?: number;
  /** the inventory host keys are pinned into (default: the resolved inventory dir) */
  inventoryDir?: string;
  /** every package of the inventory, to resolve `jump: <package id>` */
  packages?: Package[];
  /** bootstrap only: a password to try after keys */
  password?: string;
  /** use ssh-agent when SSH_AUTH_SOCK is set (default true) */
  agent?: boolean;
  keepaliveIntervalMs?: number;
}

export interface Pool {
  /** a connected transport for the package, reused for the whole run */
  get(pkg: Package): Promise<Transport>;
  /**
   * The SHA256 fingerprint of the host key the device proves it holds now (a completed key
   * exchange), without logging in and without pinning anything (hostkey accept).
   */
  provenHostKey(pkg: Package): Promise<string>;
  /** fingerprints pinned during this run (trust on first use), by package id */
  readonly pinned: ReadonlyMap<string, string>;
  closeAll(): Promise<void>;
}

const FLEET_KEY = 'fleet_ed25519';

interface ResolvedTarget {
  host: string;
  port: number;
  username: string;
  identityFiles: string[];
  jump?: string;
}

/** ~/.ssh/config host aliases (HostName, Port, IdentityFile, ProxyJump) where the inventory leaves them open. */
async function sshConfigLookup(home: string | undefined): Promise<((host: string) => Record<string, string | string[]>) | null> {
  const file = join(home ?? homedir(), '.ssh', 'config');
  if (!existsSync(file)) return null;
  const { default: SSHConfig } = await import('ssh-config');
  const cfg = SSHConfig.parse(readFileSync(file, 'utf8'));
  return (host: string) => cfg.compute(host);
}

function expandTilde(p: string, home: string | undefined): string {
  return p.startsWith('~/') ? join(home ?? homedir(), p.slice(2)) : p;
}

/** `[user@]host[:port]` */
export function parseHostSpec(spec: string): { user?: string; host: string; port?: number } {
  const m = /^(?:([^@]+)@)?([^:]+)(?::(\d+))?$/.exec(spec.trim());
  if (!m) throw new Error(`bad host "${spec}"`);
  return { user: m[1], host: m[2], port: m[3] ? Number(m[3]) : undefined };
}

export function createPool(ctx: Pick<Context, 'env' | 'home' | 'cwd'>, opts: PoolOptions = {}): Pool {
  const connectTimeoutMs = opts.connectTimeoutMs ?? 10_000;
  const retries = opts.retries ?? 2;
  const base = opts.backoffMs ?? 200;
  const conns = new Map<string, Promise<SshTransport>>();
  const all = new Set<SshTransport>();
  const keyCache = new Map<string, Buffer | ParsedKey | null>();
  const pinned = new Map<string, string>();
  const byId = new Map((opts.packages ?? []).map((p) => [p.id, p]));
  let inventoryDir = opts.inventoryDir;
  let poolConfig: Promise<{ keyFile?: string; kex?: string[] }> | undefined;
  let sshConfig: Promise<((host: string) => Record<string, string | string[]>) | null> | undefined;
  let pinQueue: Promise<void> = Promise.resolve();
  const userHome = ctx.env.HOME;

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

  /** What the pool takes from the user config (read once): the key file and the key-exchange order. */
  const getConfig = () =>
    (poolConfig ??= (async (): Promise<{ keyFile?: string; kex?: string[] }> => {
      let cfg: { keyFile?: string; sshKex?: string; inventory?: string } = {};
      try {
        const { loadConfig } = await import('../config/index.js');
        cfg = await loadConfig(ctx);
        if (!inventoryDir && cfg.inventory) inventoryDir = resolveInventoryDir(ctx, undefined, cfg.inventory);
      } catch {
        /* no readable config: defaults */
      }
      // loadConfig has applied and validated JFLEET_SSH_KEX already
      const kex = cfg.sshKex?.split(',').map((s) => s.trim()).filter(Boolean);
      return { keyFile: ctx.env.JFLEET_KEY_FILE || cfg.keyFile, kex: kex?.length ? kex : undefined };
    })());
  const getConfigKeyFile = async () => (await getConfig()).keyFile;

  const resolveTarget = async (pkg: Package): Promise<ResolvedTarget> => {
    const t: ResolvedTarget = { host: pkg.address, port: pkg.port, username: pkg.user, identityFiles: [], jump: pkg.jump };
    sshConfig ??= sshConfigLookup(userHome);
    const lookup = await sshConfig;
    if (lookup) {
      const c = lookup(pkg.address);
      const one = (k: string) => (Array.isArray(c[k]) ? (c[k] as string[])[0] : (c[k] as string | undefined));
      if (one('HostName')) t.host = one('HostName')!;
      if (one('Port') && pkg.port === 22) t.port = Number(one('Port'));
      const ids = c.IdentityFile;
      if (ids) t.identityFiles.push(...(Array.isArray(ids) ? ids : [ids]).map((f) => expandTilde(f, userHome)));
      if (!t.jump && one('ProxyJump') && one('ProxyJump') !== 'none') t.jump = one('ProxyJump');
    }
    return t;
  };

  const authFor = async (pkg: Package, username: string, extraFiles: string[]): Promise<AuthCandidates> => {
    const files = [pkg.identityFile, opts.keyFile, await getConfigKeyFile(), join(homePaths(ctx.home).keysDir, FLEET_KEY), ...extraFiles]
      .filter((f): f is string => Boolean(f))
      .map((f) => expandTilde(f, userHome));
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

  const pinDir = async () => {
    await getConfigKeyFile();
    return inventoryDir ?? resolveInventoryDir(ctx);
  };

  /**
   * Pins are written one updateInventory at a time, batched: many first contacts, few writes.
   * If the inventory already holds a different pin for the package (our copy was stale), the
   * offered key is refused like any other mismatch.
   */
  const pending = new Map<string, string>();
  const conflicts = new Map<string, string>();
  const pin = (id: string, fp: string): Promise<void> => {
    pending.set(id, fp);
    const mine = pinQueue.catch(() => undefined).then(async () => {
      if (pending.size) {
        const batch = new Map(pending);
        pending.clear();
        await editInventory(await pinDir(), (pkgs) => {
          for (const p of pkgs) {
            const f = batch.get(p.id);
            if (!f) continue;
            if (!p.hostKey) p.hostKey = f;
            else if (p.hostKey !== f) conflicts.set(p.id, p.hostKey);
          }
        });
        for (const [k, v] of batch) if (!conflicts.has(k)) pinned.set(k, v);
      }
      const other = conflicts.get(id);
      if (other) throw new HostKeyMismatchError(id, other, fp);
    });
    pinQueue = mine;
    return mine;
  };

  const policyFor = (pkg: Package): HostKeyPolicy => ({
    async check(fp) {
      const expected = pinned.get(pkg.id) ?? pkg.hostKey;
      if (!expected) return 'unpinned';
      if (expected === fp) return 'pinned';
      throw new HostKeyMismatchError(pkg.id, expected, fp);
    },
    async pin(fp) {
      try {
        await pin(pkg.id, fp);
      } catch (e) {
        if (e instanceof HostKeyMismatchError) throw e;
        throw new TransportError('hostkey', pkg.id, `cannot pin the host key of ${pkg.id} (${fp}) into the inventory: ${(e as Error).message}`, { cause: e });
      }
    },
  });

  /** Host keys of jump hosts that are not packages: pinned in JFLEET_HOME/state/known_hosts.json. */
  const knownHostsFile = join(homePaths(ctx.home).stateDir, 'known_hosts.json');
  const readKnownHosts = async (name: string): Promise<Record<string, string>> => {
    let text: string;
    try {
      text = await readFile(knownHostsFile, 'utf8');
    } catch {
      return {}; // none yet
    }
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      /* reported below */
    }
    // never start trusting afresh because the pins cannot be read: that is what a pin is for
    if (!v || typeof v !== 'object' || Array.isArray(v)) {
      throw new TransportError('hostkey', name, `cannot read the pinned host keys in ${knownHostsFile} (not a JSON object); not connecting to ${name}`);
    }
    return v as Record<string, string>;
  };
  const hostSpecPolicy = (name: string): HostKeyPolicy => ({
    async check(fp) {
      const known = (await readKnownHosts(name))[name];
      if (!known) return 'unpinned';
      if (known === fp) return 'pinned';
      throw new HostKeyMismatchError(name, known, fp);
    },
    async pin(fp) {
      const known = await readKnownHosts(name);
      if (known[name] && known[name] !== fp) throw new HostKeyMismatchError(name, known[name], fp);
      known[name] = fp;
      try {
        await mkdir(homePaths(ctx.home).stateDir, { recursive: true });
        writeAtomic(knownHostsFile, JSON.stringify(known, null, 2) + '\n', { mode: 0o600 });
      } catch (e) {
        throw new TransportError('hostkey', name, `cannot pin the host key of ${name} (${fp}): ${(writeFailure(e, knownHostsFile) as Error).message}`, { cause: e });
      }
    },
  });

  const jumpSock = async (jump: string, selfId: string, host: string, port: number, depth: number): Promise<() => Promise<Duplex>> => {
    if (depth > 4) throw new TransportError('protocol', selfId, `jump host chain too long at ${jump}`);
    let jt: SshTransport;
    if (!byId.has(jump) && !jump.includes('@') && !jump.includes(':') && !jump.includes('.')) {
      // a package id the caller did not pass packages for: read the inventory once
      try {
        const { loadInventory } = await import('../inventory/load.js');
        for (const p of loadInventory(await pinDir()).packages) if (!byId.has(p.id)) byId.set(p.id, p);
      } catch {
        /* treated as a host name below */
      }
    }
    const jp = byId.get(jump);
    if (jp) {
      if (jp.id === selfId) throw new TransportError('protocol', selfId, `${selfId} cannot be its own jump host`);
      jt = await connectPkg(jp, depth + 1);
    } else {
      const spec = parseHostSpec(jump);
      const key = `jump:${jump}`;
      let p = conns.get(key);
      if (!p) {
        const pseudo = { id: jump, address: spec.host, port: spec.port ?? 22, user: spec.user ?? 'root' } as Package;
        const auth = await authFor({ ...pseudo, identityFile: undefined } as Package, spec.user ?? 'root', []);
        p = openTransport(key, {
          name: jump,
          host: spec.host,
          port: spec.port ?? 22,
          auth,
          hostKey: hostSpecPolicy(`${spec.host}:${spec.port ?? 22}`),
          kex: (await getConfig()).kex,
          connectTimeoutMs,
          keepaliveIntervalMs: opts.keepaliveIntervalMs,
        });
      }
      jt = await p;
    }
    return () => jt.forwardOut(host, port);
  };

  const openTransport = (key: string, target: ConstructorParameters<typeof SshTransport>[0]): Promise<SshTransport> => {
    const t = new SshTransport(target);
    all.add(t);
    const p = (async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          await t.connect();
          return t;
        } catch (e) {
          if (attempt >= retries || !isRetryable(e)) throw e;
          await sleep(backoffMs(attempt, base));
        }
      }
    })();
    t.onClose = () => {
      if (conns.get(key) === p) conns.delete(key);
      all.delete(t);
    };
    conns.set(key, p);
    p.catch(() => {
      if (conns.get(key) === p) conns.delete(key);
      all.delete(t);
    });
    return p;
  };

  const connectPkg = async (pkg: Package, depth = 0): Promise<SshTransport> => {
    const existing = conns.get(pkg.id);
    if (existing) return existing;
    const placeholder = (async () => {
      const r = await resolveTarget(pkg);
      const auth = await authFor(pkg, r.username, r.identityFiles);
      const sock = r.jump ? await jumpSock(r.jump, pkg.id, r.host, r.port, depth) : undefined;
      return {
        name: pkg.id,
        host: r.host,
        port: r.port,
        auth,
        hostKey: policyFor(pkg),
        sock,
        kex: (await getConfig()).kex,
        connectTimeoutMs,
        commandTimeoutMs: opts.commandTimeoutMs,
        keepaliveIntervalMs: opts.keepaliveIntervalMs,
      };
    })();
    // reserve the slot synchronously so concurrent get()s share one connection
    const p = placeholder.then((target) => {
      conns.delete(pkg.id);
      return openTransport(pkg.id, target);
    });
    conns.set(pkg.id, p);
    p.catch(() => {
      if (conns.get(pkg.id) === p) conns.delete(pkg.id);
    });
    return p;
  };

  return {
    pinned,
    get: (pkg) => connectPkg(pkg),
    async provenHostKey(pkg) {
      const r = await resolveTarget(pkg);
      const sock = r.jump ? await jumpSock(r.jump, pkg.id, r.host, r.port, 0) : undefined;
      const t = new SshTransport({
        name: pkg.id,
        host: r.host,
        port: r.port,
        auth: { username: r.username, keys: [] },
        // any offered key may go on to prove itself; the caller compares it with the pin
        hostKey: { check: async () => 'unpinned', pin: async () => undefined },
        sock,
        kex: (await getConfig()).kex,
        connectTimeoutMs,
      });
      return t.proveHostKey();
    },
    async closeAll() {
      const list = [...all];
      all.clear();
      conns.clear();
      await Promise.all(list.map((t) => t.close().catch(() => undefined)));
      await pinQueue.catch(() => undefined);
    },
  };
}
