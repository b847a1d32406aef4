/**
 * The test portal: a real HTTP server on 127.0.0.1 that stands in for a village's portal. The
 * guest reaches it through a guestfwd address; the tier stops it (the kiosk must show its offline
 * page) and starts it again on the same port (the kiosk must come back to it).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const PORTAL_TITLE = 'Portal Desa (jfleet lab)';
/** the page's background: a colour no error or offline page uses, so a screen check can count it */
export const PORTAL_COLOUR = '#1f7a4d';

export function portalPage(title = PORTAL_TITLE, colour = PORTAL_COLOUR): string {
  return `<!doctype html>
<html lang="id"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1, user-scalable=no">
<title>${title}</title>
<style>html,body{margin:0;height:100%;background:${colour};color:#fff;font-family:sans-serif;overflow:hidden}
main{display:flex;height:100%;align-items:center;justify-content:center;font-size:2.2em}</style></head>
<body><main>Layanan Desa</main></body></html>
`;
}

export interface Portal {
  port: number;
  running: boolean;
  /** requests served so far */
  hits: number;
  stop(): Promise<void>;
  /** listen again on the same port */
  start(): Promise<void>;
}

export async function startPortal(port = 0): Promise<Portal> {
  let server: Server | null = null;
  const sockets = new Set<import('node:net').Socket>();
  const state: Portal = {
    port,
    running: false,
    hits: 0,
    async start() {
      if (server) return;
      const s = createServer((req, res) => {
        state.hits++;
        if (req.url === '/' || req.url?.startsWith('/?')) {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
          res.end(portalPage());
        } else {
          res.writeHead(404, { 'content-type': 'text/plain' });
          res.end('not found\n');
        }
      });
      s.on('connection', (c) => {
        sockets.add(c);
        c.on('close', () => sockets.delete(c));
      });
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(state.port, '127.0.0.1', () => resolve());
      });
      state.port = (s.address() as AddressInfo).port;
      server = s;
      state.running = true;
    },
    async stop() {
      const s = server;
      if (!s) return;
      server = null;
      state.running = false;
      for (const c of sockets) c.destroy();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
  await state.start();
  return state;
}
