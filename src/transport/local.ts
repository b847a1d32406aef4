/**
 * A Transport for the runner's own machine, on execa: same interface as SSH, so code above the
 * transport does not care where a command runs.
 */
import { execa } from 'execa';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { ChannelShell, SHELL_COMMAND } from './remote-shell.js';
import type { ExecOptions, ExecResult, PutOptions, RemoteShell, Transport } from './types.js';
import { TransportError } from './types.js';

export class LocalTransport implements Transport {
  readonly name: string;
  constructor(
    name = 'localhost',
    private readonly env?: Record<string, string | undefined>,
  ) {
    this.name = name;
  }
  async connect(): Promise<void> {}
  async exec(cmd: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const child = execa('/bin/sh', ['-c', cmd], {
      reject: false,
      input: opts.stdin,
      timeout: opts.timeoutMs,
      cancelSignal: opts.signal,
      env: this.env,
      extendEnv: this.env === undefined,
      stripFinalNewline: false,
      encoding: 'utf8',
    });
    if (opts.onStdout) child.stdout?.on('data', opts.onStdout);
    if (opts.onStderr) child.stderr?.on('data', opts.onStderr);
    const r = await child;
    if (r.timedOut) throw new TransportError('timeout', this.name, `command timed out after ${opts.timeoutMs} ms on ${this.name}`);
    return { stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), exitCode: r.exitCode ?? null, signal: r.signal ?? null };
  }
  async put(data: Buffer | string, remotePath: string, opts: PutOptions = {}): Promise<void> {
    await writeFile(remotePath, data, { mode: opts.mode });
    if (opts.mode !== undefined) await chmod(remotePath, opts.mode);
  }
  async get(remotePath: string): Promise<Buffer> {
    return readFile(remotePath);
  }
  async openShell(): Promise<RemoteShell> {
    const child = execa('/bin/sh', ['-c', SHELL_COMMAND], {
      env: this.env,
      extendEnv: this.env === undefined,
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'ignore',
      reject: false,
      buffer: false,
    });
    child.stdin?.on('error', () => undefined); // EPIPE once the shell has ended: the run fails on 'close'
    return new ChannelShell(this.name, {
      write: (d) => child.stdin?.write(d),
      onData: (fn) => child.stdout?.on('data', fn),
      onClose: (fn) => void child.once('close', fn),
      close: () => void child.kill('SIGKILL'),
    });
  }
  async close(): Promise<void> {}
}

export function createLocalTransport(name?: string): Transport {
  return new LocalTransport(name);
}
