/**
 * The inventory as the pool's host-key pin store: trust on first use writes the fingerprint into
 * packages.yaml (updateInventory: locked, atomic, comments kept; edits queued in one process are
 * written together, so a fleet's first contacts make few writes). The pool calls it only once
 * the device proved it holds the key. If the file already holds a different pin for the package
 * (the caller's copy was stale), the offered key is refused like any other mismatch.
 */
import { HostKeyMismatchError, type HostKeyStore } from '../transport/types.js';

export function inventoryHostKeys(dir: () => string): HostKeyStore {
  return {
    where: 'the inventory',
    async pin(id, fingerprint) {
      // loaded on first contact only: a run whose devices are all pinned loads no YAML writer
      const { updateInventory } = await import('./store.js');
      let other: string | undefined;
      await updateInventory(dir(), (pkgs) => {
        for (const p of pkgs) {
          if (p.id !== id) continue;
          if (!p.hostKey) p.hostKey = fingerprint;
          else if (p.hostKey !== fingerprint) other = p.hostKey;
        }
      });
      if (other) throw new HostKeyMismatchError(id, other, fingerprint);
    },
  };
}
