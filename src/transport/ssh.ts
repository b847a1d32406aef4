/**
 * The ssh2 Transport: one SSH connection to one device. exec resolves on the channel's close
 * (after its exit status), collecting stdout, stderr, exit code and signal; a per-command timeout
 * closes the channel. put/get go over SFTP, each opening and closing its own SFTP session.
 * Host keys follow the HostKeyPolicy the pool passes in (check in the key exchange, pin only
 * once the handshake proved the key); errors are TransportErrors classified by classify.ts.
 */
import { createPrivateKey, sign as cryptoSign, type KeyObject } from 'node:crypto';
import ssh2 from 'ssh2';
import './ssh2-zlib.js';
import type { ClientChannel, ConnectConfig, ParsedKey } from 'ssh2';
import type { Duplex, Readable } from 'node:stream';
import { classifyConnectError, type RawError } from './classify.js';
import { fingerprint } from './fingerprint.js';
import { onAbort as whenAborted } from './abort.js';
import { KEX_PREFERENCE } from './kex.js';
import { ChannelShell, SHELL_COMMAND } from './remote-shell.js';
import type { ConnectTimings, ExecOptions, ExecResult, PutOptions, RemoteShell, RunOptions, Transport } from './types.js';
import { HostKeyMismatchError, TransportError } from './types.js';

export interface AuthCandidates {
  username: string;
  /** a key file's bytes, or the same key prepared once by prepareKey() */
  keys: Array<{ source: string; key: Buffer | ParsedKey }>;
  agent?: string;
  password?: string;
}

/**
 * Key exchange: OpenSSH's own client order among what ssh2 implements (KEX_PREFERENCE in kex.ts):
 * Curve25519 first, then ECDH on the NIST curves, then the SHA-2 Diffie-Hellman groups. The
 * SHA-1 groups (group1, group14-sha1, group-exchange-sha1) are never offered, and config `sshKex`
 * cannot name them. This follows OpenSSH rather than trading the default for speed: P-256 first
 * was cheaper (OpenSSH computes X25519 with its portable C reference code but P-256 with OpenSSL's
 * assembly, and ssh2 pays an OpenSSL key export and import per X25519 exchange; 100 lab devices,
 * cold connect: 2.1-2.3 s of machine CPU with curve25519-sha256 against 1.3-1.4 s with
 * ecdh-sha2-nistp256, client 0.38-0.44 s against 0.23-0.29 s). A site that wants that back sets
 * `sshKex` (or JFLEET_SSH_KEX), e.g. "ecdh-sha2-nistp256,curve25519-sha256".
 */
export { KEX_PREFERENCE } from './kex.js';

/** The digest each key type signs with when ssh2 names none (RSA names its own: rsa-sha2-256/512). */
const DEFAULT_DIGEST: Record<string, string | null> = {
  'ssh-ed25519': null,
  'ssh-rsa': 'sha1',
  'ecdsa-sha2-nistp256': 'sha256',
  'ecdsa-sha2-nistp384': 'sha384',
  'ecdsa-sha2-nistp521': 'sha512',
};

/**
 * A private key parsed once per run, signing with a cached KeyObject. ssh2 keeps a parsed key as
 * PEM text and hands that to crypto.sign on every login, so OpenSSL 3 decodes the PEM again for
 * each connection: about 2 ms of client CPU per device on this machine, the largest single cost
 * of a cold sweep's client side. Returns the bytes unchanged for what it cannot prepare (an
 * encrypted key, an unknown type): ssh2 then handles them as before.
 */
export function prepareKey(bytes: Buffer): Buffer | ParsedKey {
  const parsed = ssh2.utils.parseKey(bytes);
  if (parsed instanceof Error || Array.isArray(parsed) || !(parsed.type in DEFAULT_DIGEST)) return bytes;
  const pem = parsed.getPrivatePEM();
  if (!pem) return bytes;
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey(pem);
  } catch {
    return bytes;
  }
  const digest = DEFAULT_DIGEST[parsed.type];
  parsed.sign = ((data: Buffer, algo?: string) => {
    try {
      return cryptoSign(typeof algo === 'string' && algo ? algo : digest, data, keyObject);
    } catch (e) {
      return e as Error;
    }
  }) as ParsedKey['sign'];
  return parsed;
}

type GlobalRequestHandler = (p: unknown, name: string, wantReply: boolean, data: unknown) => unknown;

/**
 * After every login OpenSSH announces all its host keys (hostkeys-00@openssh.com). ssh2 answers
 * by asking the server to prove each one and verifying the proofs, only to emit a 'hostkeys'
 * event: one more round trip on a 4G link, a signature on the device, and about 3 ms of client CPU
 * per connection (measured: the largest client cost of a cold sweep after the key exchange),
 * for an event jfleet never listens to (host keys are pinned in the inventory and checked in the
 * key exchange itself). This declines the announcement the way a client without the extension
 * would. It reaches into ssh2's protocol handlers (looked up per message, so replacing one takes
 * effect); if a later ssh2 changes them it does nothing and ssh2 behaves as before (a lab test
 * holds both: the event fires without this, and never with it). Returns whether it took effect.
 */
export function declineHostKeysProof(client: ssh2.Client): boolean {
  const proto = (client as unknown as { _protocol?: { _handlers?: Record<string, unknown>; requestSuccess?: () => void } })._protocol;
  const handlers = proto?._handlers;
  const original = handlers?.GLOBAL_REQUEST as GlobalRequestHandler | undefined;
  if (!proto || !handlers || typeof original !== 'function' || typeof proto.requestSuccess !== 'function') return false;
  handlers.GLOBAL_REQUEST = function (this: unknown, p: unknown, name: string, wantReply: boolean, data: unknown) {
    if (name !== 'hostkeys-00@openssh.com') return original.call(this, p, name, wantReply, data);
    if (wantReply) proto.requestSuccess!();
    return undefined;
  } satisfies GlobalRequestHandler;
  return true;
}

/**
 * How a connection treats the host key the server offers.
 *
 * ssh2 calls its hostVerifier with the offered key BEFORE it checks the server's signature over
 * the key exchange (node_modules/ssh2/lib/protocol/kex.js: the KEX*_REPLY handler calls
 * _hostVerifier; only later does finish() run parsedHostKey.verify(exchangeHash, sig) and fail
 * with "signature verification failed"). Any server can offer any public key there, so `check`
 * only compares with a pin that already exists. The key is proven once the handshake completes:
 * finish() reaches _onHandshakeComplete (client.js emits 'handshake', then asks for ssh-userauth;
 * 'ready' follows USERAUTH_SUCCESS) only after the signature verified. So `pin` runs on 'ready'.
 */
export interface HostKeyPolicy {
  /**
   * In the key exchange, before the key is proven: resolve 'pinned' (it matches the pin) or
   * 'unpinned' (nothing pinned yet), or throw a TransportError (HostKeyMismatchError) to refuse.
   * Must not write anything.
   */
  check(fp: string): Promise<'pinned' | 'unpinned'>;
  /** After 'ready', for a key check() called unpinned: the server proved it; write the pin (throw to refuse). */
  pin(fp: string): Promise<void>;
}

/** ssh2's default host-key algorithms (DEFAULT_SERVER_HOST_KEY, with ed25519 as on Node 20), in its order. */
export const HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

/** The key type named at the start of an SSH public key blob ("ssh-rsa", "ssh-ed25519", ...). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return '';
  const n = blob.readUInt32BE(0);
  return n > 0 && n < 64 && blob.length >= 4 + n ? blob.subarray(4, 4 + n).toString('latin1') : '';
}

/** The host-key algorithms that show a key of this type (an RSA key signs as rsa-sha2-512, rsa-sha2-256 or ssh-rsa). */
export function algorithmsOfType(type: string): string[] {
  return type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [type];
}

export interface SshTarget {
  name: string;
  host: string;
  port: number;
  auth: AuthCandidates;
  hostKey: HostKeyPolicy;
  /** a stream to run SSH over instead of TCP (a jump host's forwardOut) */
  sock?: () => Promise<Duplex>;
  connectTimeoutMs: number;
  /** key-exchange algorithms in order of preference (default KEX_PREFERENCE) */
  kex?: string[];
  commandTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  /**
   * Offer OpenSSH's delayed zlib (zlib@openssh.com: compression starts after authentication) and
   * take it when the server has it (sshd's default `Compression yes`). ssh2 keeps one deflate
   * stream per direction for the connection with a partial flush per packet, as OpenSSH does, so
   * a probe whose output repeats the last one's costs a fraction of its bytes on a 4G link.
   * Off for connections that carry other SSH sessions (bastion, jump host): those bytes are
   * already encrypted and would not shrink.
   */
  compress?: boolean;
}

export class SshTransport implements Transport {
  readonly name: string;
  private client: ssh2.Client | null = null;
  private ready: Promise<void> | null = null;
  private lost: Error | null = null;
  private readonly pending = new Set<(e: Error) => void>();
  /** fires when the connection ends (the pool then forgets it) */
  onClose?: () => void;
  connectTimings?: ConnectTimings;

  constructor(private readonly target: SshTarget) {
    this.name = target.name;
  }

  get connected(): boolean {
    return this.client !== null && this.lost === null;
  }

  connect(): Promise<void> {
    this.ready ??= this.open(false).then(
      () => undefined,
      (e) => {
        this.ready = null;
        throw e;
      },
    );
    return this.ready;
  }

  /**
   * The host key the server proves it holds, without logging in: the key exchange runs to its end
   * (ssh2 has then verified the server's signature with that key, see HostKeyPolicy) and the
   * connection is closed. The policy's check still runs; its pin never does.
   */
  proveHostKey(): Promise<string> {
    return this.open(true);
  }

  /**
   * Connects and logs in (or, with proveOnly, stops after the handshake); resolves the proven host key.
   *
   * Which host key a server shows is negotiated: the first algorithm in the client's list that the
   * server has a key for. A pin is a fingerprint only, which does not say the key's type, so a
   * device pinned on its RSA key that also has (or later gains) an ed25519 key shows the ed25519
   * one to ssh2's default order. OpenSSH asks first for the type of the key it knows for the host;
   * jfleet does the same once it knows: when the key offered is not the pinned one, it connects
   * again asking only for host-key types not offered yet, until the pinned key is proven or the
   * device has no other type (then it is "host key changed", naming the first key offered). A
   * refused key is never logged in to, and the pinned one must still be proven by the server's
   * signature. The cost: a device pinned on a key ssh2 does not ask for first takes one refused
   * handshake more per new connection (recording the key type with the pin would save it).
   */
  private async open(proveOnly: boolean): Promise<string> {
    let algorithms = HOST_KEY_ALGORITHMS;
    let first: HostKeyMismatchError | null = null;
    for (;;) {
      const seen: { refusedType?: string } = {};
      try {
        return await this.attempt(proveOnly, algorithms, seen);
      } catch (e) {
        const refused = seen.refusedType;
        // a key shown but not proven (a man in the middle?) is reported as that, whenever it happens
        if (e instanceof TransportError && e.kind === 'hostkey' && !(e instanceof HostKeyMismatchError)) throw e;
        // after a refused key, any other failure (most often "no matching host key format": the
        // device has no key of another type) means the pinned key was not shown: report that refusal
        if (!(e instanceof HostKeyMismatchError) || refused === undefined) throw first ?? e;
        first ??= e;
        const left = algorithms.filter((a) => !algorithmsOfType(refused).includes(a));
        if (left.length === 0 || left.length === algorithms.length) throw first;
        algorithms = left;
      }
    }
  }

  /** One connection, asking for the host-key algorithms given; `seen` gets the type of a key refused as not the pinned one. */
  private async attempt(proveOnly: boolean, hostKeyAlgorithms: string[], seen: { refusedType?: string }): Promise<string> {
    const t = this.target;
    const sock = t.sock ? await t.sock() : undefined;
    const client = new ssh2.Client();
    let tcpConnected = Boolean(sock);
    let hostKeyError: TransportError | null = null;
    // offered: what the server sent in the running key exchange, not yet proven;
    // proven: what a completed handshake proved (a rekey must offer the same key again)
    let offered: string | null = null;
    let proven: string | null = null;
    let unpinned = false;
    const authList: Array<Record<string, unknown>> = proveOnly
      ? []
      : [
          ...t.auth.keys.map((k) => ({ type: 'publickey', username: t.auth.username, key: k.key })),
          ...(t.auth.agent ? [{ type: 'agent', username: t.auth.username, agent: t.auth.agent }] : []),
          ...(t.auth.password !== undefined ? [{ type: 'password', username: t.auth.username, password: t.auth.password }] : []),
        ];
    const refuse = (e: unknown) => {
      hostKeyError = e instanceof TransportError ? e : new TransportError('hostkey', t.name, String((e as Error)?.message ?? e), { cause: e });
    };
    const config: ConnectConfig = {
      host: t.host,
      port: t.port,
      username: t.auth.username,
      readyTimeout: t.connectTimeoutMs,
      keepaliveInterval: t.keepaliveIntervalMs ?? 15_000,
      keepaliveCountMax: 3,
      algorithms: {
        kex: (t.kex ?? KEX_PREFERENCE) as NonNullable<ConnectConfig['algorithms']>['kex'],
        serverHostKey: hostKeyAlgorithms as NonNullable<ConnectConfig['algorithms']>['serverHostKey'],
        compress: (t.compress ? ['zlib@openssh.com', 'none'] : ['none']) as NonNullable<ConnectConfig['algorithms']>['compress'],
      },
      ...(sock ? { sock: sock as unknown as Readable } : {}),
      // Called before ssh2 checks the server's signature: compare only, never pin here.
      hostVerifier: ((key: Buffer, verify: (ok: boolean) => void) => {
        const fp = fingerprint(key);
        if (proven !== null && fp !== proven) {
          refuse(new HostKeyMismatchError(t.name, proven, fp));
          return verify(false);
        }
        // offered at once, not when the check resolves: ssh2 verifies the exchange's signature as
        // soon as the server's NEWKEYS arrives (kex.js finish(scOnly)), which can be before this
        // check's promise settles, and a refusal then still names the key that was offered
        offered = fp;
        t.hostKey.check(fp).then(
          (r) => {
            if (r === 'unpinned') unpinned = true;
            verify(true);
          },
          (e: unknown) => {
            // the pin is of another key: open() may ask again for the device's other key types
            if (e instanceof HostKeyMismatchError && proven === null) seen.refusedType = keyTypeOf(key);
            refuse(e);
            verify(false);
          },
        );
      }) as ConnectConfig['hostVerifier'],
      authHandler: ((_methodsLeft: unknown, _partial: unknown, next: (m: unknown) => void) => {
        const m = authList.shift();
        next(m ?? false);
      }) as unknown as ConnectConfig['authHandler'],
    };
    const t0 = performance.now();
    let tcpMs: number | null = null;
    return new Promise<string>((resolve, reject) => {
      let settled = false;
      const fail = (err: RawError) => {
        if (settled) return;
        settled = true;
        client.removeAllListeners('ready');
        client.on('error', () => undefined);
        client.end();
        if (hostKeyError) return reject(hostKeyError);
        if (!authList.length && err.level === 'client-authentication' && t.auth.keys.length === 0 && !t.auth.agent && t.auth.password === undefined) {
          return reject(new TransportError('auth', t.name, `no key, agent or password to log in to ${t.name}`, { hint: { kind: 'keys-init' } }));
        }
        const c = classifyConnectError(err, { target: t.name, tcpConnected, timeoutMs: t.connectTimeoutMs, offeredHostKey: offered ?? undefined });
        reject(new TransportError(c.kind, t.name, c.message, { cause: err }));
      };
      client.once('connect', () => {
        tcpConnected = true;
        // Timed on the socket SSH then uses: a health probe needs no second TCP connection
        // (each one costs the device's sshd a fork).
        if (!sock) tcpMs = performance.now() - t0;
      });
      // ssh2 emits 'handshake' only after the server's signature over the exchange verified
      // with the offered key (kex.js finish(), see HostKeyPolicy): from here the key is proven.
      client.on('handshake', () => {
        if (offered === null || settled) return;
        proven = offered;
        if (!proveOnly) return;
        settled = true;
        client.removeAllListeners('ready');
        client.on('error', () => undefined);
        client.end();
        resolve(proven);
      });
      client.once('ready', () => {
        if (settled) return;
        const done = () => {
          if (settled) return;
          settled = true;
          this.client = client;
          client.on('error', (e) => this.markLost(e));
          client.on('close', () => this.markLost(new Error('connection closed')));
          resolve(proven!);
        };
        if (proven === null) {
          return fail({ message: `${t.name} reported ready without a completed key exchange`, level: 'protocol' });
        }
        this.connectTimings = { tcpMs, sshMs: performance.now() - t0 };
        if (!unpinned) return done();
        t.hostKey.pin(proven).then(done, (e: unknown) => {
          refuse(e);
          fail({ message: String((e as Error)?.message ?? e), level: 'hostkey' });
        });
      });
      client.on('error', (e: Error & RawError) => fail(e));
      client.once('close', () => fail({ message: 'connection lost before the SSH session was ready', level: 'client-socket' }));
      try {
        client.connect(config);
        declineHostKeysProof(client);
      } catch (e) {
        fail(e as RawError);
      }
    });
  }

  private markLost(e: Error): void {
    if (this.lost) return;
    this.lost = e;
    for (const rej of this.pending) rej(e);
    this.pending.clear();
    this.onClose?.();
  }

  private requireClient(): ssh2.Client {
    if (!this.client) throw new TransportError('protocol', this.name, `not connected to ${this.name} (call connect() first)`);
    if (this.lost) throw new TransportError('unreachable', this.name, `connection to ${this.name} lost: ${this.lost.message}`);
    return this.client;
  }

  async exec(cmd: string, opts: ExecOptions = {}): Promise<ExecResult> {
    await this.connect();
    const client = this.requireClient();
    const timeoutMs = opts.timeoutMs ?? this.target.commandTimeoutMs;
    return new Promise<ExecResult>((resolve, reject) => {
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let exitCode: number | null = null;
      let signal: string | null = null;
      let done = false;
      let stream: ClientChannel | null = null;
      let timer: NodeJS.Timeout | undefined;
      let offAbort = () => {};
      const finish = (e: Error | null) => {
        if (done) return;
        done = true;
        if (timer) clearTimeout(timer);
        this.pending.delete(onLost);
        offAbort();
        if (e) reject(e);
        else resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), exitCode, signal });
      };
      const onLost = (e: Error) =>
        finish(new TransportError('unreachable', this.name, `connection to ${this.name} lost during the command: ${e.message}`, { cause: e }));
      const onAbort = () => {
        stream?.close();
        finish(new TransportError('timeout', this.name, `command on ${this.name} cancelled`));
      };
      this.pending.add(onLost);
      offAbort = whenAborted(opts.signal, onAbort);
      if (timeoutMs) {
        timer = setTimeout(() => {
          try {
            stream?.signal('KILL');
          } catch {
            /* not supported by this server */
          }
          stream?.close();
          finish(new TransportError('timeout', this.name, `command timed out after ${timeoutMs} ms on ${this.name}`));
        }, timeoutMs);
      }
      client.exec(cmd, (e, ch) => {
        if (e) return finish(new TransportError('protocol', this.name, `cannot start a command on ${this.name}: ${e.message}`, { cause: e }));
        stream = ch;
        if (done) return ch.close();
        ch.on('data', (b: Buffer) => {
          out.push(b);
          opts.onStdout?.(b);
        });
        ch.stderr.on('data', (b: Buffer) => {
          err.push(b);
          opts.onStderr?.(b);
        });
        ch.on('exit', (code: number | null, sig?: string) => {
          if (typeof code === 'number') exitCode = code;
          if (sig) signal = sig;
        });
        ch.on('close', () => {
          // a channel that closes without an exit status because the connection died is not a result
          if (exitCode === null && signal === null && this.lost) return onLost(this.lost);
          setImmediate(() => {
            if (exitCode === null && signal === null && this.lost) return onLost(this.lost);
            finish(null);
          });
        });
        if (opts.stdin !== undefined) ch.end(opts.stdin);
        else ch.end();
      });
    });
  }

  /** A long-lived bash on its own channel (remote-shell.ts), for the daemon's repeated probes. */
  async openShell(opts: RunOptions = {}): Promise<RemoteShell> {
    await this.connect();
    const client = this.requireClient();
    const ch = await new Promise<ClientChannel>((resolve, reject) => {
      let done = false;
      let timer: NodeJS.Timeout | undefined;
      let offAbort = () => {};
      const finish = (e: Error | null, c?: ClientChannel) => {
        if (done) return void c?.close();
        done = true;
        if (timer) clearTimeout(timer);
        this.pending.delete(onLost);
        offAbort();
        if (e) reject(e);
        else resolve(c!);
      };
      const onLost = (e: Error) =>
        finish(new TransportError('unreachable', this.name, `connection to ${this.name} lost while starting a shell: ${e.message}`, { cause: e }));
      const onAbort = () => finish(new TransportError('timeout', this.name, `starting a shell on ${this.name} cancelled`));
      this.pending.add(onLost);
      offAbort = whenAborted(opts.signal, onAbort);
      if (opts.timeoutMs)
        timer = setTimeout(
          () => finish(new TransportError('timeout', this.name, `starting a shell timed out after ${opts.timeoutMs} ms on ${this.name}`)),
          opts.timeoutMs,
        );
      client.exec(SHELL_COMMAND, (e, c) =>
        e ? finish(new TransportError('protocol', this.name, `cannot start a shell on ${this.name}: ${e.message}`, { cause: e })) : finish(null, c),
      );
    });
    ch.stderr.resume();
    return new ChannelShell(
      this.name,
      {
        write: (d) => ch.write(d),
        onData: (fn) => ch.on('data', fn),
        onClose: (fn) => ch.once('close', fn),
        close: () => ch.close(),
      },
      () => this.lost,
    );
  }

  private sftp<T>(fn: (sftp: ssh2.SFTPWrapper) => Promise<T>): Promise<T> {
    return this.connect().then(
      () =>
        new Promise<T>((resolve, reject) => {
          // a connection that dies mid-transfer fails the transfer at once, like a command
          let done = false;
          const finish = (e: Error | null, v?: T) => {
            if (done) return;
            done = true;
            this.pending.delete(onLost);
            if (e) reject(e);
            else resolve(v as T);
          };
          const onLost = (e: Error) =>
            finish(new TransportError('unreachable', this.name, `connection to ${this.name} lost during SFTP: ${e.message}`, { cause: e }));
          const client = this.requireClient();
          this.pending.add(onLost);
          client.sftp((e, sftp) => {
            if (e) return finish(new TransportError('protocol', this.name, `cannot open SFTP on ${this.name}: ${e.message}`, { cause: e }));
            if (done) return sftp.end();
            fn(sftp).then(
              (v) => {
                sftp.end();
                finish(null, v);
              },
              (err: Error) => {
                sftp.end();
                finish(err instanceof TransportError ? err : new TransportError('protocol', this.name, `SFTP on ${this.name}: ${err.message}`, { cause: err }));
              },
            );
          });
        }),
    );
  }

  put(data: Buffer | string, remotePath: string, opts: PutOptions = {}): Promise<void> {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    return this.sftp(
      (sftp) =>
        new Promise<void>((resolve, reject) => {
          sftp.writeFile(remotePath, buf, opts.mode !== undefined ? { mode: opts.mode } : {}, (e) => {
            if (e) return reject(new Error(`cannot write ${remotePath}: ${e.message}`));
            if (opts.mode === undefined) return resolve();
            sftp.chmod(remotePath, opts.mode, (e2) => (e2 ? reject(new Error(`cannot chmod ${remotePath}: ${e2.message}`)) : resolve()));
          });
        }),
    );
  }

  get(remotePath: string): Promise<Buffer> {
    return this.sftp(
      (sftp) =>
        new Promise<Buffer>((resolve, reject) => {
          sftp.readFile(remotePath, (e: Error | undefined, b: Buffer) => (e ? reject(new Error(`cannot read ${remotePath}: ${e.message}`)) : resolve(b)));
        }),
    );
  }

  /** When each path on this host last changed (SFTP stat, one session for all), or null for one that does not exist. */
  statPaths(paths: string[]): Promise<Array<{ mtime: Date } | null>> {
    return this.sftp((sftp) =>
      Promise.all(
        paths.map(
          (path) =>
            new Promise<{ mtime: Date } | null>((resolve, reject) => {
              sftp.stat(path, (e, st) => {
                if (e) return (e as { code?: number }).code === 2 ? resolve(null) : reject(new Error(`cannot stat ${path}: ${e.message}`));
                resolve({ mtime: new Date(st.mtime * 1000) });
              });
            }),
        ),
      ),
    );
  }

  /** A TCP stream to host:port opened from this device (how a jump host reaches the device behind it). */
  async forwardOut(host: string, port: number): Promise<Duplex> {
    await this.connect();
    const client = this.requireClient();
    return new Promise<Duplex>((resolve, reject) => {
      client.forwardOut('127.0.0.1', 0, host, port, (e, ch) => {
        if (e)
          return reject(
            new TransportError('unreachable', `${host}:${port}`, `jump host ${this.name} cannot reach ${host}:${port}: ${e.message}`, { cause: e }),
          );
        resolve(ch as unknown as Duplex);
      });
    });
  }

  /**
   * A stream to a Unix socket on this host (direct-streamlocal@openssh.com): how the runner reaches
   * a tunnelled device's sshd through its socket on the bastion. A missing socket (the device's
   * tunnel is down, never connected, or revoked) is a TransportError naming the device.
   */
  async forwardOutStreamLocal(path: string, device: { id: string; bastion: string }): Promise<Duplex> {
    await this.connect();
    const client = this.requireClient();
    return new Promise<Duplex>((resolve, reject) => {
      client.openssh_forwardOutStreamLocal(path, (e, ch) => {
        if (e)
          return reject(
            new TransportError(
              'unreachable',
              device.id,
              `${device.id} unreachable: its tunnel is not connected to bastion ${device.bastion} (${path}: ${e.message})`,
              {
                cause: e,
                hint: { kind: 'tunnel-down', id: device.id, bastion: device.bastion },
              },
            ),
          );
        resolve(ch as unknown as Duplex);
      });
    });
  }

  /** An interactive shell with a pty (jfleet ssh). */
  async shell(window: { rows: number; cols: number; term: string }, pty = true): Promise<ClientChannel> {
    await this.connect();
    const client = this.requireClient();
    return new Promise((resolve, reject) => {
      client.shell(pty ? { rows: window.rows, cols: window.cols, term: window.term } : false, (e, ch) =>
        e ? reject(new TransportError('protocol', this.name, `cannot open a shell on ${this.name}: ${e.message}`)) : resolve(ch),
      );
    });
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = null;
    this.ready = null;
    if (!c) return;
    await new Promise<void>((resolve) => {
      // A hung device never answers the disconnect: drop the socket rather than keep the
      // process alive until it wakes up.
      // ssh2's destroy() is a no-op once end() has half-closed the socket, so destroy the
      // socket itself.
      const t = setTimeout(() => {
        (c as unknown as { _sock?: { destroy(): void } })._sock?.destroy();
        resolve();
      }, 1000);
      c.once('close', () => {
        clearTimeout(t);
        resolve();
      });
      c.end();
    });
  }
}

export { HostKeyMismatchError };
