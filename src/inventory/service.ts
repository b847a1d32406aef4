/**
 * What fleet commands call to get their packages: resolve the inventory directory
 * (--inventory, JFLEET_INVENTORY, config, JFLEET_HOME/inventory), load and validate it,
 * apply the --limit selector. Also keeps the "last failed" list behind @failed.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { writeAtomic, writeFailure } from '../atomic-file.js';
import type { Context } from '../context.js';
import { homePaths } from '../context.js';
import { InputError, UserError } from '../errors.js';
import { loadInventory } from './load.js';
import { lastFailedFile, resolveInventoryDir } from './paths.js';
import type { Package } from './schema.js';
import { selectPackages } from './selector.js';
import { loadVillages, type VillageReference } from './villages.js';

export interface Selection {
  dir: string;
  packages: Package[];
  ref: VillageReference;
}

export async function loadSelection(
  ctx: Pick<Context, 'cwd' | 'env' | 'home' | 'config'>,
  opts: { inventory?: string; limit?: string } = {},
): Promise<Selection> {
  const dir = resolveInventoryDir(ctx, opts.inventory);
  const ref = loadVillages();
  const res = loadInventory(dir, ref);
  if (res.issues.length) throw new InputError(res.issues, { hint: { kind: 'fix-inventory' } });
  if (!res.exists) {
    throw new UserError(`no inventory at ${dir} (no packages.yaml)`, {
      hint: { kind: 'no-inventory' },
    });
  }
  const failed = opts.limit && /@failed/i.test(opts.limit) ? readFailed(ctx) : [];
  const packages = selectPackages(res.packages, ref, opts.limit, { failed });
  return { dir, packages, ref };
}

/**
 * The ids recorded by the last fleet command's recordFailed (empty when none was recorded).
 * A file that is not a JSON list of ids is a UserError naming it (exit 2): `!@failed` must never
 * select everything because the list could not be read. `lenient` (for rewriting the list after
 * a run) reads a corrupt file as empty instead.
 */
export function readFailed(ctx: Pick<Context, 'home'>, opts: { lenient?: boolean } = {}): string[] {
  const file = lastFailedFile(homePaths(ctx.home).stateDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || opts.lenient) return [];
    throw new UserError(`cannot read ${file} (the list behind @failed): ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    v = undefined;
  }
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  if (opts.lenient) return [];
  throw new UserError(`${file} is corrupt (expected a JSON list of package ids), so @failed cannot be resolved`, {
    hint: 'remove it (the next fleet command records a new one) or select the packages another way',
  });
}

/** Records which packages failed in this fleet command, for `--limit @failed` next time. */
export async function recordFailed(ctx: Pick<Context, 'home'>, ids: string[]): Promise<void> {
  const stateDir = homePaths(ctx.home).stateDir;
  const file = lastFailedFile(stateDir);
  try {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw writeFailure(e, file);
  }
  writeAtomic(file, JSON.stringify([...new Set(ids)].sort(), null, 2) + '\n', { mode: 0o600 });
}
