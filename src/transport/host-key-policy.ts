/**
 * The host-key policies the pool hands each connection (see HostKeyPolicy in ssh.ts: check()
 * only compares, in the key exchange; pin() runs once the handshake proved the key).
 *
 * A target's key is compared with its pin (this run's, else the one it came with); on first
 * contact the caller's HostKeyStore records it. A jump host that is not a target is pinned in
 * JFLEET_HOME/state/known_hosts.json. A mismatch is a HostKeyMismatchError; there is
 * deliberately no way to skip verification.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeAtomic, writeFailure } from '../atomic-file.js';
import type { Context } from '../context.js';
import { homePaths } from '../context.js';
import type { HostKeyPolicy } from './ssh.js';
import { HostKeyMismatchError, TransportError, type DeviceTarget, type HostKeyStore } from './types.js';

/** Compare with the pin; on first contact, pin through the store and remember it for this run. */
export function targetPolicy(pkg: DeviceTarget, pinned: Map<string, string>, store: HostKeyStore): HostKeyPolicy {
  return {
    async check(fp) {
      const expected = pinned.get(pkg.id) ?? pkg.hostKey;
      if (!expected) return 'unpinned';
      if (expected === fp) return 'pinned';
      throw new HostKeyMismatchError(pkg.id, expected, fp);
    },
    async pin(fp) {
      try {
        await store.pin(pkg.id, fp);
      } catch (e) {
        if (e instanceof HostKeyMismatchError) throw e;
        throw new TransportError('hostkey', pkg.id, `cannot pin the host key of ${pkg.id} (${fp}) into ${store.where}: ${(e as Error).message}`, { cause: e });
      }
      pinned.set(pkg.id, fp);
    },
  };
}

/** Host keys of jump hosts that are not targets, pinned in JFLEET_HOME/state/known_hosts.json. */
export function knownHostsPolicy(ctx: Pick<Context, 'home'>, name: string): HostKeyPolicy {
  const stateDir = homePaths(ctx.home).stateDir;
  const file = join(stateDir, 'known_hosts.json');
  const read = async (): Promise<Record<string, string>> => {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      return {}; // none yet
    }
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      /* reported below */
    }
    // never start trusting afresh because the pins cannot be read: that is what a pin is for
    if (!v || typeof v !== 'object' || Array.isArray(v)) {
      throw new TransportError('hostkey', name, `cannot read the pinned host keys in ${file} (not a JSON object); not connecting to ${name}`);
    }
    return v as Record<string, string>;
  };
  return {
    async check(fp) {
      const known = (await read())[name];
      if (!known) return 'unpinned';
      if (known === fp) return 'pinned';
      throw new HostKeyMismatchError(name, known, fp);
    },
    async pin(fp) {
      const known = await read();
      if (known[name] && known[name] !== fp) throw new HostKeyMismatchError(name, known[name], fp);
      known[name] = fp;
      try {
        await mkdir(stateDir, { recursive: true });
        writeAtomic(file, JSON.stringify(known, null, 2) + '\n', { mode: 0o600 });
      } catch (e) {
        throw new TransportError('hostkey', name, `cannot pin the host key of ${name} (${fp}): ${(writeFailure(e, file) as Error).message}`, { cause: e });
      }
    },
  };
}
