/**
 * The fault handle: what a test does to a running device to see how jfleet copes. Power it off
 * and on, hang it (SIGSTOP), drop its SSH sessions, give it a new host key, fill its disk, or put
 * a slow or lossy link in front of it. Each works on one device, by its pids and its directory.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { startLink, type Link } from './link.js';
import { replaceHostKey } from './image.js';
import { descendants, killDevice, processTable, tryKill } from './process.js';
import type { Lab, LabDevice } from './types.js';

/** What the fault handle needs of a running lab (lifecycle.ts provides it). */
export interface LabRuntime {
  device(id: string): LabDevice;
  devDirOf(d: LabDevice): string;
  /** device id -> its tmpfs disk, for labs started with diskMiB */
  disks: Map<string, string>;
  sshPort: number;
  saveState(): void;
  bootAndWait(list: LabDevice[]): Promise<void>;
  /** point the lab inventory's entry for a device at a port */
  setInventoryPort(id: string, port: number): Promise<void>;
}

export type FaultHandle = Pick<
  Lab,
  'powerOff' | 'powerOn' | 'hang' | 'resume' | 'killSessions' | 'changeHostKey' | 'fillDisk' | 'freeDisk' | 'addLink' | 'removeLink' | 'run'
> & {
  /** close every link proxy (the lab is stopping) */
  closeLinks(): Promise<void>;
};

const FILL_FILE = ['var', 'jfleet-lab-fill'];

export function faultHandle(rt: LabRuntime): FaultHandle {
  const { device, devDirOf, disks, sshPort } = rt;
  const links = new Map<string, Link>();
  const signalAll = (d: LabDevice, sig: NodeJS.Signals) => {
    if (!d.powered) return;
    const pids = [d.initPid, ...descendants(d.initPid)];
    for (const p of pids) tryKill(p, sig);
  };

  const handle: FaultHandle = {
    async powerOff(id) {
      const d = device(id);
      if (!d.powered) return;
      await killDevice(d, devDirOf(d));
      d.powered = false;
      d.rootDir = '';
      rt.saveState();
    },
    async powerOn(id) {
      const d = device(id);
      if (d.powered) return;
      await rt.bootAndWait([d]);
    },
    hang(id) {
      signalAll(device(id), 'SIGSTOP');
    },
    resume(id) {
      signalAll(device(id), 'SIGCONT');
    },
    killSessions(id) {
      const d = device(id);
      const table = processTable();
      const listener = [...table].find(([, p]) => p.ppid === d.initPid && p.comm === 'sshd')?.[0];
      if (!listener) return;
      for (const p of descendants(listener, table)) tryKill(p, 'SIGKILL');
    },
    async changeHostKey(id) {
      const d = device(id);
      const wasOn = d.powered;
      await handle.powerOff(id);
      d.hostKey = replaceHostKey(devDirOf(d));
      if (wasOn) await handle.powerOn(id);
      return d.hostKey;
    },
    fillDisk(id) {
      const d = device(id);
      if (!disks.has(id)) throw new Error('fillDisk needs a lab started with diskMiB (a tmpfs upper layer per device)');
      if (!d.powered) throw new Error(`${id} is powered off`);
      const fd = openSync(join(d.rootDir, ...FILL_FILE), 'w');
      const chunk = Buffer.alloc(1 << 20);
      try {
        for (;;) writeSync(fd, chunk);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
      } finally {
        closeSync(fd);
      }
    },
    freeDisk(id) {
      const d = device(id);
      try {
        unlinkSync(join(d.rootDir, ...FILL_FILE));
      } catch {
        /* not filled */
      }
    },
    async addLink(id, linkOpts = {}) {
      const d = device(id);
      await handle.removeLink(id);
      const link = await startLink({ host: d.address, port: 0 }, { host: d.address, port: sshPort }, linkOpts);
      links.set(id, link);
      d.port = link.port;
      await rt.setInventoryPort(id, link.port);
      return link;
    },
    async removeLink(id) {
      const link = links.get(id);
      if (!link) return;
      links.delete(id);
      await link.close();
      const d = device(id);
      d.port = sshPort;
      await rt.setInventoryPort(id, sshPort);
    },
    run(id, script) {
      const d = device(id);
      return execFileSync('nsenter', ['-t', String(d.initPid), '-m', '-u', '-p', '-r', '-w', '/bin/sh', '-c', script], {
        encoding: 'utf8',
        env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', LANG: 'C.UTF-8' },
      });
    },
    async closeLinks() {
      for (const l of links.values()) await l.close().catch(() => undefined);
      links.clear();
    },
  };
  return handle;
}
