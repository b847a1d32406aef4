/** Process helpers of the booted tier: a free loopback port, stopping a process by its pid. */
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { pidAlive } from '../../store/lock.js';
import { tryKill } from '../process.js';

/** A port free on 127.0.0.1 right now, within [min, max] (0, 0 = any). */
export async function freePort(min = 0, max = 0): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const want = min && max ? min + Math.floor(Math.random() * (max - min)) : 0;
    const port = await new Promise<number>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(0));
      srv.listen(want, '127.0.0.1', () => {
        const a = srv.address();
        const p = typeof a === 'object' && a ? a.port : 0;
        srv.close(() => resolve(p));
      });
    });
    if (port) return port;
  }
  throw new Error('no free port on 127.0.0.1');
}

/** TERM, then KILL after graceMs; waits until the pid is gone. */
export async function stopPid(pid: number, graceMs = 3000, sig: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!pidAlive(pid)) return;
  tryKill(pid, sig);
  const deadline = Date.now() + graceMs;
  while (pidAlive(pid) && Date.now() < deadline) await sleep(50);
  if (pidAlive(pid)) tryKill(pid, 'SIGKILL');
  for (let i = 0; i < 100 && pidAlive(pid); i++) await sleep(50);
}
