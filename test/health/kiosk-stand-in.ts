/**
 * A stand-in kiosk on lab devices, per the team's kiosk layout (release dir + current symlink +
 * manifest, /etc/jfleet/kiosk.env, the lab's stand-in browser in /run/jfleet-kiosk/stand-in, as
 * the recipe's lab profile runs it), so health
 * tests do not depend on provisioning. Lab devices share the host's network namespace, so one
 * page server on loopback answers every device's KIOSK_LISTEN.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PageServer {
  listen: string;
  close(): Promise<void>;
}

export async function startPageServer(opts: { delayMs?: number } = {}): Promise<PageServer> {
  const server: Server = createServer((_req, res) => {
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>kiosk</title>');
    }, opts.delayMs ?? 0);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    listen: `127.0.0.1:${port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

export function installKioskScript(listen: string, version = '0.0.0-base'): string {
  return `set -e
mkdir -p /opt/jfleet-kiosk/releases/${version}/www /etc/jfleet /run/jfleet-kiosk
echo '{"version":"${version}","files":{}}' > /opt/jfleet-kiosk/releases/${version}/manifest.json
ln -sfn releases/${version} /opt/jfleet-kiosk/current
printf 'KIOSK_URL=http://127.0.0.1:1/\\nKIOSK_LISTEN=${listen}\\nKIOSK_STAND_IN=yes\\n' > /etc/jfleet/kiosk.env
setsid sleep 1000000 </dev/null >/dev/null 2>&1 &
echo $! > /run/jfleet-kiosk/stand-in
`;
}

export const KILL_BROWSER = 'kill -9 "$(cat /run/jfleet-kiosk/stand-in)"';
