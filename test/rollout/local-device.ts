/**
 * A kiosk "device" in a scratch directory, reached through a local shell Transport: the rollout
 * scripts run for real (sha256sum, tar, symlinks, curl), only the path prefix differs
 * (KioskLayout.root). The kiosk is a python3 http.server restarted by a jfleet-kiosk-restart
 * script on PATH, like the recipe's helper. Used by the runner tests that do not need sshd.
 */
import { execa } from 'execa';
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { createServer } from 'node:net';
import type { Package } from '../../src/inventory/schema.js';
import type { Transport } from '../../src/transport/types.js';
import { TransportError } from '../../src/transport/types.js';

export interface LocalDevice {
  pkg: Package;
  root: string;
  port: number;
  reachable: boolean;
  transport: Transport;
}

export async function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });
}

const RESTART = `#!/bin/sh
# test stand-in for the recipe's jfleet-kiosk-restart: restart the page server of this device
R=$JFLEET_TEST_ROOT
[ -f "$R/run/jfleet-kiosk/server.pid" ] && kill "$(cat "$R/run/jfleet-kiosk/server.pid")" 2>/dev/null
listen=$(sed -n 's/^KIOSK_LISTEN=//p' "$R/etc/jfleet/kiosk.env")
mkdir -p "$R/run/jfleet-kiosk"
sleep 0.2
setsid python3 -m http.server "\${listen##*:}" --bind "\${listen%:*}" --directory "$R/opt/jfleet-kiosk/current/www" >/dev/null 2>&1 < /dev/null &
echo $! > "$R/run/jfleet-kiosk/server.pid"
`;

export function sha(s: string | Buffer): string {
  return createHash('sha256').update(s).digest('hex');
}

export async function makeDevice(dir: string, pkg: Package): Promise<LocalDevice> {
  const root = join(dir, pkg.id);
  const port = await freePort();
  const base = join(root, 'opt/jfleet-kiosk/releases/0.0.0-base');
  mkdirSync(join(base, 'www'), { recursive: true });
  const index = '<h1>base</h1>\n';
  writeFileSync(join(base, 'www/index.html'), index);
  writeFileSync(join(base, 'manifest.json'), JSON.stringify({ version: '0.0.0-base', files: { 'www/index.html': sha(index) } }));
  symlinkSync('releases/0.0.0-base', join(root, 'opt/jfleet-kiosk/current'));
  mkdirSync(join(root, 'etc/jfleet'), { recursive: true });
  writeFileSync(join(root, 'etc/jfleet/kiosk.env'), `KIOSK_URL=https://example.invalid/\nKIOSK_LISTEN=127.0.0.1:${port}\n`);
  const bin = join(root, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'jfleet-kiosk-restart'), RESTART);
  chmodSync(join(bin, 'jfleet-kiosk-restart'), 0o755);
  const env = { PATH: `${bin}:${process.env.PATH}`, JFLEET_TEST_ROOT: root };
  const dev: LocalDevice = {
    pkg,
    root,
    port,
    reachable: true,
    transport: {
      name: pkg.id,
      async connect() {},
      async exec(cmd, opts = {}) {
        if (!dev.reachable) throw new TransportError('unreachable', pkg.id, `${pkg.id}: connection refused`);
        const r = await execa('sh', ['-c', cmd], { env, input: opts.stdin, reject: false, timeout: opts.timeoutMs, stripFinalNewline: false });
        return { stdout: String(r.stdout), stderr: String(r.stderr), exitCode: r.exitCode ?? null, signal: r.signal ?? null };
      },
      async put(data, remotePath) {
        if (!dev.reachable) throw new TransportError('unreachable', pkg.id, `${pkg.id}: connection refused`);
        mkdirSync(dirname(remotePath), { recursive: true });
        writeFileSync(remotePath, data);
      },
      async get(remotePath) {
        return readFileSync(remotePath);
      },
      async close() {},
    },
  };
  await execa('jfleet-kiosk-restart', [], { env, shell: false });
  return dev;
}

export async function stopDevice(d: LocalDevice): Promise<void> {
  const f = join(d.root, 'run/jfleet-kiosk/server.pid');
  if (existsSync(f)) {
    try {
      process.kill(Number(readFileSync(f, 'utf8').trim()));
    } catch {
      // already gone
    }
  }
}

export function pkgOf(id: string, village: string, tags: string[] = []): Package {
  return { id, village, address: '127.0.0.1', port: 22, user: 'root', hardware: {}, tags, registeredAt: '2026-11-01T00:00:00.000Z' };
}
