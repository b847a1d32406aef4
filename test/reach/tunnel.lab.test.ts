/**
 * Reach behind carrier NAT, on real sshd: a lab bastion laid out by jfleet bastion init/add's
 * code, kiosks in their own network namespace (nothing can connect in) whose only way out is their
 * uplink (4G emulation, NAT idle timeout), each holding jfleet-tunnel.service's reverse forward as
 * in the field (run by the lab init: no systemd in the lab). The runner reaches them through one
 * connection to the bastion, end to end to each kiosk's own sshd.
 *
 * Device 0 is staged the field way (provision --direct on the "office LAN", then deployed behind
 * NAT); 1-3 start behind NAT with the recipe's tunnel files staged. Keepalive 10 s x 2 so the
 * arithmetic of a link cut runs in seconds; the cut's length is JFLEET_TEST_CUT_S (default 30 s;
 * the 10 minutes: JFLEET_TEST_CUT_S=600). Destructive cases (rogue, revoke) come last.
 */
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import ssh2 from 'ssh2';
import { afterAll, describe, expect, it } from 'vitest';
import { tunnelUser } from '../../src/inventory/bastions.js';
import { generateEd25519 } from '../../src/transport/keygen.js';
import { at } from '../helpers/at.js';
import { jfleet } from '../helpers/cli.js';
import { useLab, type Lab } from '../lab/lab.js';

const INTERVAL = 10;
const COUNT = 2;
const CUT_S = Number(process.env.JFLEET_TEST_CUT_S ?? 30);
const labOf = useLab(4, { tunnelled: [1, 2, 3], tunnelKeepalive: { interval: INTERVAL, count: COUNT }, uplink: { latencyMs: 60, kbps: 2000 } });
const work = mkdtempSync(join(tmpdir(), 'jfleet-reach-lab-'));
/** the host's own TCP keepalive time, read before the lab starts: the lab must leave it alone */
const HOST_KEEPALIVE_TIME = readFileSync('/proc/sys/net/ipv4/tcp_keepalive_time', 'utf8').trim();
afterAll(() => rmSync(work, { recursive: true, force: true }));

const run = (l: Lab, args: string[], timeoutMs = 120_000) => jfleet(args, { env: l.env, timeoutMs });
const id = (l: Lab, i: number) => at(l.devices, i).id;
const bastionLog = (l: Lab) => readFileSync(join(l.bastion!.rootDir(), 'run/jfleet-lab/sshd.log'), 'utf8');
const tunnelLog = (l: Lab, i: number) => {
  try {
    return readFileSync(join(at(l.devices, i).rootDir, 'run/jfleet-lab/jfleet-tunnel.service.log'), 'utf8');
  } catch {
    return '';
  }
};
const files = (l: Lab) => ({
  packages: readFileSync(join(l.inventoryDir, 'packages.yaml'), 'utf8'),
  bastions: readFileSync(join(l.inventoryDir, 'bastions.yaml'), 'utf8'),
});

/** OpenSSH's client with a device's tunnel key, against the bastion (what a stolen kiosk could try). */
function asDevice(l: Lab, i: number, args: string[]): Promise<{ code: number; out: string }> {
  const d = at(l.devices, i);
  const key = join(work, `${d.id}.key`);
  copyFileSync(join(d.upperDir, 'etc/jfleet/tunnel_ed25519'), key);
  chmodSync(key, 0o600);
  const b = l.bastion!;
  const argv = [
    '-F',
    'none',
    '-i',
    key,
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
  ];
  argv.push('-o', 'ConnectTimeout=10', '-p', String(at(b.ports, 0)), ...args.map((a) => a.replace('@B', `@${b.address}`)));
  return new Promise((resolve) => {
    execFile('ssh', argv, { timeout: 20_000 }, (e, stdout, stderr) =>
      resolve({ code: e ? Number((e as { code?: number }).code ?? -1) : 0, out: `${stdout}${stderr}` }),
    );
  });
}

async function execOk(l: Lab, ids: string[]): Promise<Record<string, string>> {
  const r = await run(l, ['exec', '--limit', ids.join(','), '--json', '--', 'hostname']);
  const res = JSON.parse(r.stdout || '{"results":[]}') as { results: Array<{ id: string; stdout: string; error?: string }> };
  return Object.fromEntries(res.results.map((x) => [x.id, x.error ?? x.stdout.trim()]));
}

/** Until exec on the device succeeds; returns the seconds it took. */
async function untilReachable(l: Lab, dev: string, boundS: number): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    const r = await execOk(l, [dev]);
    if (r[dev] === dev) return (Date.now() - t0) / 1000;
    if (Date.now() - t0 > boundS * 1000) throw new Error(`${dev} not reachable within ${boundS} s: ${r[dev]}`);
    await sleep(1000);
  }
}

describe('reach: tunnel (real sshd, behind simulated carrier NAT)', () => {
  it('exec reaches every tunnelled kiosk over ONE bastion connection; a direct connection is refused', async () => {
    const l = labOf();
    for (const i of [1, 2, 3]) await l.waitTunnel(id(l, i), 60_000);
    const before = (bastionLog(l).match(/Accepted publickey for jfleet /g) ?? []).length;
    const r = await execOk(l, [id(l, 1), id(l, 2), id(l, 3)]);
    expect(r).toEqual({ [id(l, 1)]: id(l, 1), [id(l, 2)]: id(l, 2), [id(l, 3)]: id(l, 3) });
    expect((bastionLog(l).match(/Accepted publickey for jfleet /g) ?? []).length - before).toBe(1);
    const d = at(l.devices, 1);
    const refused = await new Promise<string>((resolve) => {
      const s = connect(d.port, d.address);
      s.once('connect', () => resolve('connected'));
      s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
  }, 120_000);

  it("the tunnel's TCP keepalive: the recipe's sysctl drop-in applied in the kiosk's own network namespace (never the host's), the tunnel's ssh socket keepalive-armed", async () => {
    const l = labOf();
    const d = at(l.devices, 1);
    await l.waitTunnel(d.id, 60_000);
    const sysctl = (args: string[]) =>
      new Promise<string>((resolve, reject) => execFile('nsenter', args, (e, out) => (e ? reject(e) : resolve(out.trim().split(/\s+/).join(' ')))));
    const keys = ['net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes'];
    expect(await sysctl(['-t', String(d.initPid), '-n', 'sysctl', '-n', ...keys])).toBe('120 30 4');
    expect(readFileSync('/proc/sys/net/ipv4/tcp_keepalive_time', 'utf8').trim()).toBe(HOST_KEEPALIVE_TIME);
    const ss = await new Promise<string>((resolve, reject) =>
      execFile('nsenter', ['-t', String(d.initPid), '-n', 'ss', '-tnoH', 'state', 'established', 'dst', l.bastion!.address], (e, out) =>
        e ? reject(e) : resolve(out),
      ),
    );
    expect(ss).toMatch(/timer:\(keepalive,/);
    // the namespace's own counters see the tunnel's packets (bench/tunnel.mjs measures the wire with them)
    const c = l.netCounters(d.id);
    expect(c.outOctets).toBeGreaterThan(0);
    expect(l.tunnelSockets(d.id)).toHaveLength(1);
  }, 90_000);

  it('staging: provision --direct on the office LAN, then behind NAT: provision --check, sweep and rollout work through the tunnel', async () => {
    const l = labOf();
    const dev = id(l, 0);
    const edit = readFileSync(join(l.inventoryDir, 'packages.yaml'), 'utf8').replace(
      new RegExp(`(- id: ${dev}\\n)`),
      `$1    reach: tunnel\n    bastion: lab-bastion\n`,
    );
    writeFileSync(join(l.inventoryDir, 'packages.yaml'), edit);
    const staged = await run(l, ['provision', '--limit', dev, '--direct', '--yes', '--json'], 170_000);
    expect(staged.exitCode, staged.stdout.slice(-1500)).toBe(0);
    await l.goBehindNat(dev);
    await l.waitTunnel(dev, 60_000);
    const check = await run(l, ['provision', '--limit', dev, '--check', '--json']);
    expect(check.exitCode, check.stdout.slice(-1500)).toBe(0);
    const summary = JSON.parse(check.stdout) as { total?: { changed: number; failed: number } };
    expect(summary.total).toMatchObject({ changed: 0, failed: 0 });
    const sweep = await run(l, ['sweep', '--limit', dev, '--json']);
    expect(JSON.parse(sweep.stdout).devices[0]).toMatchObject({ id: dev });
    expect(JSON.parse(sweep.stdout).devices[0].state).not.toBe('unreachable');
    // the tunnel is its own fact: connected since its socket's bind time, seen by this sweep
    const st = JSON.parse((await run(l, ['status', '--json', '--limit', dev])).stdout) as Array<{ id: string; tunnel?: Record<string, unknown> }>;
    expect(at(st, 0).tunnel).toMatchObject({ bastion: 'lab-bastion', state: 'up', error: null });
    expect(Date.parse(String(at(st, 0).tunnel?.connectedSince))).toBeGreaterThan(Date.now() - 600_000);
    expect(Date.parse(String(at(st, 0).tunnel?.lastSeen))).toBeGreaterThan(Date.now() - 120_000);
    const b = join(work, 'rel');
    mkdirSync(join(b, 'www'), { recursive: true });
    writeFileSync(join(b, 'www/index.html'), '<!doctype html><title>kiosk 1.0.0</title>\n');
    expect((await run(l, ['release', 'add', b, '--version', '1.0.0'])).exitCode).toBe(0);
    const ro = await run(l, ['rollout', '--release', '1.0.0', '--limit', dev, '--waves', '100%', '--json', '--gate-timeout', '60'], 170_000);
    expect(ro.exitCode, ro.stdout.slice(-1500)).toBe(0);
    expect(readFileSync(join(at(l.devices, 0).upperDir, 'opt/jfleet-kiosk/current/manifest.json'), 'utf8')).toContain('"1.0.0"');
  }, 400_000);

  it('a device key gets no shell, no PTY, no TCP forward, cannot bind or open another kiosk socket', async () => {
    const l = labOf();
    const other = id(l, 2);
    const shell = await asDevice(l, 1, [`${tunnelUser(id(l, 1))}@B`, 'id']);
    expect(shell.out).not.toMatch(/uid=/);
    expect(shell.code).not.toBe(0);
    const pty = await asDevice(l, 1, ['-tt', `${tunnelUser(id(l, 1))}@B`]);
    expect(pty.out).toMatch(/PTY allocation request failed/);
    const local = await asDevice(l, 1, ['-W', '127.0.0.1:22', `${tunnelUser(id(l, 1))}@B`]);
    expect(local.out).toMatch(/open failed|administratively prohibited/);
    const remote = await asDevice(l, 1, ['-N', '-o', 'ExitOnForwardFailure=yes', '-R', '127.0.0.1:0:127.0.0.1:22', `${tunnelUser(id(l, 1))}@B`]);
    expect(remote.out).toMatch(/remote port forwarding failed/);
    const bind = await asDevice(l, 1, [
      '-N',
      '-o',
      'ExitOnForwardFailure=yes',
      '-R',
      `/run/jfleet/${other}/ssh.sock:127.0.0.1:22`,
      `${tunnelUser(id(l, 1))}@B`,
    ]);
    expect(bind.out).toMatch(/remote port forwarding failed/);
    // open another kiosk's socket (direct-streamlocal), as ssh2 asks for it
    const open = await new Promise<string>((resolve) => {
      const c = new ssh2.Client();
      c.on('ready', () =>
        c.openssh_forwardOutStreamLocal(`/run/jfleet/${other}/ssh.sock`, (e) => {
          c.end();
          resolve(e ? `refused: ${e.message}` : 'opened');
        }),
      );
      c.on('error', (e) => resolve(`error: ${e.message}`));
      c.connect({
        host: l.bastion!.address,
        port: at(l.bastion!.ports, 0),
        username: tunnelUser(id(l, 1)),
        privateKey: readFileSync(join(at(l.devices, 1).upperDir, 'etc/jfleet/tunnel_ed25519')),
      });
    });
    expect(open).toMatch(/^refused: /);
    // the other kiosk is still there, its socket untouched
    expect(await execOk(l, [other])).toEqual({ [other]: other });
  }, 120_000);

  it(
    `a ${CUT_S} s link cut: the tunnel is back and exec succeeds within ServerAliveInterval x CountMax + 60 s of the restore, first try`,
    async () => {
      const l = labOf();
      const dev = id(l, 1);
      await l.waitTunnel(dev, 60_000);
      const up = l.uplink(dev);
      const conns = up.counters.connections;
      up.set({ blackhole: true });
      await sleep(CUT_S * 1000);
      up.set({ blackhole: false });
      const took = await untilReachable(l, dev, INTERVAL * COUNT + 60);
      expect(took).toBeLessThanOrEqual(INTERVAL * COUNT + 60);
      // the bastion still held the old session (ClientAlive 660 s): the new one replaced its socket at once
      expect(tunnelLog(l, 1)).not.toMatch(/remote port forwarding failed/);
      // connections made after the restore: the first one held (one per failed attempt during the cut at most)
      const after = up.counters.connections - conns;
      expect(after).toBeGreaterThanOrEqual(1);
      expect(after).toBeLessThanOrEqual(1 + Math.ceil(CUT_S / 15));
    },
    (CUT_S + INTERVAL * COUNT + 120) * 1000,
  );

  it('the bastion restarted: every tunnel is back and reachable', async () => {
    const l = labOf();
    await l.bastion!.restart();
    const t0 = Date.now();
    for (const i of [0, 1, 2, 3]) await l.waitTunnel(id(l, i), 120_000);
    const r = await execOk(
      l,
      [0, 1, 2, 3].map((i) => id(l, i)),
    );
    expect(Object.values(r)).toEqual([0, 1, 2, 3].map((i) => id(l, i)));
    expect(Date.now() - t0).toBeLessThan(300_000);
  }, 200_000);

  it('bad input: the bastion key changed -> one line per device, exit 1, nothing written', async () => {
    const l = labOf();
    const before = files(l);
    const other = generateEd25519('impostor').publicKey.split(' ').slice(0, 2).join(' ');
    writeFileSync(join(l.inventoryDir, 'bastions.yaml'), before.bastions.replace(/hostKey: [\s\S]*?\n(\s+\w+:)/, `hostKey: ${other}\n$1`));
    const changed = files(l);
    const r = await run(l, ['exec', '--limit', id(l, 1), '--', 'true']);
    writeFileSync(join(l.inventoryDir, 'bastions.yaml'), before.bastions);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/host key of bastion lab-bastion changed: pinned SHA256:\S+, offered SHA256:\S+; if bastion lab-bastion was rebuilt/);
    expect(files(l).packages).toBe(changed.packages);
  }, 60_000);

  it('bad input: a package registered for a tunnel that never connected -> one line, exit 1, nothing written', async () => {
    const l = labOf();
    const before = files(l);
    const ghost = `${before.packages.trimEnd()}\n  - id: kiosk-never-connected\n    village: 35.09.13.2006\n    address: 127.0.0.9\n    reach: tunnel\n    bastion: lab-bastion\n    registeredAt: 2026-01-01T00:00:00Z\n`;
    writeFileSync(join(l.inventoryDir, 'packages.yaml'), ghost);
    const r = await run(l, ['exec', '--limit', 'kiosk-never-connected', '--', 'true']);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/kiosk-never-connected unreachable: its tunnel is not connected to bastion lab-bastion/);
    expect(readFileSync(join(l.inventoryDir, 'packages.yaml'), 'utf8')).toBe(ghost);
    writeFileSync(join(l.inventoryDir, 'packages.yaml'), before.packages);
  }, 60_000);

  it('a rogue sshd bound to a kiosk socket is refused by the kiosk host-key pin', async () => {
    const l = labOf();
    const dev = id(l, 2);
    const before = files(l);
    await l.powerOff(dev); // its tunnel is gone; someone with root on the bastion binds its socket
    const path = l.bastion!.socketOf(dev);
    rmSync(path, { force: true });
    // the rogue: a real sshd with another host key (the bastion's own), behind the kiosk's socket
    const open = new Set<Socket>();
    const rogue: Server = createServer((c) => {
      const up = connect(at(l.bastion!.ports, 0), l.bastion!.address);
      for (const s of [c, up]) {
        open.add(s);
        s.on('close', () => open.delete(s));
        s.on('error', () => undefined);
      }
      c.pipe(up).pipe(c);
      c.on('close', () => up.destroy());
      up.on('close', () => c.destroy());
    });
    await new Promise<void>((resolve) => rogue.listen(path, resolve));
    chmodSync(path, 0o666);
    try {
      const r = await run(l, ['exec', '--limit', dev, '--', 'true']);
      expect(r.exitCode).toBe(1);
      expect(r.stdout).toMatch(new RegExp(`host key of ${dev} changed: pinned SHA256:\\S+, offered SHA256:\\S+`));
      expect(files(l)).toEqual(before);
    } finally {
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => rogue.close(() => resolve()));
      await l.powerOn(dev);
    }
  }, 90_000);

  it('bastion revoke drops the live session within seconds and refuses the next; exec then says so', async () => {
    const l = labOf();
    const dev = id(l, 3);
    await l.waitTunnel(dev, 90_000);
    const before = files(l);
    const t0 = Date.now();
    const { killed } = l.bastion!.revoke(dev);
    expect(killed).toBeGreaterThan(0);
    // the socket is gone at once; the kiosk's next login is refused (its key was removed, its user locked)
    const r = await run(l, ['exec', '--limit', dev, '--', 'true']);
    expect(Date.now() - t0).toBeLessThan(5_000 + 10_000);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`${dev} unreachable: its tunnel is not connected to bastion lab-bastion`));
    expect(files(l)).toEqual(before);
    // a sweep then tells the link is down (not the kiosk broken), keeping when it was last seen
    await run(l, ['sweep', '--limit', dev, '--json']);
    const st = JSON.parse((await run(l, ['status', '--json', '--limit', dev])).stdout) as Array<{ id: string; tunnel?: Record<string, unknown> }>;
    expect(at(st, 0).tunnel).toMatchObject({ state: 'down', connectedSince: null });
    const deadline = Date.now() + 60_000;
    while (!/Permission denied/.test(tunnelLog(l, 3)) && Date.now() < deadline) await sleep(500);
    expect(tunnelLog(l, 3)).toMatch(/Permission denied \(publickey\)/);
  }, 120_000);
});
