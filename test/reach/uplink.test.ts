/** The lab uplink's carrier NAT: an idle timeout that silently forgets a connection, a blackhole, byte counters on the device side. */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startLink, type Link } from '../../src/lab/link.js';

let server: Server | undefined;
let link: Link | undefined;
let dir: string | undefined;
afterEach(async () => {
  await link?.close();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  if (dir) rmSync(dir, { recursive: true, force: true });
  link = server = dir = undefined;
});

/** An echo server behind an uplink served on a Unix socket, as a NAT'd lab kiosk dials out. */
async function uplink(opts: Parameters<typeof startLink>[2]): Promise<{ l: Link; open(): Promise<Socket> }> {
  server = createServer((s) => s.pipe(s));
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  dir = mkdtempSync(join(tmpdir(), 'jfleet-uplink-'));
  const path = join(dir, 'uplink.sock');
  const l = await startLink({ path }, { host: '127.0.0.1', port }, opts);
  link = l;
  return {
    l,
    open: () =>
      new Promise((resolve) => {
        const s = connect(path, () => resolve(s));
      }),
  };
}

const echoWithin = (s: Socket, data: string, ms: number) =>
  new Promise<string | null>((resolve) => {
    const t = setTimeout(() => resolve(null), ms);
    s.once('data', (b: Buffer) => {
      clearTimeout(t);
      resolve(String(b));
    });
    s.write(data);
  });

describe('uplink (carrier NAT in the lab)', () => {
  it('counts what the device sends and receives', async () => {
    const { l, open } = await uplink({});
    const s = await open();
    expect(await echoWithin(s, 'hello', 1000)).toBe('hello');
    expect(l.counters).toMatchObject({ up: 5, down: 5, connections: 1 });
    s.destroy();
  });

  it('a connection idle past the NAT timeout is forgotten silently: no close, nothing passes; a new one works', async () => {
    const { l, open } = await uplink({ natIdleMs: 200 });
    const s = await open();
    expect(await echoWithin(s, 'a', 1000)).toBe('a');
    await sleep(350);
    let closed = false;
    s.on('close', () => (closed = true));
    expect(await echoWithin(s, 'b', 600)).toBeNull();
    expect(closed).toBe(false);
    expect(l.counters.up).toBe(2); // the lost byte still crossed the device's link
    const fresh = await open();
    expect(await echoWithin(fresh, 'c', 1000)).toBe('c');
    s.destroy();
    fresh.destroy();
  });

  it('a blackhole (the link cut) drops everything both ways while set, and lets a new connection through after', async () => {
    const { l, open } = await uplink({});
    const s = await open();
    l.set({ blackhole: true });
    expect(await echoWithin(s, 'x', 400)).toBeNull();
    l.set({ blackhole: false });
    const fresh = await open();
    expect(await echoWithin(fresh, 'y', 1000)).toBe('y');
    s.destroy();
    fresh.destroy();
  });
});
