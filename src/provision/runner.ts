/**
 * The provisioning run (effects) as explicit stages: open (selection, recipe, connections, the
 * run's log directory), plan (in parallel through fanOut: connect over one pooled connection,
 * gather every fact in one round trip, plan), then apply on request, and finish (the summary;
 * failed devices recorded for @failed). A device's failure never stops the others; every device
 * gets a log file per run. Nothing here prints or asks: progress is emitted as events, and the
 * caller shows the plan and confirms between the stages.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { resolveForks } from '../config/config.js';
import type { Context } from '../context.js';
import { failureMessage, homePaths } from '../context.js';
import { UserError } from '../errors.js';
import type { Package } from '../inventory/schema.js';
import { loadSelection, recordFailed } from '../inventory/service.js';
import { fanOut } from '../transport/fanout.js';
import { createPool } from '../transport/pool.js';
import { fleetPoolOptions } from '../fleet-pool.js';
import { TransportError, type Transport } from '../transport/types.js';
import { applySteps, message, showAction } from './apply.js';
import { bootstrapPassword, installFleetKey, resolveKeyFile } from './bootstrap.js';
import { DeviceLog } from './device-log.js';
import type { ProvisionSink } from './events.js';
import { gatherScript, parseGatherOutput } from './gather.js';
import { notifiedHandlers, planDevice, recipeFacts, type PlannedStep } from './plan.js';
import { loadRecipe } from './recipe-load.js';
import { noProfile, resolveRecipe, RecipeError, type Recipe, type ResolvedRecipe } from './recipe.js';
import { countSteps, summarize } from './render.js';
import { loadBastions, tunnelSettings, type Bastion } from '../inventory/bastions.js';
import type { TunnelVars } from './recipe.js';
import type { DeviceRecap, ProvisionSummary, StepResult } from './types.js';

export interface ProvisionOptions {
  inventory?: string;
  limit?: string;
  check?: boolean;
  forks?: number;
  /** log in with a password where the fleet key is not accepted yet, and install the key */
  bootstrap?: boolean;
  /** a file holding the factory root password (else JFLEET_BOOTSTRAP_PASSWORD) */
  passwordFile?: string;
  /** recipe profile (e.g. "lab"); else the package's vars.recipe_profile, else none */
  profile?: string;
  /** recipe directory (default: the shipped recipes/kiosk) */
  recipe?: string;
  connectTimeoutMs?: number;
  /** reach every device directly for this run, tunnelled ones too (staging on the office LAN, before the tunnel exists) */
  direct?: boolean;
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

/** What the plan stage hands back: each device's planned steps as results (changed = would change). */
export interface ProvisionPlan {
  check: boolean;
  recipe: { name: string; version: string };
  devices: DeviceRecap[];
  /** devices with something to change (and no error), and how many changes in all */
  changing: { devices: number; changes: number };
}

export interface ProvisionRun {
  readonly logDir: string;
  /** plan every device: connect, gather facts, plan (bootstraps the fleet key where asked) */
  plan(): Promise<ProvisionPlan>;
  /** --check: nothing is applied; the summary of the plan */
  finishCheck(): Promise<ProvisionSummary>;
  /** apply the plan on every device that can be worked on; returns each device's recap */
  apply(): Promise<DeviceRecap[]>;
  /** the summary (emitted as a summary event), and the failed devices recorded for @failed */
  finish(recaps: DeviceRecap[]): Promise<ProvisionSummary>;
  close(): Promise<void>;
}

const FACTS_TIMEOUT_MS = 60_000;

export async function openProvision(ctx: Context, opts: ProvisionOptions, emit: ProvisionSink = () => undefined): Promise<ProvisionRun> {
  const check = Boolean(opts.check);
  const sel = await loadSelection(ctx, { inventory: opts.inventory, limit: opts.limit });
  if (!sel.packages.length) throw new UserError(`no packages match${opts.limit ? ` --limit ${opts.limit}` : ''}`);
  const recipe: Recipe = await loadRecipe(opts.recipe);
  // a --profile the recipe lacks is the flag's error, said once before any device is dialled
  if (opts.profile && !Object.hasOwn(recipe.profiles, opts.profile)) throw new UserError(noProfile(recipe, opts.profile));
  // --check --bootstrap may look with the password (read-only) when one is given
  const password = opts.bootstrap && (!check || opts.passwordFile || ctx.env.JFLEET_BOOTSTRAP_PASSWORD) ? bootstrapPassword(ctx, opts) : undefined;
  const forks = await resolveForks(ctx, opts.forks);
  const keyFile = resolveKeyFile(ctx);

  const pool = createPool(ctx, {
    ...fleetPoolOptions(ctx, { inventoryDir: sel.dir, packages: sel.packages, keyFile }),
    connectTimeoutMs: opts.connectTimeoutMs,
    agent: false,
  });
  // bootstrap logins: the pool offers the keys it knows first, then the factory password
  const pwPool =
    password !== undefined
      ? createPool(ctx, {
          ...fleetPoolOptions(ctx, { inventoryDir: sel.dir, packages: sel.packages }),
          connectTimeoutMs: opts.connectTimeoutMs,
          password,
          agent: false,
        })
      : undefined;
  const close = async () => {
    await pool.closeAll();
    await pwPool?.closeAll();
  };

  const runId = ctx.clock.now().toISOString().replace(/[:.]/g, '-');
  const logDir = join(homePaths(ctx.home).logsDir, 'provision', runId);
  try {
    mkdirSync(logDir, { recursive: true, mode: 0o700 });
  } catch (e) {
    await close();
    throw e;
  }
  const recipeId = { name: recipe.data.name, version: recipe.data.version };
  const started = Date.now();
  let devices: DevicePlan[] = [];
  let planned: DeviceRecap[] = [];

  // a tunnelled package's tunnel settings (its bastion from bastions.yaml; the load already checked the reference)
  const bastions = sel.packages.some((p) => p.reach === 'tunnel') ? new Map(loadBastions(sel.dir).bastions.map((b) => [b.id, b])) : new Map<string, Bastion>();
  const tunnelOf = (p: Package): TunnelVars | undefined => {
    const b = p.reach === 'tunnel' && p.bastion ? bastions.get(p.bastion) : undefined;
    return b ? tunnelSettings(p, b) : undefined;
  };

  async function planOne(pkg0: Package): Promise<DevicePlan> {
    // --direct: dial the device itself this once (the recipe still installs its tunnel)
    let pkg = opts.direct && pkg0.reach === 'tunnel' ? { ...pkg0, reach: 'direct' as const } : pkg0;
    const t0 = Date.now();
    emit({ event: 'device-start', stage: 'plan', device: pkg.id });
    const log = new DeviceLog(join(logDir, `${pkg.id}.log`));
    const recap: DeviceRecap = { id: pkg.id, ok: 0, changed: 0, failed: 0, skipped: 0, unreachable: false, steps: [], durationMs: 0, logFile: log.file };
    const dp: DevicePlan = { pkg, planned: [], handlers: [], recap, log };
    log.line(`provision ${check ? '--check ' : ''}recipe ${recipe.data.name} ${recipe.data.version} on ${pkg.id} (${pkg.user}@${pkg.address}:${pkg.port})`);
    try {
      const village = sel.ref.byCode.get(pkg.village);
      dp.recipe = resolveRecipe(recipe, pkg, village, { profile: opts.profile, tunnel: tunnelOf(pkg0) });
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
          recap.steps.push({
            id: 'bootstrap',
            title: 'install the fleet key',
            status: 'changed',
            reason: 'the fleet key is not accepted yet: would log in with the factory password and install it',
            diffs: [],
            commands: [],
          });
          if (!pwPool) {
            log.line('bootstrap: fleet key not accepted; --check without a password: cannot look further');
            recap.error = 'fleet key not accepted yet (give the factory password to look with --check, or run without --check to bootstrap)';
            return dp;
          }
          try {
            dp.transport = await pwPool.get(pkg);
            log.line('bootstrap: --check: looking with the factory password, changing nothing');
          } catch (e2) {
            recap.error = `bootstrap: ${failureMessage(ctx, e2)}`;
            log.line(recap.error);
            return dp;
          }
        } else {
          const b = await installFleetKey(pwPool!, keyFile, pkg, log);
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
            recap.error = `the fleet key was installed but key login still fails: ${failureMessage(ctx, e2)}`;
            log.line(recap.error);
            return dp;
          }
        }
      } else {
        recap.unreachable = e instanceof TransportError && e.kind !== 'auth' && e.kind !== 'hostkey';
        recap.error = failureMessage(ctx, e);
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
      recap.error = `reading facts: ${failureMessage(ctx, e)}`;
      log.line(recap.error);
      return dp;
    }
    recap.durationMs = Date.now() - t0;
    return dp;
  }

  /** A device's planned steps as results: what --check shows and what apply would do. */
  const planResults = (d: DevicePlan): StepResult[] => {
    const res: StepResult[] = [...d.recap.steps];
    let failed = false;
    for (const { step, plan } of d.planned) {
      const status = plan.status === 'change' ? 'changed' : plan.status === 'fail' ? 'failed' : plan.status === 'skip' ? 'skipped' : 'ok';
      if (status === 'failed') failed = true;
      res.push({
        id: step.id,
        title: step.title,
        status,
        reason: plan.reason,
        diffs: plan.diffs,
        commands: plan.actions.map(showAction),
        ...(status === 'failed' ? { error: plan.reason } : {}),
      });
    }
    if (!failed) {
      for (const h of d.handlers) {
        const hd = d.recipe!.handlers[h]!; // d.handlers comes from notifiedHandlers(): keys of recipe.handlers
        res.push({ id: `handler:${h}`, title: hd.title, status: 'changed', reason: hd.title, diffs: [], commands: [hd.command] });
      }
    }
    return res;
  };

  async function finish(recaps: DeviceRecap[]): Promise<ProvisionSummary> {
    const summary = summarize(check, recipeId, recaps);
    emit({ event: 'summary', summary });
    await recordFailed(
      ctx,
      recaps.filter((d) => d.failed || d.unreachable || d.error).map((d) => d.id),
    );
    return summary;
  }

  return {
    logDir,
    close,
    finish,
    async plan() {
      emit({ event: 'stage-start', stage: 'plan', devices: sel.packages.length });
      const plans = await fanOut(sel.packages, forks, planOne, {
        signal: ctx.signal,
        onSettled: (r) =>
          emit({
            event: 'device-end',
            stage: 'plan',
            device: r.item.id,
            failed: !r.ok || Boolean(r.value.recap.error),
            changes: r.ok ? r.value.planned.filter((x) => x.plan.status === 'change').length : 0,
          }),
      });
      devices = plans.map((r) =>
        r.ok
          ? r.value
          : {
              pkg: r.item,
              planned: [],
              handlers: [],
              log: new DeviceLog(join(logDir, `${r.item.id}.log`)),
              recap: {
                id: r.item.id,
                ok: 0,
                changed: 0,
                failed: 0,
                skipped: 0,
                unreachable: false,
                error: failureMessage(ctx, r.error),
                steps: [],
                durationMs: 0,
              },
            },
      );
      planned = devices.map((d) => countSteps({ ...d.recap, steps: planResults(d) }));
      emit({ event: 'stage-end', stage: 'plan', devices: planned });
      for (const r of planned) for (const s of r.steps) devices.find((d) => d.pkg.id === r.id)!.log.line(`plan ${s.id}: ${s.status}: ${s.reason}`);
      const changing = planned.filter((r) => r.changed > 0 && !r.error);
      return { check, recipe: recipeId, devices: planned, changing: { devices: changing.length, changes: changing.reduce((a, r) => a + r.changed, 0) } };
    },
    async finishCheck() {
      for (const d of devices) d.log.line('check: nothing applied');
      return finish(planned.map((r) => ({ ...r, durationMs: Date.now() - started })));
    },
    async apply() {
      emit({ event: 'stage-start', stage: 'apply', devices: sel.packages.length });
      const applied = await fanOut(
        devices,
        forks,
        async (d): Promise<DeviceRecap> => {
          const t0 = Date.now();
          if (d.recap.error || !d.transport) return countSteps({ ...d.recap, steps: [...d.recap.steps], durationMs: Date.now() - t0 });
          emit({ event: 'device-start', stage: 'apply', device: d.pkg.id });
          const steps = await applySteps(d.transport, d.recipe!, d.planned, d.recap.steps, d.log, (result) =>
            emit({ event: 'step', device: d.pkg.id, result }),
          );
          const r = countSteps({ ...d.recap, steps, durationMs: Date.now() - t0 });
          d.log.line(`recap: ok=${r.ok} changed=${r.changed} failed=${r.failed} skipped=${r.skipped}`);
          return r;
        },
        {
          signal: ctx.signal,
          onSettled: (r) =>
            emit({ event: 'device-end', stage: 'apply', device: r.item.pkg.id, failed: !r.ok || r.value.failed > 0, changes: r.ok ? r.value.changed : 0 }),
        },
      );
      const recaps = applied.map((r) =>
        r.ok
          ? r.value
          : { ...r.item.recap, failed: 1, error: ctx.signal.aborted ? 'cancelled before this device was changed' : `internal: ${message(r.error)}` },
      );
      emit({ event: 'stage-end', stage: 'apply', devices: recaps });
      return recaps;
    },
  };
}

/**
 * Plan and apply in one go, without asking (the caller decided, like --yes); --check stops
 * after the plan. For compositions such as the demo.
 */
export async function provisionAll(ctx: Context, opts: ProvisionOptions, emit?: ProvisionSink): Promise<ProvisionSummary> {
  const run = await openProvision(ctx, opts, emit);
  try {
    await run.plan();
    return opts.check ? await run.finishCheck() : await run.apply().then((r) => run.finish(r));
  } finally {
    await run.close();
  }
}
