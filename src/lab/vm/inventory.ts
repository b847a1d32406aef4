/**
 * The booted device as a technician would register it: one inventory entry with the forwarded
 * SSH address and port, its host key pinned, and the two values a village sets for its kiosk
 * (the apt proxy of the office's link, the portal address). The lab key is the home's fleet key.
 */
import { chmodSync, copyFileSync, mkdirSync } from 'node:fs';
import { homePaths } from '../../context.js';
import { type Package, packageSchema } from '../../inventory/schema.js';
import { updateInventory } from '../../inventory/store.js';
import type { BootedDevice } from './vm.js';

export interface BootedInventory {
  home: string;
  inventoryDir: string;
  id: string;
  village: string;
  /** more recipe variables for the entry */
  vars?: Record<string, string>;
  /** log in with the image's lab key named in the entry (identityFile) instead of making it the home's fleet key */
  ownKey?: boolean;
}

/** The package entry of a booted device. */
export function bootedPackage(dev: BootedDevice, inv: Pick<BootedInventory, 'id' | 'village' | 'vars' | 'ownKey'>, now = new Date()): Package {
  return packageSchema.parse({
    id: inv.id,
    village: inv.village,
    address: dev.address,
    port: dev.sshPort,
    user: 'root',
    tags: ['vm'],
    hostKey: dev.hostKey,
    ...(inv.ownKey ? { identityFile: dev.keyFile } : {}),
    hardware: { model: 'QEMU q35 (booted lab device)' },
    // QEMU/TCG emulates the CPU several times slower than a mini-PC: the watchdog's page check
    // gets 15 s x 3 instead of 5 s x 2, else a busy emulated Chromium is restarted for slowness
    vars: {
      apt_proxy: dev.guest.aptProxyUrl,
      portal_url: dev.guest.portalUrl,
      ...(dev.accel === 'tcg' ? { kiosk_watchdog_timeout: '15', kiosk_watchdog_fails: '3' } : {}),
      ...inv.vars,
    },
    registeredAt: now.toISOString(),
  });
}

/** Write the fleet key (unless ownKey) and the inventory entry (replacing an entry of the same id). */
export async function registerBootedDevice(dev: BootedDevice, inv: BootedInventory): Promise<Package> {
  if (!inv.ownKey) {
    const paths = homePaths(inv.home);
    mkdirSync(paths.keysDir, { recursive: true, mode: 0o700 });
    copyFileSync(dev.keyFile, paths.fleetKey);
    chmodSync(paths.fleetKey, 0o600);
    copyFileSync(`${dev.keyFile}.pub`, `${paths.fleetKey}.pub`);
  }
  const pkg = bootedPackage(dev, inv);
  await updateInventory(inv.inventoryDir, (pkgs) => [...pkgs.filter((p) => p.id !== pkg.id), pkg]);
  return pkg;
}
