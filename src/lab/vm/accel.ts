/**
 * KVM or TCG. This kind of machine has a /dev/kvm (a nested PVM KVM) that hangs a stock Debian
 * kernel at "Probing EDD", so KVM is tried briefly: boot the image's kernel with no root disk and
 * panic=-1 under -no-reboot; a working KVM gets to the kernel panic and QEMU exits within seconds.
 * Otherwise TCG. The answer is kept per host boot (it cannot change before the host reboots).
 * JFLEET_VM_ACCEL=kvm|tcg skips the probe.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { writeAtomic } from '../../atomic-file.js';
import { join } from 'node:path';

export type Accel = 'kvm' | 'tcg';

export async function chooseAccel(opts: {
  kernel: string;
  cacheDir: string;
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
}): Promise<{ accel: Accel; probedMs: number | null; why: string }> {
  const forced = opts.env?.JFLEET_VM_ACCEL;
  if (forced === 'kvm' || forced === 'tcg') return { accel: forced, probedMs: null, why: 'JFLEET_VM_ACCEL' };
  if (!existsSync('/dev/kvm')) return { accel: 'tcg', probedMs: null, why: 'no /dev/kvm' };
  let bootId = 'unknown';
  try {
    bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    /* no boot id: probe every time */
  }
  const memo = join(opts.cacheDir, 'vm', 'accel.json');
  try {
    const m = JSON.parse(readFileSync(memo, 'utf8')) as { bootId: string; accel: Accel; kernel: string };
    if (m.bootId === bootId && m.kernel === opts.kernel && (m.accel === 'kvm' || m.accel === 'tcg'))
      return { accel: m.accel, probedMs: null, why: 'probed earlier this host boot' };
  } catch {
    /* not probed yet */
  }
  const t0 = Date.now();
  const works = await probeKvm(opts.kernel, opts.timeoutMs ?? 15_000);
  const accel: Accel = works ? 'kvm' : 'tcg';
  mkdirSync(join(opts.cacheDir, 'vm'), { recursive: true });
  writeAtomic(memo, JSON.stringify({ bootId, accel, kernel: opts.kernel, probedAt: new Date().toISOString() }) + '\n');
  return { accel, probedMs: Date.now() - t0, why: works ? 'KVM booted a kernel' : 'KVM did not boot a kernel in time' };
}

function probeKvm(kernel: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(
      'qemu-system-x86_64',
      [
        '-machine',
        'q35',
        '-accel',
        'kvm',
        '-cpu',
        'host',
        '-m',
        '512',
        '-nodefaults',
        '-no-reboot',
        '-display',
        'none',
        '-serial',
        'stdio',
        '-kernel',
        kernel,
        '-append',
        'console=ttyS0 panic=-1 root=/dev/jfleet-no-disk',
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out = (out + b.toString('utf8')).slice(-20_000);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(code === 0 && /Kernel panic|Linux version/.test(out));
    });
  });
}
