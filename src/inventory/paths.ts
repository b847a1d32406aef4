import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Context } from '../context.js';

/**
 * Which inventory a command works on: --inventory, else $JFLEET_INVENTORY, else the config's
 * "inventory", else $JFLEET_HOME/inventory. The packages live in <dir>/packages.yaml.
 * When `configured` is not given, the config file in JFLEET_HOME is read (synchronously:
 * conf is not needed for one key, and this keeps the function usable anywhere).
 */
export function resolveInventoryDir(ctx: Pick<Context, 'cwd' | 'env' | 'home'>, flag?: string, configured?: string): string {
  const chosen = flag || ctx.env.JFLEET_INVENTORY || configured || configuredInventory(ctx.home);
  return chosen ? resolve(ctx.cwd, chosen) : join(ctx.home, 'inventory');
}

/** The "inventory" value of $JFLEET_HOME/config.json, if set. A relative value is taken from JFLEET_HOME. */
export function configuredInventory(home: string): string | undefined {
  try {
    const v = (JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')) as { inventory?: unknown }).inventory;
    return typeof v === 'string' && v !== '' ? resolve(home, v) : undefined;
  } catch {
    return undefined; // missing or unreadable: loadConfig reports a broken file where it matters
  }
}

export function packagesFile(dir: string): string {
  return join(dir, 'packages.yaml');
}

export function lastFailedFile(stateDir: string): string {
  return join(stateDir, 'last-failed.json');
}
