/**
 * Issue 3 proof on a lab of real sshd devices: exec on all, a powered-off device is unreachable
 * while the others succeed, a hung device times out within the bound, a changed host key is
 * refused with both fingerprints and accepted after `hostkey accept --expect`, hostile inventory values
 * cannot inject, SFTP round-trips bytes exactly, a device behind a jump host is reached.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { useLab } from '../lab/lab.js';
import { BIN, jfleet, tempHome } from '../helpers/cli.js';
import { execa } from 'execa';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadInventory } from '../../src/inventory/load.js';
import { updateInventory } from '../../src/inventory/store.js';
import { createPool } from '../../src/transport/pool.js';
import { fleetPoolOptions } from '../../src/fleet-pool.js';
import { configReader } from '../../src/config/config.js';
import { fanOut } from '../../src/transport/fanout.js';
import { commandLine } from '../../src/transport/shell.js';
import { HostKeyMismatchError, TransportError } from '../../src/transport/types.js';
import type { Package } from '../../src/inventory/schema.js';
import { at } from '../helpers/at.js';

const N = 22; // devices 0..19 plain, 20 = jump host, 21 = password-only
const lab = useLab(N, { passwordOnly: [21] });

const home = tempHome();
const run = (args: string[], timeoutMs = 120_000) =>
  jfleet(args, { home, env: { JFLEET_INVENTORY: lab().inventoryDir, JFLEET_KEY_FILE: lab().keyFile }, timeoutMs });
const pkgs = () => loadInventory(lab().inventoryDir).packages;
const pkg = (id: string) => pkgs().find((p) => p.id === id)!;
const ctx = () => ({ env: { HOME: home, JFLEET_KEY_FILE: lab().keyFile }, home, cwd: process.cwd(), config: configReader({ home, env: {} }) });
const id = (i: number) => at(lab().devices, i).id;

interface ExecJson {
  summary: Record<string, number>;
  results: Array<{ id: string; status: string; exitCode: number | null; stdout: string; stderr: string; error: string | null; durationMs: number }>;
}

describe('jfleet exec on a lab', () => {
  it('runs a command on every device, output prefixed by device id', async () => {
    const limit = lab()
      .devices.filter((d) => !d.passwordOnly)
      .map((d) => d.id)
      .join(',');
    const r = await run(['exec', '--limit', limit, '--', 'hostname']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    for (const d of lab().devices.filter((x) => !x.passwordOnly)) expect(r.stdout).toContain(`${d.id} | ${d.id}\n`);
    expect(r.stdout).toContain(`recap: ${N - 1} devices: ok ${N - 1}, failed 0, unreachable 0, auth failed 0`);
  });

  it('a powered-off device is unreachable and the others succeed (exit 1, @failed)', async () => {
    const off = id(1);
    await lab().powerOff(off);
    try {
      const limit = lab()
        .devices.slice(0, 20)
        .map((d) => d.id)
        .join(',');
      const r = await run(['exec', '--json', '--limit', limit, '--', 'cat /proc/uptime']);
      expect(r.exitCode).toBe(1);
      const j = JSON.parse(r.stdout) as ExecJson;
      expect(j.summary, JSON.stringify(j.results.filter((x) => x.status !== 'ok').slice(0, 3))).toMatchObject({ total: 20, ok: 19, unreachable: 1 });
      const dead = j.results.find((x) => x.id === off)!;
      expect(dead.status).toBe('unreachable');
      expect(dead.error).toMatch(/refused/);
      for (const x of j.results.filter((y) => y.id !== off)) expect(x.stdout).toMatch(/^\d+\.\d+ \d+\.\d+\n$/);
      // the failed device is what @failed selects next
      const again = await run(['exec', '--json', '--limit', '@failed', '--', 'true']);
      expect((JSON.parse(again.stdout) as ExecJson).results.map((x) => x.id)).toEqual([off]);
    } finally {
      await lab().powerOn(off);
    }
    const back = await run(['exec', '--limit', off, '--', 'true']);
    expect(back.exitCode).toBe(0);
  });

  it('Ctrl-C: exit 130, every device cut off shown as cancelled (not unreachable), and @failed keeps what it held', async () => {
    const ids = lab()
      .devices.slice(2, 6)
      .map((d) => d.id);
    const before = await run(['exec', '--limit', at(ids, 0), '--', 'false']);
    expect(before.exitCode).toBe(1);
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      JFLEET_HOME: home,
      CI: 'true',
      NO_COLOR: '1',
      JFLEET_INVENTORY: lab().inventoryDir,
      JFLEET_KEY_FILE: lab().keyFile,
    };
    const p = execa('node', [BIN, 'exec', '--json', '--limit', ids.join(','), '--', 'sleep 30'], { env, extendEnv: false, reject: false, timeout: 60_000 });
    await sleep(2500);
    p.kill('SIGINT');
    const r = await p;
    expect(r.exitCode).toBe(130);
    const j = JSON.parse(String(r.stdout)) as ExecJson;
    expect(j.summary).toMatchObject({ total: 4, ok: 0, unreachable: 0, cancelled: 4 });
    for (const x of j.results) expect(x).toMatchObject({ status: 'cancelled', error: 'stopped by Ctrl-C before it finished' });
    // the device that really failed before is still @failed; the cancelled ones were not added
    const again = await run(['exec', '--json', '--limit', '@failed', '--', 'true']);
    expect((JSON.parse(again.stdout) as ExecJson).results.map((x) => x.id)).toEqual([ids[0]]);
  });

  it('a hung device times out within the bound; the rest finish', async () => {
    const hung = id(2);
    lab().hang(hung);
    try {
      const t0 = Date.now();
      const r = await run(['exec', '--json', '--timeout', '3', '--limit', `${hung},${id(3)},${id(4)}`, '--', 'uptime']);
      const wall = Date.now() - t0;
      expect(r.exitCode).toBe(1);
      const j = JSON.parse(r.stdout) as ExecJson;
      const h = j.results.find((x) => x.id === hung)!;
      expect(h.status).toBe('timeout');
      expect(h.error).toMatch(/did not complete the SSH handshake within 3000 ms/);
      expect(h.durationMs).toBeLessThan(4500);
      expect(wall).toBeLessThan(9000); // includes node start-up of the CLI
      expect(j.summary.ok).toBe(2);
    } finally {
      lab().resume(hung);
    }
  });

  it('a command that runs too long is cut at --timeout', async () => {
    const t0 = Date.now();
    const r = await run(['exec', '--json', '--timeout', '2', '--limit', id(5), '--', 'sleep 30']);
    expect(r.exitCode).toBe(1);
    const j = JSON.parse(r.stdout) as ExecJson;
    expect(j.results[0]).toMatchObject({ status: 'timeout' });
    expect(at(j.results, 0).error).toMatch(/timed out after 2000 ms/);
    expect(Date.now() - t0).toBeLessThan(8000);
  });

  it('a changed host key is refused with both fingerprints, and accepted after hostkey accept', async () => {
    const dev = id(6);
    const old = pkg(dev).hostKey!;
    expect(old).toBe(at(lab().devices, 6).hostKey);
    const fresh = await lab().changeHostKey(dev);
    expect(fresh).not.toBe(old);
    const r = await run(['exec', '--limit', dev, '--', 'true']);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain(old);
    expect(r.stdout).toContain(fresh);
    expect(r.stdout).toContain(`jfleet hostkey accept ${dev}`);
    expect(pkg(dev).hostKey).toBe(old); // nothing re-pinned silently
    const sh = await run(['ssh', dev, '--', 'true']);
    expect(sh.exitCode).toBe(1);
    expect(sh.stderr).toBe(
      `jfleet: error: host key of ${dev} changed: pinned ${old}, offered ${fresh}; if the device was reinstalled, run: jfleet hostkey accept ${dev}\n`,
    );
    // the pool refuses too, with a typed error carrying both
    const pool = createPool(ctx(), { ...fleetPoolOptions(ctx(), { inventoryDir: lab().inventoryDir, packages: pkgs() }) });
    const err = await pool.get(pkg(dev)).catch((e: unknown) => e);
    await pool.closeAll();
    expect(err).toBeInstanceOf(HostKeyMismatchError);
    expect((err as HostKeyMismatchError).expected).toBe(old);
    expect((err as HostKeyMismatchError).actual).toBe(fresh);

    // a script must say which key it expects; the device then proves it in a completed handshake
    const refused = await run(['hostkey', 'accept', dev]);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('missing --expect');
    const wrong = await run(['hostkey', 'accept', dev, '--expect', old]);
    expect(wrong.exitCode).toBe(2);
    expect(wrong.stderr).toContain(`${dev} proves host key ${fresh}, not the expected ${old}; nothing was pinned`);
    expect(pkg(dev).hostKey).toBe(old);
    const acc = await run(['hostkey', 'accept', dev, '--expect', fresh]);
    expect(acc.exitCode).toBe(0);
    expect(acc.stdout).toBe(`${dev}: host key pinned ${fresh} (was ${old})\n`);
    expect(pkg(dev).hostKey).toBe(fresh);
    const ok = await run(['exec', '--limit', dev, '--', 'hostname']);
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toContain(`${dev} | ${dev}`);
  });

  it('a hostile inventory value cannot inject shell', async () => {
    const dev = id(7);
    // shell syntax but no $ ` [ ] <( >(: text wherever the placeholder is a word of its own
    const hostile = `x'"; touch /tmp/pwned1; (touch /tmp/pwned2) | touch /tmp/pwned3 ' ; echo "HOME" && touch /tmp/pwned4 #`;
    // what bash would run in arithmetic (a subscript) or as a substitution: refused, no device contacted
    const code = ['x[$(touch /tmp/pwned5)]', '`touch /tmp/pwned6`', '$(touch /tmp/pwned7)'];
    await updateInventory(lab().inventoryDir, (ps) => {
      for (const p of ps) if (p.id === dev) p.vars = { ...(p.vars ?? {}), note: hostile, n: at(code, 0), m: at(code, 1), k: at(code, 2) };
    });
    const line = await run(['exec', '--json', '--limit', dev, '--', 'printf "[%s]" {var.note} "{var.note}"']);
    const argv = await run(['exec', '--json', '--limit', dev, '--', 'printf', '%s', 'note={var.note}']);
    expect(line.exitCode).toBe(0);
    expect(argv.exitCode).toBe(0);
    expect(at((JSON.parse(line.stdout) as ExecJson).results, 0).stdout).toBe(`[${hostile}][${hostile}]`);
    expect(at((JSON.parse(argv.stdout) as ExecJson).results, 0).stdout).toBe(`note=${hostile}`);
    for (const [v, args] of [
      ['n', ['echo $(( {var.n} + 1 ))']],
      ['m', ['[[ {var.m} -gt 1 ]]']],
      ['k', ['bash', '-c', 'echo {var.k}']],
    ] as const) {
      const r = await run(['exec', '--limit', dev, '--', ...args]);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^jfleet: error: ${dev} vars\\.${v}: refused for \\{var\\.${v}\\}`));
    }
    // and an inner script gets no free text spliced in
    const inner = await run(['exec', '--limit', dev, '--', `bash -c 'echo {var.note}'`]);
    expect(inner.exitCode).toBe(2);
    // and through the transport with commandLine()
    const pool = createPool(ctx(), { ...fleetPoolOptions(ctx(), { inventoryDir: lab().inventoryDir, packages: pkgs() }) });
    const t = await pool.get(pkg(dev));
    const r = await t.exec(commandLine(['printf', '%s', hostile]));
    await pool.closeAll();
    expect(r.stdout).toBe(hostile);
    expect(lab().run(dev, 'ls /tmp; ls /root')).not.toMatch(/pwned/);
    expect(existsSync(join(at(lab().devices, 7).upperDir, 'tmp'))).toBe(false);
  });

  it('SFTP put/get round-trips bytes exactly, and the write lands in the device upper layer', async () => {
    const dev = at(lab().devices, 8);
    const data = Buffer.concat([Buffer.from([...Array(256).keys()]), randomBytes(1 << 20)]);
    const pool = createPool(ctx(), { ...fleetPoolOptions(ctx(), { inventoryDir: lab().inventoryDir, packages: pkgs() }) });
    try {
      const t = await pool.get(pkg(dev.id));
      await t.put(data, '/var/tmp/jfleet-blob.bin', { mode: 0o640 });
      const back = await t.get('/var/tmp/jfleet-blob.bin');
      expect(back.equals(data)).toBe(true);
      expect((await t.exec('stat -c %a /var/tmp/jfleet-blob.bin')).stdout.trim()).toBe('640');
      expect(readFileSync(join(dev.upperDir, 'var/tmp/jfleet-blob.bin')).equals(data)).toBe(true);
      // one connection serves the run: a second get() is the same transport
      expect(await pool.get(pkg(dev.id))).toBe(t);
    } finally {
      await pool.closeAll();
    }
    expect(existsSync(join(at(lab().devices, 9).upperDir, 'var/tmp/jfleet-blob.bin'))).toBe(false);
  });

  it('reaches a device behind a jump host (another lab device) and only through it', async () => {
    const jump = at(lab().devices, 20);
    const target = at(lab().devices, 10);
    // a name only the jump host can resolve: the target is unreachable from here directly
    lab().run(jump.id, `echo "${target.address} kiosk-behind-nat" >> /etc/hosts`);
    const behind: Package = { ...pkg(target.id), address: 'kiosk-behind-nat' };
    const direct = createPool(ctx(), { ...fleetPoolOptions(ctx(), { inventoryDir: lab().inventoryDir, packages: pkgs() }), retries: 0 });
    const e = await direct.get(behind).catch((x: unknown) => x);
    await direct.closeAll();
    expect(e).toBeInstanceOf(TransportError);
    expect((e as TransportError).kind).toBe('unreachable');

    const pool = createPool(ctx(), { ...fleetPoolOptions(ctx(), { inventoryDir: lab().inventoryDir, packages: pkgs() }) });
    try {
      const t = await pool.get({ ...behind, jump: jump.id });
      const r = await t.exec('hostname; echo $SSH_CLIENT');
      expect(r.stdout.split('\n')[0]).toBe(target.id);
      // from the CLI: a package whose jump host is not in the selection
      const viaCli = at(lab().devices, 16);
      const saved = pkg(viaCli.id);
      await updateInventory(lab().inventoryDir, (ps) => {
        for (const p of ps) if (p.id === viaCli.id) Object.assign(p, { address: 'kiosk-behind-nat', jump: jump.id, hostKey: target.hostKey });
      });
      try {
        const r = await run(['exec', '--limit', viaCli.id, '--', 'hostname']);
        expect(r.exitCode).toBe(0);
        expect(r.stdout).toContain(`${viaCli.id} | ${target.id}\n`);
      } finally {
        await updateInventory(lab().inventoryDir, (ps) => ps.map((p) => (p.id === viaCli.id ? saved : p)));
      }
      // a pool given no package list reads the inventory to resolve the jump id
      const bare = createPool(ctx(), { ...fleetPoolOptions(ctx(), { inventoryDir: lab().inventoryDir }) });
      try {
        expect((await (await bare.get({ ...behind, id: 'via-inventory', jump: jump.id })).exec('hostname')).stdout).toBe(`${target.id}\n`);
      } finally {
        await bare.closeAll();
      }
      // and by [user@]host[:port]
      const t2 = await pool.get({ ...behind, id: 'via-spec', jump: `root@${jump.address}:${jump.port}` });
      expect((await t2.exec('hostname')).stdout).toBe(`${target.id}\n`);
    } finally {
      await pool.closeAll();
    }
    // that jump host's key is pinned in state/known_hosts.json; pins that cannot be read are
    // refused, never replaced by trusting whatever key the host offers now
    const pins = join(home, 'state', 'known_hosts.json');
    expect(JSON.parse(readFileSync(pins, 'utf8'))[`${jump.address}:${jump.port}`]).toBe(jump.hostKey);
    const good = readFileSync(pins, 'utf8');
    writeFileSync(pins, good.slice(0, 20));
    const again = createPool(ctx(), { ...fleetPoolOptions(ctx(), { inventoryDir: lab().inventoryDir, packages: pkgs() }), retries: 0 });
    try {
      const e2 = await again.get({ ...behind, id: 'via-spec-2', jump: `root@${jump.address}:${jump.port}` }).catch((x: unknown) => x);
      expect(e2).toBeInstanceOf(TransportError);
      expect((e2 as TransportError).kind).toBe('hostkey');
      expect((e2 as Error).message).toBe(`cannot read the pinned host keys in ${pins} (not a JSON object); not connecting to ${jump.address}:${jump.port}`);
      expect(readFileSync(pins, 'utf8')).toBe(good.slice(0, 20));
    } finally {
      await again.closeAll();
      writeFileSync(pins, good);
    }
  });

  it('honours ~/.ssh/config host aliases (HostName) where the inventory names an alias', async () => {
    const dev = at(lab().devices, 14);
    mkdirSync(join(home, '.ssh'), { recursive: true });
    writeFileSync(join(home, '.ssh', 'config'), `Host kiosk-alias-14\n  HostName ${dev.address}\n  Port ${dev.port}\n`);
    const pool = createPool(ctx(), { ...fleetPoolOptions(ctx(), { inventoryDir: lab().inventoryDir, packages: pkgs() }) });
    try {
      const t = await pool.get({ ...pkg(dev.id), address: 'kiosk-alias-14' });
      expect((await t.exec('hostname')).stdout).toBe(`${dev.id}\n`);
    } finally {
      await pool.closeAll();
      rmSync(join(home, '.ssh', 'config'));
    }
  });

  it('logs in with a key held by ssh-agent (no key file offered)', async () => {
    const dev = at(lab().devices, 15);
    const sock = join(home, 'agent.sock');
    const agent = execFileSync('ssh-agent', ['-a', sock, '-s'], { encoding: 'utf8' });
    const agentPid = Number(/SSH_AGENT_PID=(\d+)/.exec(agent)![1]);
    try {
      execFileSync('ssh-add', [lab().keyFile], { env: { SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
      const agentHome = tempHome();
      const agentCtx = {
        env: { HOME: agentHome, SSH_AUTH_SOCK: sock },
        home: agentHome,
        cwd: process.cwd(),
        config: configReader({ home: agentHome, env: {} }),
      };
      const pool = createPool(agentCtx, fleetPoolOptions(agentCtx, { inventoryDir: lab().inventoryDir, packages: pkgs() }));
      try {
        const t = await pool.get({ ...pkg(dev.id), identityFile: undefined });
        expect((await t.exec('hostname')).stdout).toBe(`${dev.id}\n`);
      } finally {
        await pool.closeAll();
      }
      // without the agent the same package has nothing to offer: auth
      const noAgentCtx = { env: { HOME: agentHome }, home: agentHome, cwd: process.cwd(), config: configReader({ home: agentHome, env: {} }) };
      const none = createPool(noAgentCtx, fleetPoolOptions(noAgentCtx, { inventoryDir: lab().inventoryDir, packages: pkgs() }));
      const e = await none.get({ ...pkg(dev.id), identityFile: undefined }).catch((x: unknown) => x);
      await none.closeAll();
      expect((e as TransportError).kind).toBe('auth');
    } finally {
      process.kill(agentPid, 'SIGTERM');
    }
  });

  it('classifies auth failures, and a password works only when given (bootstrap)', async () => {
    const pw = at(lab().devices, 21);
    const r = await run(['exec', '--json', '--limit', pw.id, '--', 'true']);
    expect(r.exitCode).toBe(1);
    expect(at((JSON.parse(r.stdout) as ExecJson).results, 0).status).toBe('auth');
    expect(r.stdout).toContain('"auth": 1');
    const pool = createPool(ctx(), {
      ...fleetPoolOptions(ctx(), { inventoryDir: lab().inventoryDir, packages: pkgs() }),
      password: lab().password,
      agent: false,
    });
    try {
      const t = await pool.get(pkg(pw.id));
      expect((await t.exec('hostname')).stdout).toBe(`${pw.id}\n`);
    } finally {
      await pool.closeAll();
    }
  });

  it('pins an unpinned device on first contact (trust on first use)', async () => {
    const dev = at(lab().devices, 11);
    await updateInventory(lab().inventoryDir, (ps) => {
      for (const p of ps) if (p.id === dev.id) delete p.hostKey;
    });
    expect(pkg(dev.id).hostKey).toBeUndefined();
    const r = await run(['exec', '--limit', dev.id, '--', 'true']);
    expect(r.exitCode).toBe(0);
    expect(pkg(dev.id).hostKey).toBe(dev.hostKey);
    // a caller holding a stale copy without the pin still cannot trust another key
    const other = at(lab().devices, 17);
    await updateInventory(lab().inventoryDir, (ps) => {
      for (const p of ps) if (p.id === other.id) p.hostKey = dev.hostKey; // pinned: a key that is not its own
    });
    const stale = { ...pkg(other.id), hostKey: undefined };
    const pool = createPool(ctx(), { ...fleetPoolOptions(ctx(), { inventoryDir: lab().inventoryDir, packages: pkgs() }) });
    const e = await pool.get(stale).catch((x: unknown) => x);
    await pool.closeAll();
    expect(e).toBeInstanceOf(HostKeyMismatchError);
    expect((e as HostKeyMismatchError).expected).toBe(dev.hostKey);
    expect((e as HostKeyMismatchError).actual).toBe(other.hostKey);
    expect(pkg(other.id).hostKey).toBe(dev.hostKey);
    await updateInventory(lab().inventoryDir, (ps) => {
      for (const p of ps) if (p.id === other.id) p.hostKey = other.hostKey;
    });
  });

  it('closing an open connection to a device that has since hung drops the socket within the bound', async () => {
    const dev = at(lab().devices, 13);
    const pool = createPool(ctx(), { ...fleetPoolOptions(ctx(), { inventoryDir: lab().inventoryDir, packages: pkgs() }) });
    const sockets = () =>
      (process as unknown as { _getActiveHandles(): unknown[] })
        ._getActiveHandles()
        .filter((h) => (h as { remoteAddress?: string }).remoteAddress === dev.address).length;
    try {
      const t = await pool.get(pkg(dev.id));
      expect((await t.exec('echo up')).stdout).toBe('up\n');
      expect(sockets()).toBe(1);
      lab().hang(dev.id);
      const started = Date.now();
      await pool.closeAll();
      expect(Date.now() - started).toBeLessThan(3000);
      await new Promise((res) => setTimeout(res, 100)); // a destroyed socket leaves the handle list on the next turn
      // a daemon stopping must not be kept alive by a device that never answers the disconnect
      expect(sockets()).toBe(0);
    } finally {
      lab().resume(dev.id);
      await pool.closeAll();
    }
  });

  it('a session killed mid-command is reported as a lost connection; the pool reconnects', async () => {
    const dev = at(lab().devices, 12);
    const pool = createPool(ctx(), { ...fleetPoolOptions(ctx(), { inventoryDir: lab().inventoryDir, packages: pkgs() }) });
    try {
      const t = await pool.get(pkg(dev.id));
      const running = t.exec('sleep 20').catch((e: unknown) => e);
      await new Promise((res) => setTimeout(res, 500));
      lab().killSessions(dev.id);
      const e = await running;
      expect(e).toBeInstanceOf(TransportError);
      expect((e as TransportError).kind).toBe('unreachable');
      expect((e as Error).message).toMatch(/lost/);
      const t2 = await pool.get(pkg(dev.id));
      expect(t2).not.toBe(t);
      expect((await t2.exec('echo again')).stdout).toBe('again\n');
    } finally {
      await pool.closeAll();
    }
  });

  it('works over a slow link (userspace proxy: latency, bandwidth cap) and fails fast when it is cut', async () => {
    const dev = at(lab().devices, 13);
    const sshPort = dev.port;
    const link = await lab().addLink(dev.id, { latencyMs: 80, kbps: 2000 });
    try {
      expect(pkg(dev.id).port).toBe(link.port);
      const t0 = Date.now();
      const r = await run(['exec', '--json', '--limit', dev.id, '--', 'head -c 20000 /dev/zero | base64 | wc -c']);
      expect(r.exitCode).toBe(0);
      const b64 = Math.ceil(20000 / 3) * 4;
      expect(at((JSON.parse(r.stdout) as ExecJson).results, 0).stdout.trim()).toBe(String(b64 + Math.ceil(b64 / 76)));
      // a handshake needs several round trips of 2×80 ms
      expect(at((JSON.parse(r.stdout) as ExecJson).results, 0).durationMs).toBeGreaterThan(500);
      expect(Date.now() - t0).toBeGreaterThan(500);
      link.set({ cut: true });
      const cut = await run(['exec', '--json', '--limit', dev.id, '--', 'true']);
      expect(cut.exitCode).toBe(1);
      expect(['unreachable', 'timeout']).toContain(at((JSON.parse(cut.stdout) as ExecJson).results, 0).status);
    } finally {
      await lab().removeLink(dev.id);
    }
    expect(pkg(dev.id).port).toBe(sshPort);
  });

  it("compresses a device's session (zlib@openssh.com from the device's own sshd): 200 KB of repetitive output crosses its link as a few KB, and all of it with sshCompression none", async () => {
    const dev = at(lab().devices, 13);
    const link = await lab().addLink(dev.id, { latencyMs: 5 });
    const onLink = async (env: Record<string, string>) => {
      link.resetCounters();
      const r = await jfleet(
        ['exec', '--json', '--limit', dev.id, '--', 'head -c 200000 /dev/zero | tr "\\0" k | wc -c; head -c 200000 /dev/zero | tr "\\0" k'],
        {
          home,
          env: { JFLEET_INVENTORY: lab().inventoryDir, JFLEET_KEY_FILE: lab().keyFile, ...env },
        },
      );
      expect(r.exitCode, r.stderr).toBe(0);
      const out = at((JSON.parse(r.stdout) as ExecJson).results, 0).stdout;
      expect(out.startsWith('200000\n')).toBe(true);
      expect(out.length).toBe('200000\n'.length + 200000);
      return link.counters.down;
    };
    try {
      const compressed = await onLink({});
      const plain = await onLink({ JFLEET_SSH_COMPRESSION: 'none' });
      expect(plain).toBeGreaterThan(200000);
      // the handshake (~2-3 KB) and a deflated run of one letter
      expect(compressed).toBeLessThan(12000);
    } finally {
      await lab().removeLink(dev.id);
    }
  });

  it('fans out over the pool with a concurrency limit', async () => {
    const list = pkgs().filter((p) => !lab().device(p.id).passwordOnly);
    const pool = createPool(ctx(), { ...fleetPoolOptions(ctx(), { inventoryDir: lab().inventoryDir, packages: pkgs() }) });
    let active = 0;
    let peak = 0;
    try {
      const res = await fanOut(list, 5, async (p) => {
        active++;
        peak = Math.max(peak, active);
        try {
          return (await (await pool.get(p)).exec('hostname')).stdout.trim();
        } finally {
          active--;
        }
      });
      expect(peak).toBe(5);
      expect(res.map((x) => (x.ok ? x.value : 'ERR'))).toEqual(list.map((p) => p.id));
    } finally {
      await pool.closeAll();
    }
  });
});

describe('what a connection to a real OpenSSH costs', () => {
  // OpenSSH announces its host keys after every login; ssh2 answers by asking for proofs of each
  // (a round trip and a signature on the device) just to emit 'hostkeys'. jfleet declines it.
  const hostkeysEvent = async (decline: boolean) => {
    const ssh2 = (await import('ssh2')).default;
    const { declineHostKeysProof } = await import('../../src/transport/ssh.js');
    const d = at(lab().devices, 3);
    const client = new ssh2.Client();
    let hooked = false;
    const events: number[] = [];
    client.on('hostkeys', (keys) => events.push(keys.length));
    await new Promise<void>((resolve, reject) => {
      client.on('ready', () => resolve()).on('error', reject);
      client.connect({ host: d.address, port: d.port, username: 'root', privateKey: readFileSync(lab().keyFile) });
      if (decline) hooked = declineHostKeysProof(client);
    });
    // the announcement follows the login; a proof, when asked for, comes back within a round trip
    await new Promise<void>((r) => client.exec('true', (e, ch) => (e ? r() : ch.on('close', () => r()).resume())));
    await sleep(300);
    client.end();
    return { hooked, events };
  };
  it('ssh2 on its own proves the announced host keys; jfleet declines the announcement', async () => {
    expect(await hostkeysEvent(false)).toEqual({ hooked: false, events: [1] });
    expect(await hostkeysEvent(true)).toEqual({ hooked: true, events: [] });
  });
});
