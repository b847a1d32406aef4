/**
 * A slow, lossy 4G link in userspace: this kernel has no netem, so the lab puts a small TCP proxy
 * in front of a device. Each direction is a queue of chunks released in order after the added
 * latency, paced to the bandwidth cap; "loss" on TCP shows up as retransmission delay, so a lost
 * chunk is held back for a retransmission timeout (bytes are never dropped: the stream must stay
 * intact, as TCP keeps it). A stall holds every chunk until it is lifted; cut closes the
 * connections (and, while set, refuses new ones).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface LinkOptions {
  /** added one-way delay, each direction */
  latencyMs?: number;
  /** share of chunks "lost" (0-100): each one waits a retransmission timeout */
  lossPct?: number;
  /** bandwidth cap per direction in kbit/s */
  kbps?: number;
  /** hold all traffic (true) or for this many ms */
  stall?: boolean | number;
  /** close existing connections and refuse new ones while true */
  cut?: boolean;
}

export interface Link {
  address: string;
  port: number;
  options: LinkOptions;
  /** change the link's behaviour while it runs */
  set(opts: LinkOptions): void;
  close(): Promise<void>;
}

const RTO_MS = 300;

export async function startLink(listen: { host: string; port: number }, target: { host: string; port: number }, initial: LinkOptions = {}): Promise<Link> {
  let opts: LinkOptions = { ...initial };
  const pumps = new Set<() => void>();
  const sockets = new Set<Socket>();
  let stallUntil = 0;

  const applyStall = () => {
    if (typeof opts.stall === 'number') {
      stallUntil = Date.now() + opts.stall;
      setTimeout(() => {
        for (const p of pumps) p();
      }, opts.stall + 1).unref();
    }
  };
  const stalled = () => opts.stall === true || Date.now() < stallUntil;

  const pipeDir = (from: Socket, to: Socket) => {
    const queue: Array<{ data: Buffer; at: number }> = [];
    let lastAt = 0;
    let timer: NodeJS.Timeout | null = null;
    const pump = () => {
      if (timer) return;
      while (queue.length) {
        if (stalled()) return;
        const head = queue[0];
        if (!head) break;
        const wait = head.at - Date.now();
        if (wait > 0) {
          timer = setTimeout(() => {
            timer = null;
            pump();
          }, wait);
          return;
        }
        queue.shift();
        if (!to.destroyed) to.write(head.data);
      }
    };
    pumps.add(pump);
    from.on('data', (data: Buffer) => {
      const now = Date.now();
      let at = now + (opts.latencyMs ?? 0);
      if (opts.lossPct && Math.random() * 100 < opts.lossPct) at += RTO_MS;
      at = Math.max(at, lastAt);
      if (opts.kbps) at += (data.length * 8) / opts.kbps; // ms at kbit/s
      lastAt = at;
      queue.push({ data, at });
      pump();
    });
    from.on('close', () => {
      pumps.delete(pump);
      const flush = () => (queue.length && !to.destroyed ? setTimeout(flush, 20) : to.end());
      flush();
    });
  };

  const server: Server = createServer((client) => {
    if (opts.cut) {
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      s.on('close', () => sockets.delete(s));
    }
    pipeDir(client, upstream);
    pipeDir(upstream, client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : listen.port;
  applyStall();
  const link: Link = {
    address: listen.host,
    port,
    get options() {
      return opts;
    },
    set(next: LinkOptions) {
      opts = { ...opts, ...next };
      if (next.stall !== undefined) applyStall();
      if (opts.cut) for (const s of sockets) s.destroy();
      for (const p of pumps) p();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return link;
}
