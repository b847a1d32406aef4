/**
 * Issue 11, "port 443 as well as 22 on the bastion, for carriers that filter": on real sshd (the
 * lab bastion listens on both of its ports, laid out by jfleet bastion init's code) and a kiosk
 * behind simulated carrier NAT running the recipe's jfleet-tunnel.service (its program dials the
 * bastion's ports in turn, the one that last logged in first). A carrier that filters one port is
 * that port's uplink blackholed (every byte dropped, nothing closed: ssh's ConnectTimeout has to
 * end the attempt) or cut (refused at once). Nobody touches the device: it falls back by itself,
 * and jfleet reaches it through the tunnel on the other port.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { at } from '../helpers/at.js';
import { jfleet } from '../helpers/cli.js';
import { useLab, type Lab } from '../lab/lab.js';

const labOf = useLab(1, { tunnelled: [0], tunnelKeepalive: { interval: 10, count: 2 }, uplink: { latencyMs: 60, kbps: 2000 } });

const dev = (l: Lab) => at(l.devices, 0);
/** the port the kiosk remembers (its own /var/lib/jfleet/tunnel-port, in its disk's upper layer) */
const remembered = (l: Lab) => {
  const f = join(dev(l).upperDir, 'var/lib/jfleet/tunnel-port');
  return existsSync(f) ? readFileSync(f, 'utf8').trim() : null;
};
const tunnelLog = (l: Lab) => {
  try {
    return readFileSync(join(dev(l).rootDir, 'run/jfleet-lab/jfleet-tunnel.service.log'), 'utf8');
  } catch {
    return '';
  }
};
/** until the kiosk's program logged in on `port` (after `from` in its log); seconds it took */
async function untilLoggedIn(l: Lab, port: number, boundS: number, from = 0): Promise<number> {
  const t0 = Date.now();
  const line = `jfleet-tunnel: logged in to ${l.bastion!.address} on port ${port}`;
  while (!tunnelLog(l).slice(from).includes(line)) {
    if (Date.now() - t0 > boundS * 1000) throw new Error(`no "${line}" within ${boundS} s; the tunnel's log:\n${tunnelLog(l).slice(-3000)}`);
    await sleep(250);
  }
  return (Date.now() - t0) / 1000;
}
/** jfleet exec through the tunnel: the kiosk's host name and the port it remembers */
async function execThrough(l: Lab): Promise<{ code: number; out: string }> {
  const r = await jfleet(['exec', '--limit', dev(l).id, '--json', '--', 'hostname; cat /var/lib/jfleet/tunnel-port'], { env: l.env, timeoutMs: 60_000 });
  const res = JSON.parse(r.stdout || '{"results":[]}') as { results: Array<{ id: string; stdout: string; error?: string }> };
  return { code: r.exitCode ?? -1, out: res.results[0]?.error ?? res.results[0]?.stdout.trim() ?? r.stderr };
}

describe("reach: tunnel on the bastion's second port when a carrier filters the first (real sshd, simulated NAT)", () => {
  it('first boot, nothing filtered: the kiosk logs in on the first port and remembers it', async () => {
    const l = labOf();
    const [first] = l.bastion!.ports;
    await untilLoggedIn(l, first!, 90);
    expect(remembered(l)).toBe(String(first));
    expect(await execThrough(l)).toEqual({ code: 0, out: `${dev(l).id}\n${first}` });
    // what the lab staged is what provision wants: through the tunnel, every tunnel step is ok
    const check = await jfleet(['provision', '--limit', dev(l).id, '--check', '--json'], { env: l.env, timeoutMs: 120_000 });
    const steps = (JSON.parse(check.stdout) as { devices: Array<{ steps: Array<{ id: string; status: string }> }> }).devices[0]?.steps ?? [];
    expect(steps.filter((s) => s.id.startsWith('tunnel-')).map((s) => `${s.id} ${s.status}`)).toEqual(
      ['tunnel-key', 'tunnel-known-hosts', 'tunnel-sysctl', 'tunnel-restart-program', 'tunnel-program', 'tunnel-unit', 'tunnel-enabled'].map(
        (id) => `${id} ok`,
      ),
    );
  }, 180_000);

  it('the first port blackholed (a carrier that drops it): after a reboot the kiosk gives up on it after ConnectTimeout and comes up on the second; exec works', async () => {
    const l = labOf();
    const [first, second] = l.bastion!.ports as [number, number];
    const filtered = l.uplink(dev(l).id, first);
    const other = l.uplink(dev(l).id, second);
    await l.powerOff(dev(l).id);
    filtered.set({ blackhole: true });
    filtered.resetCounters();
    other.resetCounters();
    const t0 = Date.now();
    await l.powerOn(dev(l).id);
    const took = await untilLoggedIn(l, second, 120);
    // the remembered (first) port was dialed and given up on, then the second logged in
    const log = tunnelLog(l);
    expect(log).toContain(`jfleet-tunnel: dialing ${l.bastion!.address} port ${first} (1 of 2)`);
    expect(log).toMatch(/Connection timed out during banner exchange/);
    expect(log).toContain(`jfleet-tunnel: port ${first} did not log in (ssh exit 255)`);
    expect(log).toContain(`jfleet-tunnel: dialing ${l.bastion!.address} port ${second} (2 of 2)`);
    expect(filtered.counters.connections).toBe(1);
    expect(other.counters.connections).toBe(1);
    expect(remembered(l)).toBe(String(second));
    expect(await execThrough(l)).toEqual({ code: 0, out: `${dev(l).id}\n${second}` });
    // the bastion's side (sshd at LogLevel VERBOSE, docs/reach.md): the port of each login
    const sshdLog = readFileSync(join(l.bastion!.rootDir(), 'run/jfleet-lab/sshd.log'), 'utf8');
    expect(sshdLog).toContain(` on ${l.bastion!.address} port ${second}`);
    // start spread (0-30 s) + ConnectTimeout 10 s + the login; measured for the commit message
    console.log(
      `tunnel-ports: first port blackholed, logged in on the second ${took.toFixed(1)} s after power on (${((Date.now() - t0) / 1000).toFixed(1)} s to exec)`,
    );
    expect(took).toBeLessThan(30 + 10 + 20);
    filtered.set({ blackhole: false });
  }, 180_000);

  it('the second port refused while its tunnel is up: the kiosk comes back on the first by itself, the remembered (refused) one tried first; exec works', async () => {
    const l = labOf();
    const [first, second] = l.bastion!.ports as [number, number];
    const from = tunnelLog(l).length;
    const refused = l.uplink(dev(l).id, second);
    const open = l.uplink(dev(l).id, first);
    refused.resetCounters();
    open.resetCounters();
    refused.set({ cut: true }); // closes the live tunnel's connection too
    const took = await untilLoggedIn(l, first, 120, from);
    const log = tunnelLog(l).slice(from);
    expect(log).toContain(`jfleet-tunnel: the tunnel on port ${second} ended (ssh exit 255)`);
    expect(log.indexOf(`port ${second} (1 of 2)`)).toBeGreaterThan(-1);
    expect(log.indexOf(`port ${second} (1 of 2)`)).toBeLessThan(log.indexOf(`port ${first} (2 of 2)`));
    expect(log).toContain(`jfleet-tunnel: port ${second} did not log in (ssh exit 255)`);
    expect(open.counters.connections).toBe(1);
    expect(remembered(l)).toBe(String(first));
    expect(await execThrough(l)).toEqual({ code: 0, out: `${dev(l).id}\n${first}` });
    // RestartSec 15 + start spread + one refused attempt (no ConnectTimeout to wait out)
    console.log(`tunnel-ports: second port refused, back on the first ${took.toFixed(1)} s after the cut`);
    expect(took).toBeLessThan(15 + 30 + 2 + 15);
    refused.set({ cut: false });
  }, 180_000);

  it('both open again: after a reboot the remembered port is the only one dialed', async () => {
    const l = labOf();
    const [first, second] = l.bastion!.ports as [number, number];
    await l.powerOff(dev(l).id);
    const a = l.uplink(dev(l).id, first);
    const b = l.uplink(dev(l).id, second);
    a.resetCounters();
    b.resetCounters();
    await l.powerOn(dev(l).id);
    await untilLoggedIn(l, first, 90);
    expect(tunnelLog(l)).not.toContain(`port ${second}`);
    expect(a.counters.connections).toBe(1);
    expect(b.counters.connections).toBe(0);
    expect(await execThrough(l)).toEqual({ code: 0, out: `${dev(l).id}\n${first}` });
  }, 150_000);
});
