/**
 * Handlers for `jfleet exec` and `jfleet ssh`. Each parses nothing (commander did), calls the
 * pool/fan-out, and renders.
 */
import { StringDecoder } from 'node:string_decoder';
import type { Context } from '../../context.js';
import { ExitCode, ExitStatus, InputError, UserError, type InputIssue } from '../../errors.js';
import type { Package } from '../../inventory/schema.js';
import { fanOut } from '../../transport/fanout.js';
import { fleetPoolOptions } from '../../fleet-pool.js';
import { createPool } from '../../transport/pool.js';
import {
  buildCommand,
  expandCommand,
  outcomeOf,
  prefixLines,
  progressLine,
  recapLines,
  summarize,
  type DeviceOutcome,
  type DeviceResult,
  type RecapWords,
} from '../../transport/recap.js';
import type { MessageKey, Translate } from '../../i18n/catalog.js';

/** The recap's words from the catalog (exec.outcome.*, exec.recap.*). */
function recapWords(t: Translate): RecapWords {
  return {
    label: (o: DeviceOutcome) => t(`exec.outcome.${o}` as MessageKey),
    head: (total, parts) => t('exec.recap.head', { count: total, parts }),
    killedBy: (signal) => t('exec.recap.killedBy', { signal }),
    exit: (code) => t('exec.recap.exit', { code }),
    progress: (done, total, ok, failures) =>
      failures ? t('exec.recap.progressFailing', { done, total, ok, failures }) : t('exec.recap.progress', { done, total, ok }),
  };
}
import type { SshTransport } from '../../transport/ssh.js';
import { colors } from '../render/color.js';
import { deviceText } from '../render/terminal.js';
import { failureText } from '../render/failure.js';
import { printJson } from '../shared.js';
import { deviceError, findPackage } from './device.js';

export interface ExecCommandOptions {
  inventory?: string;
  limit?: string;
  forks?: number;
  timeout?: number;
  connectTimeout?: number;
  json?: boolean;
}

export async function execCommand(ctx: Context, args: string[], opts: ExecCommandOptions): Promise<void> {
  if (!args.length) throw new UserError(ctx.t('exec.noCommand'), { hint: ctx.t('exec.noCommandHint') });
  const { loadSelection, recordFailed, readFailed } = await import('../../inventory/service.js');
  const sel = await loadSelection(ctx, { inventory: opts.inventory, limit: opts.limit });
  if (!sel.packages.length) throw new UserError(opts.limit ? ctx.t('exec.noMatchLimit', { limit: opts.limit }) : ctx.t('exec.noMatch'));
  // every device's command is built before any is contacted: a refused placeholder value stops the run
  const commands = new Map<string, string>();
  const refused: InputIssue[] = [];
  for (const p of sel.packages) {
    const r = expandCommand(args, p);
    refused.push(...r.issues);
    commands.set(p.id, r.command);
  }
  if (refused.length) throw new InputError(refused);
  const forks = await (await import('../../config/config.js')).resolveForks(ctx, opts.forks);
  const timeoutMs = (opts.timeout ?? 60) * 1000;
  const connectTimeoutMs = opts.connectTimeout !== undefined ? opts.connectTimeout * 1000 : Math.min(10_000, timeoutMs);
  // (jump hosts outside the selection are read from the inventory when needed)
  const pool = createPool(ctx, { ...fleetPoolOptions(ctx, { inventoryDir: sel.dir, packages: sel.packages }), connectTimeoutMs, commandTimeoutMs: timeoutMs });
  const c = colors(ctx);
  // what a device sent, as shown on stdout: escaped on a terminal, exact when piped (and in --json)
  const shown = deviceText(ctx.stdout);
  const tty = Boolean(ctx.stderr.isTTY) && !opts.json;
  const total = sel.packages.length;
  let done = 0;
  let notOk = 0;
  const clearProgress = () => tty && ctx.stderr.write('\r\x1b[K');
  const words = recapWords(ctx.t);
  const drawProgress = () => tty && ctx.stderr.write(progressLine(done, total, notOk, words));
  const results: DeviceResult[] = [];
  // Ctrl-C: drop every connection (running commands end), the fan-out starts nothing new
  const onAbort = () => void pool.closeAll();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  drawProgress();
  try {
    const settled = await fanOut(
      sel.packages,
      forks,
      async (pkg: Package) => {
        const started = Date.now();
        try {
          const t = await pool.get(pkg);
          const value = await t.exec(commands.get(pkg.id)!, { timeoutMs });
          return { value, started };
        } catch (error) {
          throw Object.assign(new Error('device failed'), { inner: error, started });
        }
      },
      {
        signal: ctx.signal,
        onSettled: (s) => {
          // after Ctrl-C, a device whose command did not finish was cut off by us, not unreachable
          const o = s.ok
            ? outcomeOf({ ok: true, value: s.value.value })
            : ctx.signal.aborted
              ? { status: 'cancelled' as const, error: ctx.t('exec.stoppedByCtrlC') }
              : outcomeOf({ ok: false, error: (s.error as { inner?: unknown }).inner ?? s.error }, failureText);
          const started = s.ok ? s.value.started : ((s.error as { started?: number }).started ?? Date.now());
          const r: DeviceResult = {
            id: s.item.id,
            status: o.status,
            exitCode: s.ok ? s.value.value.exitCode : null,
            signal: s.ok ? s.value.value.signal : null,
            stdout: s.ok ? s.value.value.stdout : '',
            stderr: s.ok ? s.value.value.stderr : '',
            error: o.error,
            durationMs: Date.now() - started,
          };
          results.push(r);
          done++;
          if (r.status !== 'ok') notOk++;
          if (opts.json) return;
          clearProgress();
          // the device's bytes are escaped before our own colour is added
          const lines = [...prefixLines(c.bold ? c.bold(r.id) : r.id, shown(r.stdout)), ...prefixLines(r.id, shown(r.stderr), '!')];
          if (r.status !== 'ok')
            lines.push(
              `${r.id} ! ${r.status === 'failed' ? ctx.t('exec.recap.exit', { code: String(r.exitCode ?? r.signal) }) : shown(ctx.t.phrase(r.error ?? ''))}`,
            );
          if (lines.length) ctx.stdout.write(lines.join('\n') + '\n');
          drawProgress();
        },
      },
    );
    void settled;
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    await pool.closeAll();
  }
  clearProgress();
  const order = new Map(sel.packages.map((p, i) => [p.id, i]));
  results.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  // @failed: the devices that failed this run; a cancelled device keeps whatever it had before
  const before = new Set(readFailed(ctx, { lenient: true }));
  const failedIds = results.filter((r) => r.status !== 'ok' && (r.status !== 'cancelled' || before.has(r.id))).map((r) => r.id);
  // (an fsync'd write: skipped when the recorded list already says the same)
  if (JSON.stringify(readFailed(ctx, { lenient: true })) !== JSON.stringify([...new Set(failedIds)].sort())) await recordFailed(ctx, failedIds);
  if (opts.json) {
    printJson(ctx, { command: args, summary: summarize(results), results });
  } else {
    const recap = recapLines(
      results.map((r) => ({ ...r, error: r.error === null ? null : ctx.t.phrase(r.error) })),
      words,
    ).map((l) => shown(l));
    ctx.stdout.write(recap.join('\n') + '\n');
  }
  if (ctx.signal.aborted) throw new ExitStatus(ExitCode.cancelled);
  if (results.some((r) => r.status !== 'ok')) throw new ExitStatus(ExitCode.deviceFailed);
}

/** jfleet ssh ID: an interactive shell, host key checked against the pin (or pinned on first use). */
export async function sshCommand(ctx: Context, id: string, opts: { inventory?: string; command?: string[] }): Promise<void> {
  const { pkg, all, dir } = findPackage(ctx, opts.inventory, id);
  const command = opts.command?.length ? buildCommand(opts.command, pkg) : null;
  const pool = createPool(ctx, fleetPoolOptions(ctx, { inventoryDir: dir, packages: all }));
  try {
    const t = (await pool.get(pkg).catch((e: unknown) => Promise.reject(deviceError(e)))) as SshTransport;
    if (command !== null) {
      // streamed as it comes: escaped on a terminal (a character split across chunks is held back), as is when piped
      const out = streamTo(ctx.stdout);
      const err = streamTo(ctx.stderr);
      const r = await t.exec(command, { onStdout: out.write, onStderr: err.write, signal: ctx.signal });
      out.end();
      err.end();
      if (r.exitCode !== 0) throw new ExitStatus(r.exitCode ?? ExitCode.deviceFailed);
      return;
    }
    const stdin = ctx.stdin as NodeJS.ReadStream;
    const stdout = ctx.stdout as NodeJS.WriteStream;
    const isTTY = Boolean(stdin.isTTY && stdout.isTTY);
    const ch = await t.shell({ rows: stdout.rows ?? 24, cols: stdout.columns ?? 80, term: ctx.env.TERM ?? 'xterm-256color' }, isTTY);
    if (isTTY) stdin.setRawMode(true);
    const onResize = () => ch.setWindow(stdout.rows ?? 24, stdout.columns ?? 80, 0, 0);
    stdout.on('resize', onResize);
    stdin.pipe(ch);
    ch.pipe(stdout, { end: false });
    ch.stderr.pipe(ctx.stderr, { end: false });
    const code = await new Promise<number>((resolve) => {
      let exit = 0;
      ch.on('exit', (c: number | null) => (exit = c ?? 255));
      ch.on('close', () => resolve(exit));
    });
    stdin.unpipe(ch);
    stdout.off('resize', onResize);
    if (isTTY) stdin.setRawMode(false);
    stdin.pause();
    if (code !== 0) throw new ExitStatus(code);
  } finally {
    await pool.closeAll();
  }
}

/** A device's byte stream onto one of ours: on a terminal decoded and escaped (deviceText), else the bytes as they came. */
function streamTo(stream: Context['stdout'] | Context['stderr']): { write: (b: Buffer) => void; end: () => void } {
  if (!stream.isTTY) return { write: (b) => void stream.write(b), end: () => undefined };
  const decoder = new StringDecoder('utf8');
  const shown = deviceText(stream);
  return {
    write: (b) => void stream.write(shown(decoder.write(b))),
    end: () => {
      const rest = decoder.end();
      if (rest) stream.write(shown(rest));
    },
  };
}
