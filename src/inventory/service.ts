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

export async function loadSelection(ctx: Pick<Context, 'cwd' | 'env' | 'home' | 'config'>, opts: { inventory?: string; limit?: string } = {}): Promise<Selection> {
  const dir = resolveInventoryDir(ctx, opts.inventory);
  const ref = loadVillages();
  const res = loadInventory(dir, ref);
  if (res.issues.length) throw new InputError(res.issues, { hint: 'fix the inventory (jfleet inventory check lists every problem)' });
  if (!res.exists) {
    throw new UserError(`no inventory at ${dir} (no packages.yaml)`, {
      hint: 'register packages with jfleet register, or pick an inventory with --inventory DIR / JFLEET_INVENTORY',
    });
  }
  const failed = opts.limit && /@failed/i.test(opts.limit) ? readFailed(ctx) : [];
  const packages = selectPackages(res.packages, ref, opts.limit, { failed });
  return { dir, packages, ref };
}

/** The ids recorded by the last fleet command's recordFailed (empty when none). */
export function readFailed(ctx: Pick<Context, 'home'>): string[] {
  try {
    const v: unknown = JSON.parse(readFileSync(lastFailedFile(homePaths(ctx.home).stateDir), 'utf8'));
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
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
