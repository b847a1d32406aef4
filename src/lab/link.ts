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
  /** a silent outage (4G gone): every byte either way is dropped, nothing is closed, while true */
  blackhole?: boolean;
  /**
   * A carrier NAT's idle timeout: a connection silent (both ways) this long loses its mapping, and
   * from then on every byte of it is dropped without a close or reset, as a CGNAT does.
   */
  natIdleMs?: number;
}

/** What crossed the link on the client's side (for an uplink: the device's 4G side). */
export interface LinkCounters {
  /** payload bytes the client sent, and received */
  up: number;
  down: number;
  /** chunks (about TCP segments) each way, for the header estimate */
  upChunks: number;
  downChunks: number;
  connections: number;
}

export interface Link {
  address: string;
  port: number;
  readonly counters: LinkCounters;
  resetCounters(): void;
  options: LinkOptions;
  /** change the link's behaviour while it runs */
  set(opts: LinkOptions): void;
  close(): Promise<void>;
}

const RTO_MS = 300;

export async function startLink(
  listen: { host: string; port: number } | { path: string },
  target: { host: string; port: number },
  initial: LinkOptions = {},
): Promise<Link> {
  let opts: LinkOptions = { ...initial };
  let counters: LinkCounters = { up: 0, down: 0, upChunks: 0, downChunks: 0, connections: 0 };
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

  const pipeDir = (from: Socket, to: Socket, conn: { last: number; dead: boolean }, fromClient: boolean) => {
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
        if (!to.destroyed) {
          to.write(head.data);
          if (!fromClient) {
            counters.down += head.data.length;
            counters.downChunks++;
          }
        }
      }
    };
    pumps.add(pump);
    from.on('data', (data: Buffer) => {
      const now = Date.now();
      if (fromClient) {
        counters.up += data.length;
        counters.upChunks++;
      }
      if (opts.natIdleMs && now - conn.last > opts.natIdleMs) conn.dead = true;
      conn.last = now;
      if (conn.dead || opts.blackhole) return;
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
    counters.connections++;
    const upstream = connect(target.port, target.host);
    const conn = { last: Date.now(), dead: false };
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      s.on('close', () => sockets.delete(s));
    }
    pipeDir(client, upstream, conn, true);
    pipeDir(upstream, client, conn, false);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if ('path' in listen) server.listen(listen.path, () => resolve());
    else server.listen(listen.port, listen.host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 'port' in listen ? listen.port : 0;
  applyStall();
  const link: Link = {
    address: 'path' in listen ? listen.path : listen.host,
    port,
    get counters() {
      return counters;
    },
    resetCounters() {
      counters = { up: 0, down: 0, upChunks: 0, downChunks: 0, connections: 0 };
    },
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
