/**
 * Process plumbing of the lab: the host's process table, killing by pid (never by name), waiting
 * for a port, and the mounts the lab makes on the host. Nothing here knows what a device holds.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { pidAlive } from '../store/lock.js';

export const SSH_PORT = 22;
/** used when a host sshd (Debian starts one when openssh-server is installed) holds 0.0.0.0:22 */
export const FALLBACK_SSH_PORT = 2222;

/** ppid of every process, from /proc (this kernel has no /proc/PID/task/TID/children). */
export function processTable(): Map<number, { ppid: number; comm: string }> {
  const out = new Map<number, { ppid: number; comm: string }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      out.set(Number(name), { ppid, comm });
    } catch {
      /* the process exited while we looked */
    }
  }
  return out;
}

export function descendants(root: number, table = processTable()): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, { ppid }] of table) {
    const list = children.get(ppid) ?? [];
    list.push(pid);
    children.set(ppid, list);
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length) {
    const p = stack.pop()!;
    for (const c of children.get(p) ?? []) {
      out.push(c);
      stack.push(c);
    }
  }
  return out;
}

export function tryKill(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

export function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

export function waitPort(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const s = connect(port, host);
      s.once('connect', () => {
        s.destroy();
        resolve();
      });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > deadline) reject(new Error(`lab device ${host}:${port} did not start listening within ${timeoutMs} ms`));
        else setTimeout(attempt, 40);
      });
    };
    attempt();
  });
}

/** Kill a device by its pid, after checking the pid still is that device (pids get reused). */
export async function killDevice(dev: { pid: number; initPid: number }, devDir: string): Promise<void> {
  const isOurs = cmdlineOf(dev.pid).includes(devDir);
  if (isOurs) {
    tryKill(-dev.pid, 'SIGKILL'); // its process group (setsid)
    tryKill(dev.pid, 'SIGKILL');
  }
  if (dev.initPid && isOurs) tryKill(dev.initPid, 'SIGKILL');
  for (let i = 0; i < 200 && pidAlive(dev.pid) && isOurs; i++) await sleep(10);
  // the namespace's processes die with its PID 1; wait for the init to be reaped too
  for (let i = 0; i < 200 && dev.initPid && existsSync(`/proc/${dev.initPid}`) && isOurs; i++) await sleep(10);
}

/** Each device's PID 1 (the lab init) is the only child of its unshare process: find them, or fail after ~4 s. */
export async function findInits(list: Array<{ pid: number; initPid: number; rootDir: string }>): Promise<void> {
  for (let round = 0; round < 200; round++) {
    const table = processTable();
    const byParent = new Map<number, number>();
    for (const [pid, { ppid }] of table) byParent.set(ppid, pid);
    for (const d of list) {
      if (!d.initPid) {
        const c = byParent.get(d.pid);
        if (c) {
          d.initPid = c;
          d.rootDir = `/proc/${c}/root`;
        }
      }
    }
    if (list.every((d) => d.initPid)) return;
    await sleep(20);
  }
  throw new Error('lab devices did not start (see boot.log in their directories)');
}

export function mountTmpfs(dir: string, sizeMiB: number): void {
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m,mode=0755`, 'tmpfs', dir]);
}

export function umountQuiet(path: string): void {
  try {
    execFileSync('umount', ['-l', path], { stdio: 'ignore' });
  } catch {
    /* not mounted */
  }
}

/** A process listening on 0.0.0.0:22 takes port 22 on every 127.x address: no device could bind. */
export function wildcardSshListener(port = SSH_PORT): { pid: number | null; cmd: string } | null {
  let inode: string | undefined;
  const local = `00000000:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  try {
    for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[1] === local && f[3] === '0A') inode = f[9];
    }
  } catch {
    return null;
  }
  if (!inode) return null;
  for (const pid of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`) return { pid: Number(pid), cmd: cmdlineOf(Number(pid)).replace(/\0/g, ' ').trim() };
      }
    } catch {
      /* gone or not ours to read */
    }
  }
  return { pid: null, cmd: '' };
}
