/** The userspace link proxy in front of a lab device: delay, pace, stall, loss, cut; bytes intact. */
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { startLink, type Link } from '../../src/lab/link.js';

let server: Server | undefined;
let link: Link | undefined;
afterEach(async () => {
  await link?.close();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  link = undefined;
  server = undefined;
});

async function echoLink(opts: Parameters<typeof startLink>[2]) {
  server = createServer((s) => s.pipe(s));
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  link = await startLink({ host: '127.0.0.1', port: 0 }, { host: '127.0.0.1', port }, opts);
  return link;
}

function roundTrip(l: Link, data: Buffer): Promise<{ ms: number; back: Buffer }> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const s: Socket = connect(l.port, l.address);
    const chunks: Buffer[] = [];
    let n = 0;
    s.on('data', (b: Buffer) => {
      chunks.push(b);
      n += b.length;
      if (n >= data.length) {
        s.destroy();
        resolve({ ms: Date.now() - t0, back: Buffer.concat(chunks) });
      }
    });
    s.on('error', reject);
    s.on('close', () => n < data.length && reject(new Error(`closed after ${n} bytes`)));
    s.write(data);
  });
}

describe('lab link proxy', () => {
  it('adds latency each way and keeps the bytes intact', async () => {
    const l = await echoLink({ latencyMs: 100 });
    const data = randomBytes(5000);
    const r = await roundTrip(l, data);
    expect(r.back.equals(data)).toBe(true);
    expect(r.ms).toBeGreaterThanOrEqual(190);
  });
  it('paces to the bandwidth cap', async () => {
    const l = await echoLink({ kbps: 400 }); // 50 kB/s each way
    const r = await roundTrip(l, randomBytes(20_000));
    expect(r.ms).toBeGreaterThanOrEqual(750); // 20 kB at 50 kB/s is 400 ms, paced on the way there and back
  });
  it('holds traffic while stalled and delivers it after', async () => {
    const l = await echoLink({ stall: true });
    const pending = roundTrip(l, Buffer.from('hello'));
    await new Promise((r) => setTimeout(r, 300));
    const t = Date.now();
    l.set({ stall: false });
    const r = await pending;
    expect(r.back.toString()).toBe('hello');
    expect(r.ms).toBeGreaterThanOrEqual(290);
    expect(Date.now() - t).toBeLessThan(200);
  });
  it('turns loss into retransmission delay, never into missing bytes', async () => {
    const l = await echoLink({ lossPct: 100 });
    const data = randomBytes(3000);
    const r = await roundTrip(l, data);
    expect(r.back.equals(data)).toBe(true);
    expect(r.ms).toBeGreaterThanOrEqual(580); // one RTO each way
  });
  it('cut closes open connections and refuses new ones until lifted', async () => {
    const l = await echoLink({});
    const s = connect(l.port, l.address);
    await new Promise((r) => s.once('connect', r));
    const closed = new Promise((r) => s.once('close', r));
    l.set({ cut: true });
    await closed;
    await expect(roundTrip(l, Buffer.from('x'))).rejects.toThrow(/closed after 0 bytes/);
    l.set({ cut: false });
    expect((await roundTrip(l, Buffer.from('back'))).back.toString()).toBe('back');
  });
});
