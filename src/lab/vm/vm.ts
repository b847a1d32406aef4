/**
 * A booted lab device: the bare Debian image under QEMU, its disk a qcow2 overlay of the cached
 * image (so power cuts and reboots keep what provisioning wrote), SSH forwarded from 127.0.0.1,
 * the apt proxy and the test portal reachable from the guest at fixed 198.18.0.x addresses.
 * QEMU runs detached; we keep its pid and stop it by that pid (a power cut is SIGKILL).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { writeAtomic } from '../../atomic-file.js';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pidAlive } from '../../store/lock.js';
import { cmdlineOf } from '../process.js';
import { type Accel, chooseAccel } from './accel.js';
import { type AptProxy, startAptProxy } from './apt-proxy.js';
import { ensureImage, ROOT_LABEL, VM_CACHE_DIR, type VmImage } from './image.js';
import { monitorCommand } from './monitor.js';
import { type Portal, startPortal } from './portal.js';
import { freePort, stopPid } from './proc.js';
import { qemuArgs } from './qemu-args.js';
import { colourShare, parsePpm, type Rgb, rgbToPng } from './screen.js';

/** Where the guest finds this machine's services (QEMU's guestfwd, piped to 127.0.0.1). */
export const GUEST_APT_PROXY = { address: '198.18.0.100', port: 3142 };
export const GUEST_PORTAL = { address: '198.18.0.101', port: 80 };

export interface BootedDeviceOptions {
  /** the device's run directory (overlay disk, monitor socket, serial log, screenshots) */
  dir: string;
  cacheDir?: string;
  memoryMiB?: number;
  env?: Record<string, string | undefined>;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export interface BootedDevice {
  dir: string;
  image: VmImage;
  accel: Accel;
  address: string;
  sshPort: number;
  /** SHA256 fingerprint of the image's host key, to pin in the inventory */
  hostKey: string;
  keyFile: string;
  aptProxy: AptProxy;
  portal: Portal;
  /** what the device's recipe variables name: the apt proxy and the portal as the guest sees them */
  guest: { aptProxyUrl: string; portalUrl: string };
  serialLog: string;
  /** pid of the running QEMU (null while powered off) */
  pid: number | null;
  /** timings of this device's bring-up, in ms */
  timings: Record<string, number>;
  /** power on (from the same disk) and wait until sshd answers */
  boot(timeoutMs?: number): Promise<number>;
  /** pull the plug: SIGKILL QEMU */
  powerCut(): Promise<void>;
  /** the screen now, as RGB; with a file, also written there as PNG */
  screendump(pngFile?: string): Promise<Rgb>;
  /** wait until sshd answers its banner on the forwarded port (after a reboot too) */
  waitSsh(timeoutMs?: number): Promise<number>;
  /** stop QEMU, the apt proxy and the portal (by pid / by handle); safe twice */
  stop(): Promise<void>;
}

/** Build or reuse the image, start the apt proxy and the portal, boot the device, wait for SSH. */
export async function startBootedDevice(opts: BootedDeviceOptions): Promise<BootedDevice> {
  if (process.getuid?.() !== 0) throw new Error('the booted tier needs root (mmdebstrap, apt-cacher-ng cache in /var/cache)');
  for (const bin of ['/usr/bin/qemu-system-x86_64', '/usr/bin/qemu-img', '/usr/bin/socat'])
    if (!existsSync(bin)) throw new Error(`the booted tier needs ${bin} (bash scripts/install-system-deps.sh)`);
  const cacheDir = opts.cacheDir ?? VM_CACHE_DIR;
  const log = opts.log ?? (() => undefined);
  const timings: Record<string, number> = {};
  await stopLeftovers(opts.dir);
  rmSync(opts.dir, { recursive: true, force: true });
  mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  let t = Date.now();
  const aptProxy = await startAptProxy({ cacheDir, runDir: opts.dir });
  let portal: Portal | null = null;
  let pid: number | null = null;
  try {
    const image = await ensureImage({ aptProxy: aptProxy.url, cacheDir, log, signal: opts.signal });
    timings.image = Date.now() - t;
    t = Date.now();
    const choice = await chooseAccel({ kernel: image.kernel, cacheDir, env: opts.env });
    timings.accelProbe = Date.now() - t;
    log(`accel: ${choice.accel} (${choice.why})`);
    portal = await startPortal();
    const disk = join(opts.dir, 'disk.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', image.rootfs, disk]);
    const sshPort = await freePort();
    const monitorSocket = join(opts.dir, 'monitor.sock');
    const serialLog = join(opts.dir, 'serial.log');
    const args = qemuArgs({
      accel: choice.accel,
      kernel: image.kernel,
      initrd: image.initrd,
      rootLabel: ROOT_LABEL,
      disk,
      memoryMiB: opts.memoryMiB ?? 2048,
      sshPort,
      forwards: [
        { guestAddress: GUEST_APT_PROXY.address, guestPort: GUEST_APT_PROXY.port, hostPort: aptProxy.port },
        { guestAddress: GUEST_PORTAL.address, guestPort: GUEST_PORTAL.port, hostPort: portal.port },
      ],
      monitorSocket,
      serialLog,
    });
    const thePortal = portal;
    let stopped = false;
    let boots = 0;
    const dev: BootedDevice = {
      dir: opts.dir,
      image,
      accel: choice.accel,
      address: '127.0.0.1',
      sshPort,
      hostKey: image.hostKeyFingerprint,
      keyFile: image.keyFile,
      aptProxy,
      portal: thePortal,
      guest: {
        aptProxyUrl: `http://${GUEST_APT_PROXY.address}:${GUEST_APT_PROXY.port}`,
        portalUrl: `http://${GUEST_PORTAL.address}/`,
      },
      serialLog,
      get pid() {
        return pid;
      },
      timings,
      async boot(timeoutMs = 180_000) {
        if (pid && pidAlive(pid)) throw new Error(`the device is already running (QEMU pid ${pid})`);
        rmSync(monitorSocket, { force: true });
        boots++;
        // each boot's serial output kept apart: serial.log is the current boot, serial-N.log the earlier ones
        if (existsSync(serialLog)) writeAtomic(join(opts.dir, `serial-${boots - 1}.log`), readFileSync(serialLog));
        const child = spawn('qemu-system-x86_64', args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        child.stderr?.on('data', (b: Buffer) => {
          err = (err + b.toString('utf8')).slice(-4000);
        });
        child.unref();
        if (!child.pid) throw new Error('QEMU did not start');
        pid = child.pid;
        writeAtomic(join(opts.dir, 'qemu.pid'), `${pid}\n`);
        writeAtomic(join(opts.dir, 'qemu.cmdline'), ['qemu-system-x86_64', ...args].join(' ') + '\n');
        try {
          return await dev.waitSsh(timeoutMs);
        } catch (e) {
          throw new Error(`${(e as Error).message}${err ? `; QEMU said: ${err.trim()}` : ''}; serial log: ${serialLog}`);
        }
      },
      async powerCut() {
        if (pid) await stopPid(pid, 0, 'SIGKILL');
        pid = null;
      },
      async screendump(pngFile) {
        if (!pid) throw new Error('the device is powered off: no screen');
        const ppm = join(opts.dir, 'screen.ppm');
        rmSync(ppm, { force: true });
        const answer = await monitorCommand(monitorSocket, `screendump ${ppm}`);
        for (let i = 0; i < 100 && !existsSync(ppm); i++) await sleep(50);
        if (!existsSync(ppm)) throw new Error(`QEMU wrote no screendump (${answer})`);
        const img = parsePpm(readFileSync(ppm));
        if (pngFile) writeAtomic(pngFile, rgbToPng(img));
        return img;
      },
      async waitSsh(timeoutMs = 180_000) {
        const t0 = Date.now();
        while (Date.now() - t0 < timeoutMs) {
          if (pid && !pidAlive(pid)) throw new Error('QEMU exited before sshd answered');
          if (await sshBanner('127.0.0.1', sshPort)) return Date.now() - t0;
          await sleep(1000);
        }
        throw new Error(`the booted device's sshd (127.0.0.1:${sshPort}) did not answer within ${timeoutMs} ms`);
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        if (pid) await stopPid(pid, 3000);
        pid = null;
        await thePortal.stop();
        await aptProxy.stop();
      },
    };
    timings.boot = await dev.boot();
    return dev;
  } catch (e) {
    if (pid) await stopPid(pid, 0, 'SIGKILL');
    await portal?.stop();
    await aptProxy.stop();
    throw e;
  }
}

/**
 * A run that died (a killed test runner) leaves its QEMU and apt-cacher-ng running detached: stop
 * them by the pids it recorded, after checking each pid still is that process (its command line
 * names this directory), before the directory is reused.
 */
async function stopLeftovers(dir: string): Promise<void> {
  for (const f of ['qemu.pid', 'acng.pid']) {
    let pid = 0;
    try {
      pid = Number(readFileSync(join(dir, f), 'utf8').trim());
    } catch {
      continue;
    }
    if (pid > 1 && cmdlineOf(pid).includes(dir)) await stopPid(pid, 3000);
  }
}

/** true when something on host:port speaks SSH (QEMU's hostfwd accepts TCP before the guest's sshd is up). */
function sshBanner(host: string, port: number, timeoutMs = 5000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, host);
    let buf = '';
    const done = (v: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    s.on('data', (b) => {
      buf += b.toString('latin1');
      if (buf.startsWith('SSH-')) done(true);
    });
    s.on('error', () => done(false));
    s.on('close', () => done(false));
  });
}

/** Wait until `colour` covers at least `share` of the screen; the last capture is written to pngFile. */
export async function waitForScreen(
  dev: BootedDevice,
  opts: { colour: string; share: number; timeoutMs: number; pngFile: string; signal?: AbortSignal },
): Promise<{ shown: boolean; share: number; ms: number }> {
  const t0 = Date.now();
  let share = 0;
  while (Date.now() - t0 < opts.timeoutMs && !opts.signal?.aborted) {
    try {
      share = colourShare(await dev.screendump(opts.pngFile), opts.colour);
      if (share >= opts.share) return { shown: true, share, ms: Date.now() - t0 };
    } catch {
      /* the monitor is not up yet */
    }
    await sleep(2000);
  }
  return { shown: false, share, ms: Date.now() - t0 };
}
