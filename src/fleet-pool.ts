/**
 * What the closed transport pool is handed for a fleet command: the keys to offer (a caller's
 * key, config keyFile/JFLEET_KEY_FILE, the fleet key), the key-exchange order (config sshKex),
 * `jump: <package id>` resolved from the inventory, and the inventory as the host-key pin store.
 * The one place that joins config, inventory and transport.
 */
import type { Context } from './context.js';
import { homePaths } from './context.js';
import { inventoryHostKeys } from './inventory/host-keys.js';
import { loadInventory } from './inventory/load.js';
import { resolveInventoryDir } from './inventory/paths.js';
import type { Package } from './inventory/schema.js';
import type { PoolOptions } from './transport/pool.js';
import type { DeviceTarget, TunnelRoute } from './transport/types.js';
import { loadBastions, publicKeyFingerprint, socketPath, type Bastion } from './inventory/bastions.js';

/** The runner's route to a tunnelled device: its bastion (on the bastion's first port, key pinned) and its socket. */
export function tunnelRoute(target: Pick<DeviceTarget, 'id'>, b: Bastion): TunnelRoute {
  return {
    bastion: { id: b.id, host: b.address, port: b.ports[0] ?? 22, user: b.user, hostKey: publicKeyFingerprint(b.hostKey) },
    socketPath: socketPath(b, target.id),
  };
}

export interface FleetPoolScope {
  /** the inventory pins go into and jump ids are looked up in (default: the resolved one) */
  inventoryDir?: string;
  /** the packages the caller has loaded already (jump ids are looked up here first) */
  packages?: Package[];
  /** a key to offer before the configured ones */
  keyFile?: string;
}

/** A jump spec that names a package by id rather than a host (`user@`, `:port` or a dot say host). */
const looksLikeId = (jump: string) => !jump.includes('@') && !jump.includes(':') && !jump.includes('.');

export function fleetPoolOptions(
  ctx: Pick<Context, 'cwd' | 'env' | 'home' | 'config'>,
  scope: FleetPoolScope = {},
): Pick<PoolOptions, 'hostKeys' | 'keyFiles' | 'kex' | 'compress' | 'resolveJump' | 'resolveTunnel'> {
  const cfg = ctx.config();
  let dir = scope.inventoryDir;
  const inventoryDir = () => (dir ??= resolveInventoryDir(ctx));
  const kex = cfg.sshKex
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const byId = new Map((scope.packages ?? []).map((p) => [p.id, p]));
  let bastions: Map<string, Bastion> | undefined;
  return {
    hostKeys: inventoryHostKeys(inventoryDir),
    keyFiles: [scope.keyFile, ctx.env.JFLEET_KEY_FILE || cfg.keyFile, homePaths(ctx.home).fleetKey].filter((f): f is string => Boolean(f)),
    kex: kex?.length ? kex : undefined,
    compress: cfg.sshCompression !== 'none',
    async resolveJump(id) {
      if (!byId.has(id) && looksLikeId(id)) {
        // a package id the caller did not pass packages for: read the inventory
        try {
          for (const p of loadInventory(inventoryDir()).packages) if (!byId.has(p.id)) byId.set(p.id, p);
        } catch {
          /* treated as a host name */
        }
      }
      return byId.get(id);
    },
    resolveTunnel(target) {
      // loaded once, on the first tunnelled device (the inventory's load already checked every reference)
      bastions ??= new Map(loadBastions(inventoryDir()).bastions.map((b) => [b.id, b]));
      const b = target.bastion ? bastions.get(target.bastion) : undefined;
      return b ? tunnelRoute(target, b) : undefined;
    },
  };
}
