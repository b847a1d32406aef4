import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import type { Context } from '../../context.js';
import { ExitCode, ExitStatus, formatIssue, InputError, UserError, type InputIssue } from '../../errors.js';
import type { MessageKey } from '../../i18n/catalog.js';
import { issueText } from '../render/error-text.js';
import { printJson } from '../shared.js';
import { confirmOrYes } from '../prompts.js';
import { loadInventory, type LoadResult } from '../../inventory/load.js';
import { lintInventory } from '../../inventory/lint.js';
import { resolveInventoryDir } from '../../inventory/paths.js';
import type { Package } from '../../inventory/schema.js';
import { selectPackages } from '../../inventory/selector.js';
import { readFailed } from '../../inventory/service.js';
import { applyInventoryUpdate, toPlain } from '../../inventory/store.js';
import { loadVillages, type VillageReference } from '../../inventory/villages.js';
import { table } from '../render/table.js';

interface Common {
  inventory?: string;
  json?: boolean;
  limit?: string;
}

function load(ctx: Context, inventory: string | undefined, strict = true): { dir: string; res: LoadResult; ref: VillageReference } {
  const dir = resolveInventoryDir(ctx, inventory);
  const ref = loadVillages();
  const res = loadInventory(dir, ref);
  if (strict && res.issues.length) throw new InputError(res.issues, { hint: ctx.t('inventory.checkListsAll') });
  return { dir, res, ref };
}

function select(ctx: Context, packages: Package[], ref: VillageReference, limit?: string): Package[] {
  return selectPackages(packages, ref, limit, { failed: limit && /@failed/i.test(limit) ? readFailed(ctx) : [] });
}

/** The package as shown: custodian contact (personal data) only on request. */
function view(p: Package, ref: VillageReference, withCustodian = false) {
  const v = ref.byCode.get(p.village);
  const plain = toPlain(p);
  if (!withCustodian) delete plain.custodian;
  return { ...plain, villageName: v?.name, district: v?.district };
}

export async function listCommand(ctx: Context, opts: Common): Promise<void> {
  const { res, ref } = load(ctx, opts.inventory);
  const selected = select(ctx, res.packages, ref, opts.limit);
  if (opts.json) {
    printJson(
      ctx,
      selected.map((p) => view(p, ref)),
    );
    return;
  }
  if (!res.exists) {
    ctx.stdout.write(`${ctx.t('inventory.none', { file: res.file })}\n`);
    return;
  }
  ctx.stdout.write(
    table(
      ['id', 'village', 'district', 'address', 'tags', 'hostKey'].map((c) => ctx.t(`inventory.column.${c}` as MessageKey)),
      selected.map((p) => {
        const v = ref.byCode.get(p.village);
        return [p.id, v?.name ?? p.village, v?.district ?? '', `${p.address}:${p.port}`, p.tags.join(',') || '-', p.hostKey ? ctx.t('inventory.pinned') : '-'];
      }),
    ),
  );
  ctx.stdout.write(`${ctx.t('inventory.count', { selected: selected.length, count: res.packages.length })}\n`);
}

export async function showCommand(ctx: Context, id: string, opts: Common & { withCustodian?: boolean }): Promise<void> {
  const { res, ref } = load(ctx, opts.inventory);
  const p = res.packages.find((x) => x.id === id);
  if (!p)
    throw new UserError(ctx.t('inventory.noPackage', { id: id.replace(/[^\x20-\x7e]/g, '?').slice(0, 80), file: res.file }), {
      hint: ctx.t('inventory.listShowsIds'),
    });
  const v = view(p, ref, opts.withCustodian);
  if (opts.json) printJson(ctx, v);
  else ctx.stdout.write(stringify(v, { lineWidth: 0 }));
}

export async function checkCommand(ctx: Context, opts: Common): Promise<void> {
  const { dir, res } = load(ctx, opts.inventory, false);
  if (!res.exists) throw new UserError(ctx.t('inventory.noInventory', { file: res.file }), { hint: ctx.t('inventory.noInventoryHint') });
  const lines = new Map<string, number>();
  // line of each package id, for warnings about valid packages
  readFileSync(res.file, 'utf8')
    .split('\n')
    .forEach((l, i) => {
      const id = /^\s*-?\s*id:\s*["']?([a-z0-9-]+)/.exec(l)?.[1];
      if (id !== undefined && !lines.has(id)) lines.set(id, i + 1);
    });
  // the whole inventory: health.yaml and bastions.yaml beside packages.yaml are checked too (a
  // sweep or a tunnel would refuse them later), each finding once
  const [{ loadHealthSettings }, { loadBastions }] = await Promise.all([import('../../health/settings.js'), import('../../inventory/bastions.js')]);
  const seen = new Set(res.issues.map((i) => formatIssue(i)));
  const others: InputIssue[] = [];
  for (const read of [() => loadHealthSettings(dir).issues, () => loadBastions(dir).issues]) {
    let found: InputIssue[];
    try {
      found = read();
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      found = [{ message: e.message }];
    }
    for (const i of found) {
      if (seen.has(formatIssue(i))) continue;
      seen.add(formatIssue(i));
      others.push(i);
    }
  }
  const issues = [...lintInventory(res.packages, res.issues, res.file, (id) => lines.get(id)), ...others.map((i) => ({ ...i, severity: 'error' as const }))];
  const errors = issues.filter((i) => i.severity === 'error');
  const warnings = issues.filter((i) => i.severity === 'warning');
  // a package with an error of its own (duplicate id, unknown village...) is not counted as valid
  const bad = new Set(
    errors
      .map((e) => /^packages\[(\d+)\]/.exec(e.field ?? '')?.[1])
      .filter((x) => x !== undefined)
      .map(Number),
  );
  const valid = res.packages.filter((_, k) => !bad.has(res.indexes?.[k] ?? k)).length;
  if (opts.json) {
    printJson(ctx, { file: res.file, packages: valid, ok: errors.length === 0, errors, warnings });
  } else {
    for (const i of issues)
      ctx.stdout.write(`${ctx.t(i.severity === 'error' ? 'inventory.severityError' : 'inventory.severityWarning')}: ${issueText(ctx.t, i)}\n`);
    ctx.stdout.write(`${res.file}: ${ctx.t('inventory.checkSummary', { valid, errors: errors.length, warnings: warnings.length })}\n`);
  }
  if (errors.length) throw new ExitStatus(ExitCode.usage);
}

export async function removeCommand(ctx: Context, ids: string[], opts: Common & { yes?: boolean; dryRun?: boolean }): Promise<void> {
  if (!ids.length && !opts.limit) throw new UserError(ctx.t('inventory.remove.nameThem'));
  const { dir, res, ref } = load(ctx, opts.inventory);
  const known = new Set(res.packages.map((p) => p.id));
  const unknown = ids.filter((id) => !known.has(id));
  if (unknown.length)
    throw new UserError(ctx.t('inventory.noPackage', { id: unknown.map((u) => u.replace(/[^\x20-\x7e]/g, '?').slice(0, 80)).join('", "'), file: res.file }), {
      hint: ctx.t('inventory.listShowsIds'),
    });
  const chosen = new Set(ids);
  if (opts.limit) for (const p of select(ctx, res.packages, ref, opts.limit)) chosen.add(p.id);
  if (chosen.size === 0) throw new UserError(ctx.t('inventory.remove.selectsNone', { limit: opts.limit ?? '' }));
  const list = res.packages.filter((p) => chosen.has(p.id));
  if (!opts.json) {
    ctx.stdout.write(
      `${ctx.t(opts.dryRun ? 'inventory.remove.wouldRemove' : 'inventory.remove.toRemove', { count: list.length, ids: list.map((p) => p.id).join(', ') })}\n`,
    );
  }
  if (!opts.dryRun)
    await confirmOrYes(ctx, {
      message: ctx.t('inventory.remove.confirm', { count: list.length, file: res.file }),
      yes: opts.yes,
      what: ctx.t('inventory.remove.needsConfirmation'),
    });
  const r = await applyInventoryUpdate(dir, (packages) => packages.filter((p) => !chosen.has(p.id)), { dryRun: opts.dryRun, ref });
  if (opts.json) printJson(ctx, { file: r.file, dryRun: Boolean(opts.dryRun), removed: r.removed.map((p) => p.id), written: r.written });
  else if (!opts.dryRun) ctx.stdout.write(`${ctx.t('inventory.remove.removed', { count: r.removed.length, file: r.file })}\n`);
}
