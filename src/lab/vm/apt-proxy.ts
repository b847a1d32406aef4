/**
 * The booted tier's apt proxy: Debian's apt-cacher-ng on 127.0.0.1, started by the tier in the
 * foreground (its own config, no remaps: a plain caching proxy for deb.debian.org), stopped by its
 * pid. Its cache lives in the machine's cache dir, so a second run installs from it.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { writeAtomic } from '../../atomic-file.js';
import { join } from 'node:path';
import { waitPort } from '../process.js';
import { freePort, stopPid } from './proc.js';
import { VM_CACHE_DIR } from './image.js';

export interface AptProxy {
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  pid: number;
  cacheDir: string;
  stop(): Promise<void>;
}

export async function startAptProxy(opts: { cacheDir?: string; runDir: string }): Promise<AptProxy> {
  if (!existsSync('/usr/sbin/apt-cacher-ng')) throw new Error('the booted tier needs apt-cacher-ng (bash scripts/install-system-deps.sh)');
  const base = join(opts.cacheDir ?? VM_CACHE_DIR, 'apt-cacher-ng');
  const cacheDir = join(base, 'cache');
  const logDir = join(base, 'log');
  const confDir = join(opts.runDir, 'acng');
  for (const d of [cacheDir, logDir, confDir]) mkdirSync(d, { recursive: true });
  // apt-cacher-ng 3.7 cannot bind ports above 32767 ("Error resolving address for binding")
  const port = await freePort(10_000, 32_767);
  writeAtomic(
    join(confDir, 'acng.conf'),
    [
      `CacheDir: ${cacheDir}`,
      `LogDir: ${logDir}`,
      'SupportDir: /usr/lib/apt-cacher-ng',
      `Port: ${port}`,
      'BindAddress: 127.0.0.1',
      'ForeGround: 1',
      'ExThreshold: 4',
      `PidFile: ${join(opts.runDir, 'acng.pid')}`,
      `SocketPath: ${join(opts.runDir, 'acng.sock')}`,
      '',
    ].join('\n'),
  );
  const child = spawn('/usr/sbin/apt-cacher-ng', ['-c', confDir], { detached: true, stdio: 'ignore' });
  child.unref();
  const pid = child.pid;
  if (!pid) throw new Error('apt-cacher-ng did not start');
  try {
    await waitPort('127.0.0.1', port, 15_000);
  } catch (e) {
    await stopPid(pid);
    throw new Error(`apt-cacher-ng did not listen on 127.0.0.1:${port} (logs in ${logDir}): ${(e as Error).message}`);
  }
  return { url: `http://127.0.0.1:${port}`, port, pid, cacheDir, stop: () => stopPid(pid) };
}
