/**
 * The one transport interface. Everything above src/transport/ talks to devices through this;
 * nothing above it imports ssh2 or execa. An exit code is data: a non-zero exit is a result,
 * not an exception. Exceptions are for not being able to run the command at all.
 */
export interface ExecResult {
  stdout: string;
  stderr: string;
  /** null when the command was killed by a signal or the channel closed without a status */
  exitCode: number | null;
  signal: string | null;
}

export interface ExecOptions {
  /** per-command timeout; on expiry the command's channel is closed and a TransportError('timeout') thrown */
  timeoutMs?: number;
  stdin?: string | Buffer;
  /** called with output chunks as they arrive (live progress) */
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  signal?: AbortSignal;
}

export interface PutOptions {
  mode?: number;
}

/** How long opening the connection took, measured on the connection itself. */
export interface ConnectTimings {
  /** TCP connect to the device's SSH port (null when tunnelled through a jump host) */
  tcpMs: number | null;
  /** from the start of the connect to an authenticated SSH session */
  sshMs: number;
}

export interface RunOptions {
  /** on expiry the shell is ended and a TransportError('timeout') thrown */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** A long-lived shell on the device (remote-shell.ts): runs go one at a time over one channel. */
export interface RemoteShell {
  /** run a bash snippet (stdin /dev/null, stderr merged into stdout); must not `exit` */
  run(script: string, opts?: RunOptions): Promise<ExecResult>;
  /** false once the shell has ended (exited, timed out, cancelled, or the connection died) */
  readonly alive: boolean;
  close(): void;
}

export interface Transport {
  /** human name of the peer, e.g. the package id */
  readonly name: string;
  /** set once connected, by transports that open a network connection */
  readonly connectTimings?: ConnectTimings;
  connect(): Promise<void>;
  /** cmd is a shell command line: build it with shell.ts quote(), never by pasting values */
  exec(cmd: string, opts?: ExecOptions): Promise<ExecResult>;
  /** write bytes to a remote path over SFTP (not atomic by itself; see provision for tmp+rename) */
  put(data: Buffer | string, remotePath: string, opts?: PutOptions): Promise<void>;
  get(remotePath: string): Promise<Buffer>;
  /** a long-lived bash for repeated runs, where the transport offers one (timeoutMs bounds the start) */
  openShell?(opts?: RunOptions): Promise<RemoteShell>;
  close(): Promise<void>;
}

/**
 * What the pool connects to: the fields of an inventory package it reads (a Package satisfies
 * this as it is). Owned here so the transport knows nothing of the inventory's schema.
 */
export interface DeviceTarget {
  /** the name the device goes by in messages, pins and the pool's map */
  id: string;
  address: string;
  port: number;
  user: string;
  /** a private key for this device, offered first */
  identityFile?: string;
  /** `<target id>` or `[user@]host[:port]`: reach the device through this host */
  jump?: string;
  /** the pinned SHA256 host-key fingerprint; absent until first contact */
  hostKey?: string;
  /** 'tunnel': reached through its reverse tunnel's socket on a bastion (the pool's resolveTunnel) */
  reach?: 'direct' | 'tunnel';
  /** with reach 'tunnel': the bastion's id */
  bastion?: string;
}

/**
 * How to reach a tunnelled target: one SSH connection to its bastion (shared by every device
 * behind it for the whole run), a direct-streamlocal channel to the device's socket there, and
 * the device's own SSH session end to end inside that channel.
 */
export interface TunnelRoute {
  bastion: {
    id: string;
    host: string;
    port: number;
    user: string;
    /** the bastion's pinned SHA256 host-key fingerprint (from bastions.yaml: never trust on first use) */
    hostKey: string;
  };
  /** the device's Unix socket on the bastion */
  socketPath: string;
}

/**
 * Where host keys are pinned on first contact. The pool calls pin() only after the handshake
 * completed (the device proved it holds the key); the store writes it. If the store already
 * holds a different pin for the target (the caller's copy was stale), pin() rejects with a
 * HostKeyMismatchError carrying that pin.
 */
export interface HostKeyStore {
  /** where pins go, for messages ("the inventory") */
  readonly where: string;
  pin(id: string, fingerprint: string): Promise<void>;
}

/**
 * Why a device could not be worked on. A fleet report must tell these apart:
 * unreachable (refused, timed out, no route, DNS), auth failed, host key mismatch,
 * a command timeout, or a protocol/channel error.
 */
export type TransportErrorKind = 'unreachable' | 'auth' | 'hostkey' | 'timeout' | 'protocol';

/**
 * What the operator can do about a failure, as data: the CLI layer words it as a command to run
 * (src/cli/render/failure.ts), so the transport never names a CLI command or flag.
 */
export type TransportHint =
  /** the device was reinstalled: re-pin its host key */
  | { kind: 'hostkey-accept'; id: string }
  /** no credential to log in with: make the fleet key (or set keyFile) */
  | { kind: 'keys-init' }
  /** the bastion proved another host key than bastions.yaml pins */
  | { kind: 'bastion-hostkey'; bastion: string }
  /** the device's tunnel is not connected to its bastion (never was, or is down, or revoked) */
  | { kind: 'tunnel-down'; id: string; bastion: string };

export class TransportError extends Error {
  readonly kind: TransportErrorKind;
  readonly target: string;
  readonly hint?: TransportHint;
  constructor(kind: TransportErrorKind, target: string, message: string, opts: { cause?: unknown; hint?: TransportHint } = {}) {
    super(message, { cause: opts.cause });
    this.name = 'TransportError';
    this.kind = kind;
    this.target = target;
    if (opts.hint) this.hint = opts.hint;
  }
}

export class HostKeyMismatchError extends TransportError {
  readonly expected: string;
  readonly actual: string;
  constructor(target: string, expected: string, actual: string) {
    super('hostkey', target, `host key of ${target} changed: pinned ${expected}, offered ${actual}`, { hint: { kind: 'hostkey-accept', id: target } });
    this.name = 'HostKeyMismatchError';
    this.expected = expected;
    this.actual = actual;
  }
}
