import { join, resolve } from 'node:path';
import type { Context } from '../context.js';

/**
 * Which inventory a command works on: --inventory, else $JFLEET_INVENTORY, else the config's
 * "inventory" (a relative value is taken from JFLEET_HOME), else $JFLEET_HOME/inventory. The
 * packages live in <dir>/packages.yaml.
 */
export function resolveInventoryDir(ctx: Pick<Context, 'cwd' | 'env' | 'home' | 'config'>, flag?: string): string {
  const chosen = flag || ctx.env.JFLEET_INVENTORY || configuredInventory(ctx);
  return chosen ? resolve(ctx.cwd, chosen) : join(ctx.home, 'inventory');
}

function configuredInventory(ctx: Pick<Context, 'home' | 'config'>): string | undefined {
  const v = ctx.config().inventory;
  return v ? resolve(ctx.home, v) : undefined;
}

export function packagesFile(dir: string): string {
  return join(dir, 'packages.yaml');
}

export function lastFailedFile(stateDir: string): string {
  return join(stateDir, 'last-failed.json');
}
