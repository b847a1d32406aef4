/**
 * Helpers of the booted tier (test/kiosk/*.vm.test.ts): one booted Debian device per test file,
 * registered and provisioned with jfleet as in the field; the test looks at it over its own SSH
 * (OpenSSH with the device's host key pinned), through Chromium's DevTools endpoint on the device,
 * and at QEMU's screendump. Screenshots of each run land in test-artifacts/kiosk/<run>/.
 */
import { execa } from 'execa';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BootedDevice } from '../../src/lab/vm/vm.js';
import { ROOT } from '../helpers/cli.js';

/** The kiosk's unit and its DevTools port on the device (loopback there). */
export const KIOSK_UNIT = 'jfleet-kiosk.service';
export const DEVTOOLS_PORT = 9222;

export const ARTIFACTS = join(ROOT, 'test-artifacts', 'kiosk', new Date().toISOString().replace(/[:.]/g, '-'));

export function artifact(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}

function knownHosts(dev: BootedDevice): string {
  const f = join(dev.dir, 'known_hosts');
  writeFileSync(f, `[127.0.0.1]:${dev.sshPort} ${dev.image.hostKey}\n`);
  return f;
}

/** Run a shell script on the device as root (host key checked); returns stdout, stderr, code. */
export async function onDevice(dev: BootedDevice, script: string, timeoutMs = 60_000): Promise<{ stdout: string; stderr: string; code: number }> {
  const r = await execa(
    'ssh',
    [
      '-q',
      '-i',
      dev.keyFile,
      '-p',
      String(dev.sshPort),
      '-o',
      'BatchMode=yes',
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      `UserKnownHostsFile=${knownHosts(dev)}`,
      '-o',
      'ConnectTimeout=10',
      'root@127.0.0.1',
      script,
    ],
    { reject: false, timeout: timeoutMs },
  );
  return { stdout: String(r.stdout), stderr: String(r.stderr), code: r.exitCode ?? -1 };
}

export interface DevtoolsPage {
  type: string;
  url: string;
  title: string;
}

/**
 * The page targets Chromium's DevTools endpoint lists, asked on the device with curl (the recipe
 * installs it). Chromium's endpoint does not answer a bare HTTP/1.0 request on a raw socket.
 */
export async function devtoolsPages(dev: BootedDevice): Promise<DevtoolsPage[] | null> {
  const r = await onDevice(dev, `curl -sf -m 5 http://127.0.0.1:${DEVTOOLS_PORT}/json/list`, 20_000);
  if (r.code !== 0) return null;
  try {
    return (JSON.parse(r.stdout) as DevtoolsPage[]).filter((p) => p.type === 'page');
  } catch {
    return null;
  }
}

/** Poll until check() returns a value (not undefined/false), or fail with the last observation. */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined | false>,
  everyMs = 2000,
): Promise<{ value: T; ms: number }> {
  const t0 = Date.now();
  let last: unknown;
  while (Date.now() - t0 < timeoutMs) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return { value: v, ms: Date.now() - t0 };
      last = v;
    } catch (e) {
      last = (e as Error).message;
    }
    await sleep(everyMs);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
}

/** The unit's state as systemd says it (ActiveState, SubState, MainPID, NRestarts). */
export async function unitState(dev: BootedDevice, unit = KIOSK_UNIT): Promise<Record<string, string>> {
  const r = await onDevice(dev, `systemctl show ${unit} -p ActiveState -p SubState -p MainPID -p NRestarts -p InvocationID`);
  return Object.fromEntries(
    r.stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

/**
 * pids of the kiosk's Chromium browser process (not its renderers or zygotes: they have --type=
 * somewhere in their command line, which Chromium rewrites into one string) and of cage, told
 * apart by their command line (one ps; procps is in the recipe).
 */
export async function kioskPids(dev: BootedDevice): Promise<{ browser: number[]; cage: number[] }> {
  const r = await onDevice(
    dev,
    // one ps and one awk: a loop of readlink and grep per process cost the guest 10-13 s of CPU
    // per call under TCG, slowing the very browser start a check was timing
    `ps -eo pid=,args= | awk '$2 == "/usr/lib/chromium/chromium" && !/ --type=/ { print "browser", $1 } $2 == "/usr/bin/cage" { print "cage", $1 }'`,
  );
  const out = { browser: [] as number[], cage: [] as number[] };
  for (const l of r.stdout.trim().split('\n')) {
    const [k, v] = l.split(' ');
    if ((k === 'browser' || k === 'cage') && v) out[k].push(Number(v));
  }
  return out;
}

/** The kernel's id of the running boot (a new one after every reboot or power-on). */
async function bootId(dev: BootedDevice): Promise<string | undefined> {
  const r = await onDevice(dev, 'cat /proc/sys/kernel/random/boot_id', 15_000);
  return r.code === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
}

/**
 * Reboot the device as a technician would (systemctl reboot over SSH) and wait until it answers
 * from its next boot (a new kernel boot id: a refused connection while sshd reloads is not a
 * reboot). `systemctl reboot` is retried while systemd refuses the transaction (a unit
 * restarting at that moment makes it "destructive").
 */
export async function reboot(dev: BootedDevice, timeoutMs = 300_000): Promise<number> {
  const before = (await waitFor('the device answering before the reboot', 120_000, () => bootId(dev))).value;
  const t0 = Date.now();
  const r = await onDevice(dev, 'for i in 1 2 3 4 5 6 7 8 9 10; do systemctl reboot && exit 0; sleep 3; done; exit 1', 60_000);
  // 255: the connection went down with the system
  if (r.code !== 0 && r.code !== 255) throw new Error(`systemctl reboot refused (exit ${r.code}): ${r.stderr.trim()}`);
  await waitFor(
    'the device back from its reboot',
    timeoutMs,
    async () => {
      const now = await bootId(dev);
      return now !== undefined && now !== before ? true : undefined;
    },
    3000,
  );
  return Date.now() - t0;
}
