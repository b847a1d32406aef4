/**
 * The one way the transport and the lab change an inventory (pin a host key, point a lab device
 * at its link proxy): updateInventory from src/inventory/store.ts (locked, atomic, keeps
 * comments). Loaded lazily so importing the transport loads no YAML machinery.
 */
import type { Package } from '../inventory/schema.js';

export async function editInventory(dir: string, fn: (packages: Package[]) => Package[] | void): Promise<void> {
  const { updateInventory } = await import('../inventory/store.js');
  await updateInventory(dir, fn);
}
