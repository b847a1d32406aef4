/**
 * The provisioning run: plan -> show -> confirm -> apply, as explicit stages. For each device,
 * in parallel through fanOut: connect (one pooled connection), gather every fact in one round
 * trip, plan; then show the plan, confirm, and apply step by step. A device's failure never
 * stops the others. Every device gets a log file per run.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Context } from '../context.js';
import { homePaths } from '../context.js';
import { UserError } from '../errors.js';
import type { Package } from '../inventory/schema.js';
import { colors } from '../cli/render/color.js';
import { commandLine, quote } from '../transport/shell.js';
import { TransportError, type Transport } from '../transport/types.js';
import { gatherScript, parseGatherOutput } from './gather.js';
import { notifiedHandlers, planDevice, recipeFacts, type PlannedStep } from './plan.js';
import { resolveRecipe, RecipeError, type Recipe, type ResolvedRecipe } from './recipe.js';
import { countSteps, renderDevice, renderRecap, summarize, type Paint } from './render.js';
import type { Action, DeviceRecap, ProvisionSummary, StepResult } from './types.js';

export interface ProvisionOptions {
  inventory?: string;
  limit?: string;
  check?: boolean;
  diff?: boolean;
  yes?: boolean;
  json?: boolean;
  forks?: number;
  /** log in with a password where the fleet key is not accepted yet, and install the key */
  bootstrap?: boolean;
  /** a file holding the factory root password (else JFLEET_BOOTSTRAP_PASSWORD) */
  passwordFile?: string;
  /** recipe profile (e.g. "lab"); else the package's vars.recipe_profile, else none */
  profile?: string;
  /** recipe directory (default: the shipped recipes/kiosk) */
  recipe?: string;
  /** print ok steps too */
  verbose?: boolean;
  connectTimeoutMs?: number;
}

interface DevicePlan {
  pkg: Package;
  recipe?: ResolvedRecipe;
  transport?: Transport;
  planned: PlannedStep[];
  handlers: string[];
  recap: DeviceRecap;
  log: DeviceLog;
}

class DeviceLog {
  constructor(readonly file: string) {}
  line(s: string): void {
    try {
      appendFileSync(this.file, `${new Date().toISOString()} ${s}\n`, { mode: 0o600 });
    } catch {
      /* a log that cannot be written must not fail the device */
    }
  }
}

const FACTS_TIMEOUT_MS = 60_000;
const STEP_TIMEOUT_MS = 120_000;
const APT_TIMEOUT_MS = 30 * 60_000;

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function tail(s: string, n = 400): string {
  const t = s.trim();
  return t.length > n ? '…' + t.slice(-n) : t;
}

async function resolveKeyFile(ctx: Context): Promise<string> {
  if (ctx.env.JFLEET_KEY_FILE) return ctx.env.JFLEET_KEY_FILE;
  try {
    const { loadConfig } = await import('../config/config.js');
    const cfg = (await loadConfig(ctx)) as { keyFile?: string };
    if (cfg.keyFile) return cfg.keyFile;
  } catch {
    /* no config: the default fleet key */
  }
  return homePaths(ctx.home).fleetKey;
}

function bootstrapPassword(ctx: Context, opts: ProvisionOptions): string {
  if (opts.passwordFile) {
    try {
      return readFileSync(opts.passwordFile, 'utf8').replace(/\r?\n$/, '');
    } catch (e) {
      throw new UserError(`cannot read the password file ${opts.passwordFile}: ${message(e)}`);
    }
  }
  const p = ctx.env.JFLEET_BOOTSTRAP_PASSWORD;
  if (p) return p;
  throw new UserError('--bootstrap needs the factory password', { hint: 'pass --password-file FILE or set JFLEET_BOOTSTRAP_PASSWORD' });
}

/** Disk full is the one apply failure a technician must recognise at once. */
async function explainFailure(t: Transport, path: string | undefined, err: string): Promise<string> {
  if (/no space left|ENOSPC/i.test(err) || (path && /failure/i.test(err))) {
    try {
      const dir = path ? path.slice(0, path.lastIndexOf('/')) || '/' : '/';
      const r = await t.exec(`df -Pk ${quote(dir)} | tail -n 1`, { timeoutMs: 10_000 });
      const f = r.stdout.trim().split(/\s+/);
      const avail = Number(f[3]);
      if (Number.isFinite(avail) && avail < 1024) return `disk full on the device (${f[5] ?? dir}: ${avail} KiB free): ${err}`;
    } catch {
      /* fall through to the raw message */
    }
  }
  return err;
}

async function runAction(t: Transport, a: Action, timeoutMs: number): Promise<void> {
  if (a.kind === 'put') {
    try {
      await t.put(typeof a.data === 'string' ? a.data : Buffer.from(a.data), a.path, { mode: a.mode });
    } catch (e) {
      const why = await explainFailure(t, a.path, message(e));
      // no half-written file stays behind
      await t.exec(commandLine(['rm', '-f', a.path]), { timeoutMs: 10_000 }).catch(() => undefined);
      throw new Error(`cannot write ${a.path}: ${why}`);
    }
    return;
  }
  const r = await t.exec(a.command, { timeoutMs });
  if (r.exitCode !== 0) {
    const why = await explainFailure(t, undefined, tail(r.stderr || r.stdout));
    throw new Error(`exit ${r.exitCode ?? r.signal}: ${why || '(no output)'}`);
  }
}

function showAction(a: Action): string {
  return a.kind === 'exec' ? a.command : `sftp put ${a.path} (${typeof a.data === 'string' ? Buffer.byteLength(a.data) : a.data.byteLength} bytes)`;
}

export async function provision(ctx: Context, opts: ProvisionOptions = {}): Promise<ProvisionSummary> {
  const check = Boolean(opts.check);
  const human = !opts.json;
  const p: Paint = colors(ctx) as unknown as Paint;
  const out = (s = '') => {
    if (human) ctx.stdout.write(s + '\n');
  };
  // Refuse before touching anything: a change run needs --yes or someone at a terminal.
  if (!check && !opts.yes && (!ctx.interactive || opts.json)) {
    throw new UserError('refusing to provision without confirmation: there is no terminal to ask' + (opts.json ? ' (--json)' : ''), {
      hint: 'add --yes to apply, or --check to only see what would change',
    });
  }
  const { loadSelection, recordFailed } = await import('../inventory/service.js');
  const { loadRecipe } = await import('./recipe-load.js');
  const sel = await loadSelection(ctx, { inventory: opts.inventory, limit: opts.limit });
  if (!sel.packages.length) throw new UserError(`no packages match${opts.limit ? ` --limit ${opts.limit}` : ''}`);
  const recipe: Recipe = await loadRecipe(opts.recipe);
  // --check --bootstrap may look with the password (read-only) when one is given
  const password = opts.bootstrap && (!check || opts.passwordFile || ctx.env.JFLEET_BOOTSTRAP_PASSWORD) ? bootstrapPassword(ctx, opts) : undefined;
  const forks = await (await import('../config/config.js')).resolveForks(ctx, opts.forks);
  const keyFile = await resolveKeyFile(ctx);

  const { createPool } = await import('../transport/pool.js');
  const { fleetPoolOptions } = await import('../fleet-pool.js');
  const { fanOut } = await import('../transport/fanout.js');
  const pool = createPool(ctx, { ...fleetPoolOptions(ctx, { inventoryDir: sel.dir, packages: sel.packages, keyFile }), connectTimeoutMs: opts.connectTimeoutMs, agent: false });
  // bootstrap logins: the pool offers the keys it knows first, then the factory password
  const pwPool = password !== undefined ? createPool(ctx, { ...fleetPoolOptions(ctx, { inventoryDir: sel.dir, packages: sel.packages }), connectTimeoutMs: opts.connectTimeoutMs, password, agent: false }) : undefined;

  const runId = ctx.clock.now().toISOString().replace(/[:.]/g, '-');
  const logDir = join(homePaths(ctx.home).logsDir, 'provision', runId);
  mkdirSync(logDir, { recursive: true, mode: 0o700 });

  const tty = human && Boolean(ctx.stderr.isTTY);
  let done = 0;
  const progress = (stage: string, id: string, state: string) => {
    done++;
    if (tty) ctx.stderr.write(`\r\x1b[K${stage} ${done}/${sel.packages.length}  ${id}: ${state}`);
  };
  const endProgress = () => {
    if (tty) ctx.stderr.write('\r\x1b[K');
    done = 0;
  };

  const started = Date.now();
  try {
    // ---- plan ----
    const plans = await fanOut(
      sel.packages,
      forks,
      async (pkg0): Promise<DevicePlan> => {
        let pkg = pkg0;
        const t0 = Date.now();
        const log = new DeviceLog(join(logDir, `${pkg.id}.log`));
        const recap: DeviceRecap = { id: pkg.id, ok: 0, changed: 0, failed: 0, skipped: 0, unreachable: false, steps: [], durationMs: 0, logFile: log.file };
        const dp: DevicePlan = { pkg, planned: [], handlers: [], recap, log };
        log.line(`provision ${check ? '--check ' : ''}recipe ${recipe.data.name} ${recipe.data.version} on ${pkg.id} (${pkg.user}@${pkg.address}:${pkg.port})`);
        try {
          const village = sel.ref.byCode.get(pkg.village);
          dp.recipe = resolveRecipe(recipe, pkg, village, { profile: opts.profile });
        } catch (e) {
          if (!(e instanceof RecipeError)) throw e;
          recap.error = `recipe: ${e.message}`;
          log.line(recap.error);
          return dp;
        }
        let keyLoginProven = true;
        try {
          dp.transport = await pool.get(pkg);
        } catch (e) {
          if (e instanceof TransportError && e.kind === 'auth' && opts.bootstrap) {
            if (check) {
              keyLoginProven = false;
              recap.steps.push({ id: 'bootstrap', title: 'install the fleet key', status: 'changed', reason: 'the fleet key is not accepted yet: would log in with the factory password and install it', diffs: [], commands: [] });
              if (!pwPool) {
                log.line('bootstrap: fleet key not accepted; --check without a password: cannot look further');
                recap.error = 'fleet key not accepted yet (give the factory password to look with --check, or run without --check to bootstrap)';
                return dp;
              }
              try {
                dp.transport = await pwPool.get(pkg);
                log.line('bootstrap: --check: looking with the factory password, changing nothing');
              } catch (e2) {
                recap.error = `bootstrap: ${message(e2)}`;
                log.line(recap.error);
                return dp;
              }
            } else {
              const b = await bootstrap(pkg, log);
              recap.steps.push(b.step);
              if (b.step.status === 'failed') {
                recap.error = b.step.error;
                return dp;
              }
              if (b.hostKey) pkg = { ...pkg, hostKey: b.hostKey };
              dp.pkg = pkg;
              try {
                dp.transport = await pool.get(pkg);
                log.line('bootstrap: key login proven');
              } catch (e2) {
                recap.error = `the fleet key was installed but key login still fails: ${message(e2)}`;
                log.line(recap.error);
                return dp;
              }
            }
          } else {
            recap.unreachable = e instanceof TransportError && e.kind !== 'auth' && e.kind !== 'hostkey';
            recap.error = message(e);
            if (e instanceof TransportError && e.kind === 'auth' && !opts.bootstrap) recap.error += ' (a factory-fresh device? run with --bootstrap)';
            log.line(`connect: ${recap.error}`);
            return dp;
          }
        }
        try {
          const reqs = recipeFacts(dp.recipe);
          const nonce = randomBytes(9).toString('hex');
          const r = await dp.transport.exec(gatherScript(reqs, nonce), { timeoutMs: FACTS_TIMEOUT_MS });
          const facts = parseGatherOutput(r.stdout, reqs, nonce);
          dp.planned = planDevice(dp.recipe, facts, { keyLoginProven });
          dp.handlers = notifiedHandlers(dp.recipe, dp.planned);
          log.line(`facts: ${reqs.length} in one round trip`);
        } catch (e) {
          recap.unreachable = e instanceof TransportError && e.kind !== 'timeout';
          recap.error = `reading facts: ${message(e)}`;
          log.line(recap.error);
          return dp;
        }
        recap.durationMs = Date.now() - t0;
        return dp;
      },
      {
        signal: ctx.signal,
        onSettled: (r) => progress('plan', r.item.id, r.ok ? (r.value.recap.error ? 'failed' : `${r.value.planned.filter((x) => x.plan.status === 'change').length} to change`) : 'failed'),
      },
    );
    endProgress();

    async function bootstrap(pkg: Package, log: DeviceLog): Promise<{ step: StepResult; hostKey?: string }> {
      const step: StepResult = { id: 'bootstrap', title: 'install the fleet key', status: 'changed', reason: '', diffs: [], commands: [] };
      const pubFile = `${keyFile}.pub`;
      if (!existsSync(pubFile)) {
        return { step: { ...step, status: 'failed', reason: 'no public key', error: `bootstrap: the fleet public key ${pubFile} is missing (run: jfleet keys init)` } };
      }
      const pub = readFileSync(pubFile, 'utf8').trim().split('\n')[0];
      if (!/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp\d+) [A-Za-z0-9+/=]+( [^\n]*)?$/.test(pub)) {
        return { step: { ...step, status: 'failed', reason: 'bad public key', error: `bootstrap: ${pubFile} is not an OpenSSH public key` } };
      }
      try {
        const t = await pwPool!.get(pkg);
        const cmd = `umask 077; mkdir -p "$HOME/.ssh" && touch "$HOME/.ssh/authorized_keys" && { grep -qxF ${quote(pub)} "$HOME/.ssh/authorized_keys" || printf '%s\\n' ${quote(pub)} >> "$HOME/.ssh/authorized_keys"; }`;
        step.commands.push(cmd);
        await runAction(t, { kind: 'exec', command: cmd }, STEP_TIMEOUT_MS);
        await t.close();
        const hostKey = pwPool!.pinned.get(pkg.id) ?? pkg.hostKey;
        step.reason = `logged in with the factory password, installed the fleet key${hostKey ? `, host key pinned (${hostKey})` : ''}`;
        step.diffs.push({ label: 'authorized_keys', before: '(fleet key absent)', after: pub.split(' ').slice(0, 2).join(' ').slice(0, 40) + '…' });
        log.line(`bootstrap: ${step.reason}`);
        return { step, hostKey };
      } catch (e) {
        const error = `bootstrap: ${message(e)}`;
        log.line(error);
        return { step: { ...step, status: 'failed', reason: 'bootstrap failed', error } };
      }
    }

    const devices: DevicePlan[] = plans.map((r, i) =>
      r.ok
        ? r.value
        : {
            pkg: sel.packages[i],
            planned: [],
            handlers: [],
            log: new DeviceLog(join(logDir, `${sel.packages[i].id}.log`)),
            recap: { id: sel.packages[i].id, ok: 0, changed: 0, failed: 0, skipped: 0, unreachable: false, error: message(r.error), steps: [], durationMs: 0 },
          },
    );

    // ---- show ----
    const planResults = (d: DevicePlan): StepResult[] => {
      const res: StepResult[] = [...d.recap.steps];
      let failed = false;
      for (const { step, plan } of d.planned) {
        const status = plan.status === 'change' ? 'changed' : plan.status === 'fail' ? 'failed' : plan.status === 'skip' ? 'skipped' : 'ok';
        if (status === 'failed') failed = true;
        res.push({ id: step.id, title: step.title, status, reason: plan.reason, diffs: plan.diffs, commands: plan.actions.map(showAction), ...(status === 'failed' ? { error: plan.reason } : {}) });
      }
      if (!failed) for (const h of d.handlers) res.push({ id: `handler:${h}`, title: d.recipe!.handlers[h].title, status: 'changed', reason: d.recipe!.handlers[h].title, diffs: [], commands: [d.recipe!.handlers[h].command] });
      return res;
    };
    const planned = devices.map((d) => countSteps({ ...d.recap, steps: planResults(d) }));
    for (const r of planned) for (const s of r.steps) devices.find((d) => d.pkg.id === r.id)!.log.line(`plan ${s.id}: ${s.status}: ${s.reason}`);
    const changing = planned.filter((r) => r.changed > 0 && !r.error);
    if (human) {
      out(p.bold(`${check ? 'Check' : 'Plan'}: recipe ${recipe.data.name} ${recipe.data.version}, ${devices.length} device${devices.length === 1 ? '' : 's'}`));
      for (const r of planned) if (r.changed || r.failed || r.error || opts.verbose) for (const l of renderDevice(r, { check: true, diff: Boolean(opts.diff), verbose: opts.verbose }, p)) out(l);
    }

    const finish = async (recaps: DeviceRecap[]): Promise<ProvisionSummary> => {
      const summary = summarize(check, { name: recipe.data.name, version: recipe.data.version }, recaps);
      if (human) {
        out();
        for (const l of renderRecap(summary, p)) out(l);
        out(p.dim(`logs: ${logDir}`));
      }
      await recordFailed(ctx, recaps.filter((d) => d.failed || d.unreachable || d.error).map((d) => d.id));
      return summary;
    };

    if (check) {
      for (const d of devices) d.log.line('check: nothing applied');
      return await finish(planned.map((r) => ({ ...r, durationMs: Date.now() - started })));
    }

    // ---- confirm ----
    if (changing.length && !opts.yes) {
      const { confirmOrYes } = await import('../cli/prompts.js');
      const n = changing.reduce((a, r) => a + r.changed, 0);
      await confirmOrYes(ctx, { message: `Apply ${n} change${n === 1 ? '' : 's'} on ${changing.length} device${changing.length === 1 ? '' : 's'}?`, yes: opts.yes, what: 'provisioning changes devices' });
    }

    // ---- apply ----
    if (human && changing.length) out(p.bold(`Apply: ${changing.length} device${changing.length === 1 ? '' : 's'}`));
    const applied = await fanOut(
      devices,
      forks,
      async (d): Promise<DeviceRecap> => {
        const t0 = Date.now();
        const steps: StepResult[] = [...d.recap.steps];
        if (d.recap.error || !d.transport) return countSteps({ ...d.recap, steps, durationMs: Date.now() - t0 });
        const t = d.transport;
        let failed = false;
        const changedIds = new Set<string>();
        for (const { step, plan } of d.planned) {
          const base = { id: step.id, title: step.title, diffs: plan.diffs, commands: [] as string[] };
          if (failed) {
            steps.push({ ...base, diffs: [], status: 'skipped', reason: 'an earlier step failed' });
            continue;
          }
          if (plan.status === 'ok' || plan.status === 'skip') {
            steps.push({ ...base, status: plan.status === 'ok' ? 'ok' : 'skipped', reason: plan.reason });
            continue;
          }
          if (plan.status === 'fail') {
            failed = true;
            steps.push({ ...base, status: 'failed', reason: plan.reason, error: plan.reason });
            d.log.line(`${step.id}: failed: ${plan.reason}`);
            continue;
          }
          try {
            for (const a of plan.actions) {
              base.commands.push(showAction(a));
              d.log.line(`${step.id}: ${showAction(a)}`);
              await runAction(t, a, step.kind === 'apt' || step.kind === 'deb' ? APT_TIMEOUT_MS : STEP_TIMEOUT_MS);
            }
            steps.push({ ...base, status: 'changed', reason: plan.reason });
            changedIds.add(step.id);
            d.log.line(`${step.id}: changed: ${plan.reason}`);
          } catch (e) {
            failed = true;
            const error = message(e);
            steps.push({ ...base, status: 'failed', reason: plan.reason, error });
            d.log.line(`${step.id}: failed: ${error}`);
          }
        }
        // Handlers run once, after the steps, and only on a device that did not fail.
        if (!failed) {
          const wanted = notifiedHandlers(d.recipe!, d.planned.filter((x) => changedIds.has(x.step.id)));
          for (const h of wanted) {
            const hd = d.recipe!.handlers[h];
            try {
              d.log.line(`handler ${h}: ${hd.command}`);
              await runAction(t, { kind: 'exec', command: hd.command }, STEP_TIMEOUT_MS);
              steps.push({ id: `handler:${h}`, title: hd.title, status: 'changed', reason: hd.title, diffs: [], commands: [hd.command] });
            } catch (e) {
              steps.push({ id: `handler:${h}`, title: hd.title, status: 'failed', reason: hd.title, diffs: [], commands: [hd.command], error: message(e) });
              d.log.line(`handler ${h}: failed: ${message(e)}`);
            }
          }
        }
        const r = countSteps({ ...d.recap, steps, durationMs: Date.now() - t0 });
        d.log.line(`recap: ok=${r.ok} changed=${r.changed} failed=${r.failed} skipped=${r.skipped}`);
        return r;
      },
      { signal: ctx.signal, onSettled: (r) => progress('apply', r.item.pkg.id, r.ok ? (r.value.failed ? 'failed' : `${r.value.changed} changed`) : 'failed') },
    );
    endProgress();
    const recaps = applied.map((r, i) =>
      r.ok ? r.value : { ...devices[i].recap, failed: 1, error: ctx.signal.aborted ? 'cancelled before this device was changed' : `internal: ${message(r.error)}` },
    );
    if (human) for (const r of recaps) if (r.changed || r.failed || r.error || opts.verbose) for (const l of renderDevice(r, { check: false, diff: Boolean(opts.diff), verbose: opts.verbose }, p)) out(l);
    return await finish(recaps);
  } finally {
    await pool.closeAll();
    await pwPool?.closeAll();
  }
}
