/**
 * The one device a single-device command (ssh, hostkey accept) works on, found by id in the
 * inventory, and how a device that cannot be reached is reported (one line, exit 1).
 */
import type { Context } from '../../context.js';
import { ExitCode, UserError } from '../../errors.js';
import { loadInventory } from '../../inventory/load.js';
import { resolveInventoryDir } from '../../inventory/paths.js';
import type { Package } from '../../inventory/schema.js';
import { TransportError } from '../../transport/types.js';
import { failureText } from '../render/failure.js';

/** A device we could not work on, for single-device commands: one line, exit 1 (no stack). */
export function deviceError(e: unknown): unknown {
  if (e instanceof TransportError) return new UserError(failureText(e), { exitCode: ExitCode.deviceFailed });
  return e;
}

export function findPackage(ctx: Context, inventory: string | undefined, id: string): { dir: string; pkg: Package; all: Package[] } {
  const dir = resolveInventoryDir(ctx, inventory);
  const res = loadInventory(dir);
  if (res.issues.length) throw new UserError(ctx.t('device.inventoryHasErrors', { dir }), { hint: ctx.t('device.runInventoryCheck') });
  const pkg = res.packages.find((p) => p.id === id);
  if (!pkg) throw new UserError(ctx.t('inventory.noPackage', { id, file: res.file }), { hint: ctx.t('device.listThem') });
  return { dir, pkg, all: res.packages };
}
