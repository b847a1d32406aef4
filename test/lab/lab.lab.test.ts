/**
 * The lab itself: devices are isolated (hostname, process table, copy-on-write root, home),
 * the lab init runs enabled units like a booted device would, faults work, and stop() leaves
 * no process, mount or directory behind. Two labs at once get separate ranges.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn } from 'node:child_process';
import { useLab, startLab } from './lab.js';
import { readRegistry } from '../../src/lab/registry.js';
import { wildcardSshListener } from '../../src/lab/lab.js';
import { loadInventory } from '../../src/inventory/load.js';
import { loadVillages } from '../../src/inventory/villages.js';
import { at } from '../helpers/at.js';

const lab = useLab(4, { diskMiB: 24 });

const UNIT = `[Unit]
Description=lab test unit

[Service]
EnvironmentFile=/etc/default/labtest
ExecStart=/bin/sh -c 'echo "$GREETING $$" > /run/labtest.out; exec sleep 1000'
Restart=always
RestartSec=1

[Install]
WantedBy=multi-user.target
`;

async function until<T>(fn: () => T | undefined | false, ms = 8000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(100);
  }
}

describe('a lab device', () => {
  it('has its own hostname, process table, root and home; writes land only in its upper layer', () => {
    const a = at(lab().devices, 0);
    const b = at(lab().devices, 1);
    expect(lab().run(a.id, 'hostname').trim()).toBe(a.id);
    const ps = lab().run(a.id, 'ps -e -o pid=,comm=');
    expect(ps).toMatch(/^\s*1 lab-init|^\s*1 bash/m);
    expect(ps.split('\n').filter(Boolean).length).toBeLessThan(12);
    lab().run(a.id, 'echo changed > /etc/jfleet-lab-test');
    expect(readFileSync(join(a.upperDir, 'etc/jfleet-lab-test'), 'utf8')).toBe('changed\n');
    expect(existsSync('/etc/jfleet-lab-test')).toBe(false);
    expect(existsSync(join(b.upperDir, 'etc/jfleet-lab-test'))).toBe(false);
    // a fresh home: skeleton dotfiles and the lab key, none of the host's /root
    expect(lab().run(a.id, 'ls -A /root').split('\n').filter(Boolean).sort()).toEqual(['.bashrc', '.profile', '.ssh']);
    expect(lab().run(a.id, 'cat /root/.ssh/authorized_keys').trim()).toBe(lab().publicKey);
    expect(lab().run(a.id, 'systemctl is-system-running || true').trim()).toBe('offline');
  });

  it('is written into an inventory: real villages over several districts, kiosk_listen, key auth, pinned keys', () => {
    const inv = loadInventory(lab().inventoryDir);
    expect(inv.issues).toEqual([]);
    const ref = loadVillages();
    expect(inv.packages.map((p) => p.id)).toEqual(lab().devices.map((d) => d.id));
    for (const [i, p] of inv.packages.entries()) {
      const d = at(lab().devices, i);
      expect(ref.byCode.get(p.village)?.name).toBe(d.village.name);
      expect(p).toMatchObject({
        address: d.address,
        port: d.port,
        user: 'root',
        identityFile: lab().keyFile,
        hostKey: d.hostKey,
        vars: { kiosk_listen: `${d.address}:8080` },
      });
    }
    expect(new Set(lab().devices.map((d) => d.village.districtCode)).size).toBe(4);
  });

  it('starts enabled units (EnvironmentFile, Restart=always), restarts them on request, stops them when disabled', async () => {
    const d = at(lab().devices, 1);
    writeFileSync(join(d.rootDir, 'etc/systemd/system/labtest.service'), UNIT);
    writeFileSync(join(d.rootDir, 'etc/default/labtest'), 'GREETING="hello lab"\n');
    symlinkSync('/etc/systemd/system/labtest.service', join(d.rootDir, 'etc/systemd/system/multi-user.target.wants/labtest.service'));
    const first = await until(() => {
      const out = lab().run(d.id, 'cat /run/labtest.out 2>/dev/null || true').trim();
      return out.startsWith('hello lab ') ? out : undefined;
    });
    // the host's own enabled units (ssh.service...) are not started in the device
    expect(lab().run(d.id, 'ps -e -o comm=')).not.toMatch(/postgres/);
    expect(
      lab()
        .run(d.id, 'ps -e -o args=')
        .split('\n')
        .filter((l) => l.startsWith('sshd') || l.includes('/usr/sbin/sshd'))
        .join('\n'),
    ).not.toMatch(/sshd -D$/m);
    // killed: Restart=always brings it back after RestartSec
    lab().run(d.id, `kill $(cat /run/jfleet-lab/labtest.service.pid)`);
    const second = await until(() => {
      const out = lab().run(d.id, 'cat /run/labtest.out').trim();
      return out !== first ? out : undefined;
    });
    // asked to restart through the lab-init file (what jfleet-kiosk-restart touches)
    lab().run(d.id, 'touch /run/jfleet-lab/restart-labtest');
    await until(() => lab().run(d.id, 'cat /run/labtest.out').trim() !== second);
    expect(lab().run(d.id, 'ls /run/jfleet-lab/')).not.toMatch(/restart-labtest/);
    // disabled: stopped
    lab().run(d.id, 'rm /etc/systemd/system/multi-user.target.wants/labtest.service');
    await until(() => !lab().run(d.id, 'ps -e -o args=').includes('sleep 1000'));
  });

  it("the kiosk recipe's restart helper returns once the lab init has restarted the unit, like systemctl restart", async () => {
    const d = at(lab().devices, 3);
    const unit = `[Service]\nExecStart=/bin/sleep 1000\nRestart=always\n`;
    writeFileSync(join(d.rootDir, 'etc/systemd/system/jfleet-kiosk.service'), unit);
    symlinkSync('/etc/systemd/system/jfleet-kiosk.service', join(d.rootDir, 'etc/systemd/system/multi-user.target.wants/jfleet-kiosk.service'));
    const pidFile = '/run/jfleet-lab/jfleet-kiosk.service.pid';
    const before = await until(() => lab().run(d.id, `cat ${pidFile} 2>/dev/null || true`).trim() || undefined);
    writeFileSync(
      join(d.rootDir, 'usr/local/bin/jfleet-kiosk-restart'),
      readFileSync(join(import.meta.dirname, '../../recipes/kiosk/files/jfleet-kiosk-restart')),
      { mode: 0o755 },
    );
    lab().run(d.id, '/usr/local/bin/jfleet-kiosk-restart');
    // no waiting here: when the helper has returned, the old process is gone and the new one runs
    const after = lab().run(d.id, `cat ${pidFile}`).trim();
    expect(after).not.toBe(before);
    expect(lab().run(d.id, `kill -0 ${after} && echo alive; kill -0 ${before} 2>/dev/null || echo gone`).trim().split('\n')).toEqual(['alive', 'gone']);
    expect(lab().run(d.id, 'ls /run/jfleet-lab/')).not.toMatch(/restart-jfleet-kiosk/);
  });

  it('powers off (refused), hangs (SIGSTOP) and comes back', async () => {
    const d = at(lab().devices, 2);
    const before = d.pid;
    await lab().powerOff(d.id);
    expect(existsSync(`/proc/${before}`)).toBe(false);
    await expect(
      import('node:net').then((net) => new Promise((res, rej) => net.connect(d.port, d.address).on('connect', res).on('error', rej))),
    ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await lab().powerOn(d.id);
    expect(d.pid).not.toBe(before);
    expect(lab().run(d.id, 'hostname').trim()).toBe(d.id);
    lab().hang(d.id);
    // SIGSTOP is delivered asynchronously: a process running on the other core stops a moment later
    await until(() => at(readFileSync(`/proc/${d.initPid}/stat`, 'utf8').split(') '), 1)[0] === 'T', 3000);
    lab().resume(d.id);
    expect(at(readFileSync(`/proc/${d.initPid}/stat`, 'utf8').split(') '), 1)[0]).not.toBe('T');
  });

  it('fills its disk (a tmpfs upper layer) and frees it', () => {
    const d = at(lab().devices, 3);
    lab().fillDisk(d.id);
    const df = lab().run(d.id, "df -P / | awk 'NR==2 {print $5}'").trim();
    expect(df).toBe('100%');
    expect(() => lab().run(d.id, 'echo x > /etc/more 2>&1')).toThrow();
    lab().freeDisk(d.id);
    expect(Number(lab().run(d.id, "df -P / | awk 'NR==2 {print $5}'").trim().replace('%', ''))).toBeLessThan(50);
  });
});

describe('labs side by side and clean-up', () => {
  it('a second lab gets its own range and directory, and stop() leaves nothing behind', async () => {
    const other = await startLab({ devices: 3 });
    const pids = other.devices.flatMap((d) => [d.pid, d.initPid]);
    const dir = other.dir;
    try {
      expect(other.slot).not.toBe(lab().slot);
      expect(at(other.devices, 0).address.split('.')[1]).not.toBe(at(lab().devices, 0).address.split('.')[1]);
      expect(other.dir).not.toBe(lab().dir);
      expect(readRegistry().labs.map((l) => l.id)).toEqual(expect.arrayContaining([lab().id, other.id]));
    } finally {
      await other.stop();
    }
    for (const p of pids) expect(existsSync(`/proc/${p}`)).toBe(false);
    expect(existsSync(dir)).toBe(false);
    expect(readFileSync('/proc/self/mounts', 'utf8')).not.toContain(dir);
    expect(readRegistry().labs.map((l) => l.id)).not.toContain(other.id);
    // this lab is untouched
    expect(lab().run(at(lab().devices, 0).id, 'hostname').trim()).toBe(at(lab().devices, 0).id);
    expect(readdirSync(lab().dir)).toContain('lab.json');
  });

  it('a lab left behind by a crashed process is cleaned by the next one (processes, mounts, directory)', async () => {
    const script = `import('${join(process.cwd(), 'dist/lab/lab.js')}').then(async ({ startLab }) => {
      const l = await startLab({ devices: 2, diskMiB: 8 });
      process.stdout.write(JSON.stringify({ dir: l.dir, id: l.id, pids: l.devices.flatMap((d) => [d.pid, d.initPid]) }) + '\\n');
      setInterval(() => {}, 1000);
    });`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve, reject) => {
      let buf = '';
      child.stdout.on('data', (b: Buffer) => {
        buf += b.toString();
        if (buf.includes('\n')) resolve(at(buf.split('\n'), 0));
      });
      child.on('exit', (code) => reject(new Error(`child exited ${code}`)));
    });
    const crashed = JSON.parse(line) as { dir: string; id: string; pids: number[] };
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(readRegistry().labs.map((l) => l.id)).toContain(crashed.id);
    expect(existsSync(`/proc/${crashed.pids[0]}`)).toBe(true); // detached: survives its owner
    const next = await startLab({ devices: 1 });
    await next.stop();
    for (const p of crashed.pids) expect(existsSync(`/proc/${p}`)).toBe(false);
    expect(existsSync(crashed.dir)).toBe(false);
    expect(readFileSync('/proc/self/mounts', 'utf8')).not.toContain(crashed.dir);
    expect(readRegistry().labs.map((l) => l.id)).not.toContain(crashed.id);
  });

  it('notices a process holding 0.0.0.0:PORT (a host sshd would take port 22 on every 127.x address)', async () => {
    const net = await import('node:net');
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, '0.0.0.0', () => r()));
    const port = (srv.address() as { port: number }).port;
    try {
      expect(wildcardSshListener(port)).toEqual({ pid: process.pid, cmd: expect.stringContaining('node') });
    } finally {
      await new Promise((r) => srv.close(r));
    }
    expect(wildcardSshListener(port)).toBeNull();
  });
});
