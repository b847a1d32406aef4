/**
 * Which labs exist on this machine, so several can run at once (parallel test files, several
 * engineers, a training fleet from `jfleet lab up`): each lab gets its own slot, which gives it a
 * unique loopback range 127.<100+slot>.0.0/16 and its own directory. The registry is a JSON file
 * under /run (cleared on reboot, when no lab survives anyway) changed only under a lock.
 * A lab whose owner process is gone (a crashed test run) is stale: the next allocation cleans it.
 */
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomic } from '../atomic-file.js';
import { acquireLockFile, pidAlive } from '../store/lock.js';

export const LAB_RUN_DIR = '/run/jfleet-lab';
export const LAB_BASE_DIR = '/tmp/jfleet-lab';
export const MAX_SLOTS = 100;
const REGISTRY_WAIT_MS = 5 * 60_000;

export interface RegistryEntry {
  id: string;
  slot: number;
  dir: string;
  /** the process that owns the lab; null for a lab started by `jfleet lab up` (lives until `lab down`) */
  ownerPid: number | null;
  createdAt: string;
}

interface Registry {
  labs: RegistryEntry[];
}

const registryFile = () => join(LAB_RUN_DIR, 'registry.json');

export function readRegistry(): Registry {
  try {
    return JSON.parse(readFileSync(registryFile(), 'utf8')) as Registry;
  } catch {
    return { labs: [] };
  }
}

export async function withRegistry<T>(fn: (reg: Registry) => Promise<T> | T): Promise<T> {
  mkdirSync(LAB_RUN_DIR, { recursive: true });
  const file = registryFile();
  if (!existsSync(file)) writeAtomic(file, JSON.stringify({ labs: [] }));
  // held while labs are torn down (many devices can take a while); a dead holder is taken over at once
  const held = await acquireLockFile(join(LAB_RUN_DIR, 'registry.lock'), 'labs registry', { wait: true, waitMs: REGISTRY_WAIT_MS, pollMs: 50 });
  try {
    const reg = readRegistry();
    const out = await fn(reg);
    writeAtomic(file, JSON.stringify(reg, null, 2));
    return out;
  } finally {
    await held.release();
  }
}

export function isStale(e: RegistryEntry): boolean {
  return e.ownerPid !== null && !pidAlive(e.ownerPid);
}

export function freeSlot(reg: Registry): number {
  const used = new Set(reg.labs.map((l) => l.slot));
  for (let s = 0; s < MAX_SLOTS; s++) if (!used.has(s)) return s;
  throw new Error(`all ${MAX_SLOTS} lab slots are in use (see: jfleet lab status)`);
}
