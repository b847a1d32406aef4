/**
 * Handlers for `jfleet exec`, `jfleet ssh`, `jfleet keys init|show` and `jfleet hostkey accept`.
 * Each parses nothing (commander did), calls the pool/fan-out, and renders.
 */
import { chmodSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomicSet, writeFailure } from '../atomic-file.js';
import type { Context } from '../context.js';
import { homePaths } from '../context.js';
import { ExitCode, ExitStatus, InputError, UserError, type InputIssue } from '../errors.js';
import { loadInventory } from '../inventory/load.js';
import { resolveInventoryDir } from '../inventory/paths.js';
import type { Package } from '../inventory/schema.js';
import { colors } from '../cli/render/color.js';
import { editInventory } from './inventory-edit.js';
import { fanOut } from './fanout.js';
import { generateEd25519 } from './keygen.js';
import { createPool } from './pool.js';
import { buildCommand, expandCommand, outcomeOf, prefixLines, progressLine, recapLines, summarize, type DeviceResult } from './recap.js';
import type { SshTransport } from './ssh.js';
import { TransportError } from './types.js';

/** A device we could not work on, for single-device commands: one line, exit 1 (no stack). */
function deviceError(e: unknown): unknown {
  if (e instanceof TransportError) return new UserError(e.message, { exitCode: ExitCode.deviceFailed });
  return e;
}

export interface ExecCommandOptions {
  inventory?: string;
  limit?: string;
  forks?: number;
  timeout?: number;
  connectTimeout?: number;
  json?: boolean;
}

export async function execCommand(ctx: Context, args: string[], opts: ExecCommandOptions): Promise<void> {
  if (!args.length) throw new UserError('no command given', { hint: 'put the command after --, e.g. jfleet exec -- uptime' });
  const { loadSelection, recordFailed, readFailed } = await import('../inventory/service.js');
  const sel = await loadSelection(ctx, { inventory: opts.inventory, limit: opts.limit });
  if (!sel.packages.length) throw new UserError(`no packages match${opts.limit ? ` --limit ${opts.limit}` : ''}`);
  // every device's command is built before any is contacted: a refused placeholder value stops the run
  const commands = new Map<string, string>();
  const refused: InputIssue[] = [];
  for (const p of sel.packages) {
    const r = expandCommand(args, p);
    refused.push(...r.issues);
    commands.set(p.id, r.command);
  }
  if (refused.length) throw new InputError(refused);
  const forks = await (await import('../config/config.js')).resolveForks(ctx, opts.forks);
  const timeoutMs = (opts.timeout ?? 60) * 1000;
  const connectTimeoutMs = opts.connectTimeout !== undefined ? opts.connectTimeout * 1000 : Math.min(10_000, timeoutMs);
  // (jump hosts outside the selection are read from the inventory by the pool when needed)
  const pool = createPool(ctx, { inventoryDir: sel.dir, packages: sel.packages, connectTimeoutMs, commandTimeoutMs: timeoutMs });
  const c = colors(ctx);
  const tty = Boolean(ctx.stderr.isTTY) && !opts.json;
  const total = sel.packages.length;
  let done = 0;
  let notOk = 0;
  const clearProgress = () => tty && ctx.stderr.write('\r\x1b[K');
  const drawProgress = () => tty && ctx.stderr.write(progressLine(done, total, notOk));
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
              ? { status: 'cancelled' as const, error: 'stopped by Ctrl-C before it finished' }
              : outcomeOf({ ok: false, error: (s.error as { inner?: unknown }).inner ?? s.error });
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
          const lines = [...prefixLines(c.bold ? c.bold(r.id) : r.id, r.stdout), ...prefixLines(r.id, r.stderr, '!')];
          if (r.status !== 'ok') lines.push(`${r.id} ! ${r.status === 'failed' ? `exit ${r.exitCode ?? r.signal}` : r.error}`);
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
    ctx.stdout.write(JSON.stringify({ command: args, summary: summarize(results), results }, null, 2) + '\n');
  } else {
    const recap = recapLines(results);
    ctx.stdout.write(recap.join('\n') + '\n');
  }
  if (ctx.signal.aborted) throw new ExitStatus(130);
  if (results.some((r) => r.status !== 'ok')) throw new ExitStatus(1);
}

function findPackage(ctx: Context, inventory: string | undefined, id: string): { dir: string; pkg: Package; all: Package[] } {
  const dir = resolveInventoryDir(ctx, inventory, undefined);
  const res = loadInventory(dir);
  if (res.issues.length) throw new UserError(`the inventory at ${dir} has errors`, { hint: 'run: jfleet inventory check' });
  const pkg = res.packages.find((p) => p.id === id);
  if (!pkg) throw new UserError(`no package "${id}" in ${res.file}`, { hint: 'list them with: jfleet inventory list' });
  return { dir, pkg, all: res.packages };
}

async function inventoryDirFor(ctx: Context, flag?: string): Promise<string | undefined> {
  if (flag) return flag;
  try {
    const { loadConfig } = await import('../config/index.js');
    return (await loadConfig(ctx)).inventory ?? undefined;
  } catch {
    return undefined;
  }
}

/** jfleet ssh ID: an interactive shell, host key checked against the pin (or pinned on first use). */
export async function sshCommand(ctx: Context, id: string, opts: { inventory?: string; command?: string[] }): Promise<void> {
  const { pkg, all, dir } = findPackage(ctx, await inventoryDirFor(ctx, opts.inventory), id);
  const command = opts.command?.length ? buildCommand(opts.command, pkg) : null;
  const pool = createPool(ctx, { inventoryDir: dir, packages: all });
  try {
    const t = (await pool.get(pkg).catch((e: unknown) => Promise.reject(deviceError(e)))) as SshTransport;
    if (command !== null) {
      const r = await t.exec(command, { onStdout: (b) => ctx.stdout.write(b), onStderr: (b) => ctx.stderr.write(b), signal: ctx.signal });
      if (r.exitCode !== 0) throw new ExitStatus(r.exitCode ?? 1);
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

/** What `ssh-keygen -lf` prints for a key: SHA256: and 43 characters of unpadded base64. */
const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

export interface HostkeyAcceptOptions {
  inventory?: string;
  json?: boolean;
  /** pin only if the device proves this fingerprint (for scripts) */
  expect?: string;
  /** pin whatever key the device proves, without asking */
  yes?: boolean;
}

/**
 * jfleet hostkey accept ID: re-pin after a technician confirmed the device was reinstalled. The
 * device must prove the key (a completed key exchange, not just an offer); the new pin is written
 * only after the old and new fingerprints were shown and confirmed, or when it equals --expect.
 */
export async function hostkeyAcceptCommand(ctx: Context, id: string, opts: HostkeyAcceptOptions): Promise<void> {
  const expected = opts.expect?.trim();
  if (expected !== undefined && !FINGERPRINT.test(expected)) {
    throw new UserError(`--expect ${JSON.stringify(expected.slice(0, 80))} is not a SHA256 host-key fingerprint`, {
      hint: 'give it as ssh-keygen -lf prints it on the device, e.g. --expect SHA256:… from: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub',
    });
  }
  const { pkg, all, dir } = findPackage(ctx, await inventoryDirFor(ctx, opts.inventory), id);
  const confirmByPrompt = expected === undefined && !opts.yes;
  if (confirmByPrompt) {
    const { requireFlags } = await import('../cli/prompts.js');
    requireFlags(
      ctx,
      ['--expect SHA256:…'],
      `pinning the host key of ${id} needs its fingerprint checked; nothing was changed`,
      'pass --expect with the fingerprint read on the device (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), or --yes to pin whatever key it proves',
    );
  }
  const pool = createPool(ctx, { inventoryDir: dir, packages: all });
  let proven: string;
  try {
    proven = await pool.provenHostKey(pkg);
  } catch (e) {
    throw deviceError(e);
  } finally {
    await pool.closeAll();
  }
  const old = pkg.hostKey ?? null;
  if (expected !== undefined && proven !== expected) {
    throw new UserError(`${id} proves host key ${proven}, not the expected ${expected}; nothing was pinned`, {
      hint: 'check the fingerprint on the device itself; a different key means another device or a man in the middle',
    });
  }
  if (old !== proven) {
    if (confirmByPrompt) {
      const out = opts.json ? ctx.stderr : ctx.stdout;
      out.write(`${id}: pinned host key   ${old ?? '(none)'}\n${id}: the device proves ${proven}\n`);
      const { confirmOrYes } = await import('../cli/prompts.js');
      await confirmOrYes(ctx, { message: `Pin ${proven} as the host key of ${id}?`, what: 'pinning a host key needs confirmation' });
    }
    await editInventory(dir, (pkgs) => {
      for (const p of pkgs) {
        if (p.id !== id) continue;
        // what was shown and confirmed must still be what is replaced
        if ((p.hostKey ?? null) !== old) throw new UserError(`the pin of ${id} changed to ${p.hostKey ?? '(none)'} meanwhile; nothing was pinned (run hostkey accept again)`);
        p.hostKey = proven;
      }
    });
  }
  if (opts.json) {
    ctx.stdout.write(JSON.stringify({ id, old, new: proven, changed: old !== proven }, null, 2) + '\n');
    return;
  }
  if (old === proven) ctx.stdout.write(`${id}: host key ${proven} is already pinned; nothing changed\n`);
  else ctx.stdout.write(`${id}: host key pinned ${proven}${old ? ` (was ${old})` : ' (none was pinned)'}\n`);
}

export const FLEET_KEY_NAME = 'fleet_ed25519';

/** jfleet keys init: the fleet key, ed25519, private half mode 0600 under JFLEET_HOME/keys. */
export async function keysInitCommand(ctx: Context, opts: { force?: boolean; json?: boolean }): Promise<void> {
  const dir = homePaths(ctx.home).keysDir;
  const file = join(dir, FLEET_KEY_NAME);
  // an empty private key file is no key (a full disk under an older jfleet left one): replace it
  const existing = statSync(file, { throwIfNoEntry: false });
  if (existing && existing.size > 0 && !opts.force) {
    throw new UserError(`a fleet key already exists: ${file}`, { hint: 'devices trust it; replacing it locks jfleet out of them. Use --force only if you mean that' });
  }
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
  } catch (e) {
    throw writeFailure(e, file);
  }
  const k = generateEd25519(`jfleet@${ctx.env.HOSTNAME ?? 'fleet'}`);
  // Both halves are written in full before either replaces anything: a full disk leaves no key
  // file (or the old pair, with --force) and a retry after freeing space just works.
  writeAtomicSet([
    { file, data: k.privateKey, mode: 0o600 },
    { file: file + '.pub', data: k.publicKey + '\n', mode: 0o644 },
  ]);
  if (opts.json) {
    ctx.stdout.write(JSON.stringify({ privateKey: file, publicKey: k.publicKey, fingerprint: k.fingerprint }, null, 2) + '\n');
    return;
  }
  ctx.stdout.write(`fleet key written: ${file} (mode 0600)\n${k.fingerprint}\n${k.publicKey}\n`);
}

export async function keysShowCommand(ctx: Context, opts: { json?: boolean }): Promise<void> {
  const file = join(homePaths(ctx.home).keysDir, FLEET_KEY_NAME);
  let pub: string;
  try {
    pub = readFileSync(file + '.pub', 'utf8').trim();
  } catch {
    throw new UserError(`no fleet key at ${file}`, { hint: 'create one with: jfleet keys init' });
  }
  const { fingerprintOfPublicKey } = await import('./fingerprint.js');
  const fp = fingerprintOfPublicKey(pub);
  if (opts.json) ctx.stdout.write(JSON.stringify({ privateKey: file, publicKey: pub, fingerprint: fp }, null, 2) + '\n');
  else ctx.stdout.write(`${fp}\n${pub}\n`);
}
