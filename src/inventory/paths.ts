import { join, resolve } from 'node:path';
import type { Context } from '../context.js';

/**
 * Which inventory a command works on: --inventory, else $JFLEET_INVENTORY, else the config's
 * "inventory", else $JFLEET_HOME/inventory. The packages live in <dir>/packages.yaml.
 */
export function resolveInventoryDir(ctx: Pick<Context, 'cwd' | 'env' | 'home'>, flag?: string, configured?: string): string {
  const chosen = flag ?? ctx.env.JFLEET_INVENTORY ?? configured;
  return chosen ? resolve(ctx.cwd, chosen) : join(ctx.home, 'inventory');
}

export function packagesFile(dir: string): string {
  return join(dir, 'packages.yaml');
}
