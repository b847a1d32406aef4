/**
 * A long-lived bash on the device, over one channel, for work that repeats on a kept-open
 * connection (the schedule daemon's sweeps). A run writes a few bytes to the shell's stdin and
 * reads until a per-shell marker: no new channel, no sshd fork, no shell start-up, and no script
 * text on the wire once the caller has defined a function in it. On a village 4G link that turns
 * a probe's two or three round trips into one, and on the device it saves the process start-up
 * that a fresh exec costs every time.
 *
 * Runs go one at a time, in order. Each run's stdin is /dev/null (a command in it must never eat
 * the next run from the shell's stdin) and its stderr is merged into its stdout. A run must not
 * `exit`: the shell then ends, the run fails, and `alive` turns false. A timeout or a cancel ends
 * the shell (what it was running cannot be trusted to finish), so the next use opens a new one.
 */
import { randomBytes } from 'node:crypto';
import { onAbort as whenAborted } from './abort.js';
import type { ExecResult, RemoteShell, RunOptions } from './types.js';
import { TransportError } from './types.js';

/** The command a transport starts the shell with (whatever the login shell is). */
export const SHELL_COMMAND = 'exec bash --noprofile --norc -s';

/** What the shell needs of a channel: an ssh2 ClientChannel, or a child process's stdio in tests. */
export interface ShellChannel {
  write(data: string): unknown;
  onData(fn: (chunk: Buffer) => void): void;
  /** the channel ended (the shell exited, was killed, or the connection died) */
  onClose(fn: () => void): void;
  close(): void;
}

/**
 * Pure: finds the end marker in the shell's output. The marker line is printed after a newline
 * of its own, so output that does not end in one still ends before it.
 */
export class MarkerParser {
  private buf = '';
  constructor(private readonly marker: string) {}
  /** feed output; returns the finished run's output and status once its marker line arrived */
  push(chunk: string): { output: string; status: number } | null {
    this.buf += chunk;
    const at = this.buf.indexOf('\n' + this.marker);
    if (at < 0) return null;
    const end = this.buf.indexOf('\n', at + 1 + this.marker.length);
    if (end < 0) return null;
    const status = Number(this.buf.slice(at + 1 + this.marker.length, end));
    const output = this.buf.slice(0, at);
    this.buf = this.buf.slice(end + 1);
    return { output, status: Number.isInteger(status) ? status : -1 };
  }
}

interface Pending {
  resolve(r: ExecResult): void;
  reject(e: Error): void;
}

export class ChannelShell implements RemoteShell {
  private readonly marker = `\x1fjfleet-${randomBytes(8).toString('hex')}:`;
  private readonly parser = new MarkerParser(this.marker);
  private queue: Promise<unknown> = Promise.resolve();
  private current: Pending | null = null;
  private ended = false;

  constructor(
    private readonly name: string,
    private readonly channel: ShellChannel,
    /** why the channel ended, when the connection under it is gone (else the shell just ended) */
    private readonly connectionLost: () => Error | null = () => null,
  ) {
    channel.onData((b) => {
      const done = this.parser.push(b.toString('utf8'));
      if (done && this.current) {
        const p = this.current;
        this.current = null;
        p.resolve({ stdout: done.output, stderr: '', exitCode: done.status, signal: null });
      }
    });
    channel.onClose(() => {
      this.ended = true;
      const p = this.current;
      this.current = null;
      if (!p) return;
      const lost = this.connectionLost();
      p.reject(
        lost
          ? new TransportError('unreachable', this.name, `connection to ${this.name} lost during the command: ${lost.message}`, { cause: lost })
          : new TransportError('protocol', this.name, `the shell on ${this.name} ended during the command`),
      );
    });
  }

  get alive(): boolean {
    return !this.ended;
  }

  run(script: string, opts: RunOptions = {}): Promise<ExecResult> {
    const next = this.queue.then(() => this.runNow(script, opts));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private runNow(script: string, opts: RunOptions): Promise<ExecResult> {
    if (this.ended) return Promise.reject(new TransportError('protocol', this.name, `the shell on ${this.name} has ended`));
    if (opts.signal?.aborted) return Promise.reject(new TransportError('timeout', this.name, `command on ${this.name} cancelled`));
    return new Promise<ExecResult>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let offAbort = () => {};
      const settle = () => {
        if (timer) clearTimeout(timer);
        offAbort();
      };
      const stop = (e: Error) => {
        if (!this.current) return;
        this.current = null;
        settle();
        this.close();
        reject(e);
      };
      const onAbort = () => stop(new TransportError('timeout', this.name, `command on ${this.name} cancelled`));
      this.current = {
        resolve: (r) => {
          settle();
          resolve(r);
        },
        reject: (e) => {
          settle();
          reject(e);
        },
      };
      offAbort = whenAborted(opts.signal, onAbort);
      if (opts.timeoutMs)
        timer = setTimeout(
          () => stop(new TransportError('timeout', this.name, `command timed out after ${opts.timeoutMs} ms on ${this.name}`)),
          opts.timeoutMs,
        );
      // the marker's printf is built from octal escapes, so the script text never holds the marker itself
      this.channel.write(`{\n${script}\n} </dev/null 2>&1; printf '\\n${octal(this.marker)}%s\\n' $?\n`);
    });
  }

  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.channel.close();
  }
}

/** Every byte as a printf octal escape. */
function octal(s: string): string {
  return [...Buffer.from(s)].map((b) => '\\' + b.toString(8).padStart(3, '0')).join('');
}
