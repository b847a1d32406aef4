/**
 * jfleet provision against real sshd devices (the lab): converge 20 devices, then nothing to
 * change; drift found exactly by --check without touching the device; devices killed mid-run
 * do not stop the others and converge on a re-run with no half-written file; a full disk fails
 * cleanly; a password-only device is bootstrapped and ends key-only.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT, jfleet } from '../helpers/cli.js';
import { useLab } from '../lab/lab.js';
import type { ProvisionSummary } from '../../src/provision/types.js';
import { updateInventory } from '../../src/inventory/store.js';
import { at } from '../helpers/at.js';

const N = 20;
const PW = N - 1; // the password-only device
const lab = useLab(N, { diskMiB: 48, passwordOnly: [PW] });

function keyDevices() {
  return lab().devices.filter((d) => !d.passwordOnly);
}
/** the key devices, as a selector */
function keyLimit(): string {
  return `!${at(lab().devices, PW).id}`;
}

async function run(args: string[], env: Record<string, string> = {}) {
  const r = await jfleet(['provision', '--json', ...args], { home: lab().home, env: { ...lab().env, ...env }, timeoutMs: 170_000 });
  let summary: ProvisionSummary | undefined;
  try {
    summary = JSON.parse(r.stdout) as ProvisionSummary;
  } catch {
    /* no JSON: the assertions below show stderr */
  }
  return {
    ...r,
    summary: summary!,
    why: `${r.stderr}\n${JSON.stringify(summary?.devices.filter((d) => d.failed || d.error).map((d) => ({ id: d.id, error: d.error, failed: d.steps.filter((s) => s.status === 'failed') })))}`,
  };
}

function device(s: ProvisionSummary, id: string) {
  const d = s.devices.find((x) => x.id === id);
  if (!d) throw new Error(`no ${id} in the summary`);
  return d;
}

/** Everything in a device's overlay upper layer: path, kind, mode, size, mtime, content hash. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (p: string, rel: string) => {
    for (const name of readdirSync(p).sort()) {
      const full = join(p, name);
      const r = `${rel}/${name}`;
      const st = lstatSync(full);
      if (st.isSymbolicLink()) out.push(`${r} -> ${readlinkSync(full)}`);
      else if (st.isDirectory()) {
        out.push(`${r}/ ${st.mode.toString(8)}`);
        walk(full, r);
      } else {
        const h = st.isFile() ? createHash('sha256').update(readFileSync(full)).digest('hex') : 'special';
        out.push(`${r} ${st.mode.toString(8)} ${st.size} ${st.mtimeMs} ${h}`);
      }
    }
  };
  walk(dir, '');
  return out;
}

function tmpLeftovers(dir: string): string[] {
  return snapshot(dir).filter((l) => l.includes('.jfleet-tmp'));
}

function passwordLoginOnce(address: string, port: number, password: string): Promise<'accepted' | 'refused'> {
  return new Promise((resolve, reject) => {
    const c = new ssh2.Client();
    c.on('ready', () => {
      c.end();
      resolve('accepted');
    });
    c.on('error', (e: Error & { level?: string }) => (e.level === 'client-authentication' ? resolve('refused') : reject(e)));
    c.connect({ host: address, port, username: 'root', password, tryKeyboard: false, readyTimeout: 10_000 });
  });
}

/**
 * Whether sshd accepts the password. Right after provisioning reloads sshd (ssh-hardening) it
 * re-executes itself and refuses connections for a moment: that is a restart, not an answer, so
 * a refused TCP connection is tried again (for up to 5 s) before the login is judged.
 */
async function passwordLogin(address: string, port: number, password: string): Promise<'accepted' | 'refused'> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await passwordLoginOnce(address, port, password);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ECONNREFUSED' || attempt >= 25) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

describe('jfleet provision on the lab', () => {
  it('refuses to change devices without a terminal and without --yes', async () => {
    const r = await jfleet(['provision', '--limit', keyLimit()], { home: lab().home, env: lab().env });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/refusing to provision without confirmation.*\n.*--yes/);
  });

  it('converges the key devices, runs the kiosk, then a second run changes nothing', async () => {
    const first = await run(['--yes', '--limit', keyLimit(), '--forks', '20']);
    expect(first.exitCode, first.why).toBe(0);
    expect(first.summary.total.devices).toBe(N - 1);
    expect(first.summary.total.failedDevices).toBe(0);
    for (const d of first.summary.devices) expect(d.changed).toBeGreaterThan(20);
    // the kiosk is up: page served on its listen address, release from the manifest, the lab's
    // stand-in browser alive (only the lab profile asks for it, and only a lab device honours it)
    const d0 = at(keyDevices(), 0);
    await expect
      .poll(() => lab().run(d0.id, 'cat /run/jfleet-kiosk/stand-in 2>/dev/null && kill -0 "$(cat /run/jfleet-kiosk/stand-in)" && echo alive'), {
        timeout: 15_000,
      })
      .toContain('alive');
    expect(lab().run(d0.id, 'cat /etc/jfleet/kiosk.env')).toContain('KIOSK_STAND_IN="yes"');
    expect(lab().run(d0.id, 'cat /etc/hosts')).toMatch(/^127\.0\.0\.1\s+localhost/m);
    await expect.poll(async () => (await fetch(`http://${d0.address}:8080/`).catch(() => undefined))?.status, { timeout: 15_000 }).toBe(200);
    expect(JSON.parse(lab().run(d0.id, 'cat /opt/jfleet-kiosk/current/manifest.json')).version).toBe('0.0.0-base');
    expect(lab().run(d0.id, 'cat /etc/hostname').trim()).toBe(`kiosk-${d0.village.code.replace(/\./g, '-')}`);
    expect(lab().run(d0.id, 'readlink /etc/localtime').trim()).toBe('/usr/share/zoneinfo/Asia/Jakarta');
    expect(lab().run(d0.id, 'cat /etc/jfleet/kiosk.env')).toContain(`KIOSK_LISTEN="${d0.address}:8080"`);
    // the hardening is the first thing the sshd serving the device reads
    expect(lab().run(d0.id, 'head -n 2 /run/jfleet-lab/boot/sshd_config')).toMatch(/^# BEGIN jfleet managed settings.*\nPasswordAuthentication no\n$/);
    // the browser is restarted when it dies
    const pid = lab().run(d0.id, 'cat /run/jfleet-kiosk/stand-in').trim();
    lab().run(d0.id, `kill ${pid}`);
    await expect
      .poll(() => lab().run(d0.id, 'cat /run/jfleet-kiosk/stand-in; kill -0 "$(cat /run/jfleet-kiosk/stand-in)" && echo alive'), { timeout: 15_000 })
      .toMatch(/^(?!\s*${pid}\s)\d+\s+alive/);

    const second = await run(['--yes', '--limit', keyLimit()]);
    expect(second.exitCode, second.why).toBe(0);
    expect(second.summary.total.changed).toBe(0);
    expect(second.summary.total.ok).toBeGreaterThan(20 * (N - 1));
    // one log file per device for this run
    const logsRoot = join(lab().home, 'state', 'logs', 'provision');
    const runs = readdirSync(logsRoot).sort();
    expect(readdirSync(join(logsRoot, at(runs, runs.length - 1))).length).toBe(N - 1);
  });

  it('--check reports exactly the drift and leaves the device byte for byte untouched', async () => {
    const d = at(keyDevices(), 1);
    lab().run(
      d.id,
      `printf 'KIOSK_URL="https://elsewhere.example/"\\n' > /etc/jfleet/kiosk.env; rm /etc/systemd/system/sleep.target; chmod 0600 /etc/jfleet/recipe.json`,
    );
    await sleep(200);
    const before = snapshot(d.upperDir);
    const r = await run(['--check', '--diff', '--limit', d.id]);
    expect(r.exitCode, r.why).toBe(0);
    const dev = device(r.summary, d.id);
    expect(
      dev.steps
        .filter((s) => s.status === 'changed')
        .map((s) => s.id)
        .sort(),
    ).toEqual(['handler:kiosk-restart', 'kiosk-env', 'nosleep', 'recipe-stamp']);
    const env = dev.steps.find((s) => s.id === 'kiosk-env')!;
    expect(at(env.diffs, 0).before).toContain('elsewhere.example');
    expect(at(env.diffs, 0).after).toContain(`KIOSK_LISTEN="${d.address}:8080"`);
    expect(dev.steps.find((s) => s.id === 'recipe-stamp')!.diffs).toEqual([{ label: '/etc/jfleet/recipe.json mode', before: '0600', after: '0644' }]);
    expect(snapshot(d.upperDir)).toEqual(before);
    // and the human --diff output shows the file diff
    const human = await jfleet(['provision', '--check', '--diff', '--limit', d.id], { home: lab().home, env: lab().env });
    expect(human.stdout).toContain('-KIOSK_URL="https://elsewhere.example/"');
    expect(human.stdout).toMatch(/would change\s+nosleep/);
    // a real run repairs exactly that
    const fix = await run(['--yes', '--limit', d.id]);
    expect(device(fix.summary, d.id).changed).toBe(4);
    expect((await run(['--check', '--limit', d.id])).summary.total.changed).toBe(0);
  });

  it('devices killed mid-run do not stop the others; a re-run converges them with no half-written file', async () => {
    const devs = keyDevices();
    const victims = [at(devs, 2).id, at(devs, 3).id, at(devs, 4).id];
    // drift everywhere so every device has work to do in the apply stage
    for (const d of devs)
      lab().run(
        d.id,
        'rm -f /etc/jfleet/kiosk.env /etc/apt/apt.conf.d/20auto-upgrades /etc/systemd/system/jfleet-nightly-reboot.timer /etc/jfleet/recipe.json',
      );
    const child = execa('node', [BIN, 'provision', '--json', '--yes', '--forks', '4', '--limit', keyLimit()], {
      env: { PATH: process.env.PATH!, HOME: lab().home, CI: 'true', NO_COLOR: '1', ...lab().env },
      extendEnv: false,
      reject: false,
      cwd: ROOT,
    });
    // wait until a victim is applying, then power the victims off (their sshd dies with them)
    const logsRoot = join(lab().home, 'state', 'logs', 'provision');
    const applying = (id: string) => {
      const runs = existsSync(logsRoot) ? readdirSync(logsRoot).sort() : [];
      const f = runs.length ? join(logsRoot, at(runs, runs.length - 1), `${id}.log`) : '';
      return f && existsSync(f) && /kiosk-env: (mkdir|sftp)/.test(readFileSync(f, 'utf8'));
    };
    const runsBefore = existsSync(logsRoot) ? readdirSync(logsRoot).length : 0;
    await expect.poll(() => readdirSync(logsRoot).length > runsBefore && victims.some(applying), { timeout: 60_000, interval: 20 }).toBe(true);
    await Promise.all(victims.map((id) => lab().powerOff(id)));
    const r = await child;
    const summary = JSON.parse(String(r.stdout)) as ProvisionSummary;
    expect(r.exitCode).toBe(1);
    for (const d of summary.devices) {
      if (victims.includes(d.id)) expect(d.failed + (d.unreachable ? 1 : 0)).toBeGreaterThan(0);
      else expect(d.failed, `${d.id}: ${JSON.stringify(d.steps.filter((s) => s.status === 'failed'))}`).toBe(0);
    }
    // @failed now names exactly the victims
    const failed = JSON.parse(readFileSync(join(lab().home, 'state', 'last-failed.json'), 'utf8')) as string[];
    expect(failed.sort()).toEqual([...victims].sort());
    for (const id of victims) await lab().powerOn(id);
    const again = await run(['--yes', '--limit', '@failed']);
    expect(again.exitCode, again.why).toBe(0);
    expect(again.summary.devices.map((d) => d.id).sort()).toEqual([...victims].sort());
    const all = await run(['--yes', '--limit', keyLimit()]);
    expect(all.summary.total.changed).toBe(0);
    for (const d of devs) expect(tmpLeftovers(d.upperDir)).toEqual([]);
    for (const id of victims) expect(lab().run(id, 'cat /etc/jfleet/kiosk.env')).toContain('KIOSK_URL=');
  });

  it('a device with a full disk fails cleanly with a clear message; the others are not held up', async () => {
    const [full, fine] = [at(keyDevices(), 5), at(keyDevices(), 6)];
    for (const d of [full, fine]) lab().run(d.id, 'rm -f /etc/jfleet/kiosk.env /usr/local/bin/jfleet-kiosk');
    lab().fillDisk(full.id);
    try {
      const r = await run(['--yes', '--limit', `${full.id},${fine.id}`]);
      expect(r.exitCode).toBe(1);
      const bad = device(r.summary, full.id);
      const failedStep = bad.steps.find((s) => s.status === 'failed')!;
      expect(failedStep.error).toMatch(/disk full on the device/);
      expect(device(r.summary, fine.id).failed).toBe(0);
      expect(device(r.summary, fine.id).changed).toBeGreaterThan(0);
      expect(tmpLeftovers(full.upperDir)).toEqual([]);
    } finally {
      lab().freeDisk(full.id);
    }
    const again = await run(['--yes', '--limit', '@failed']);
    expect(again.exitCode, again.why).toBe(0);
  });

  it('installs a .deb pushed over SFTP (a village that cannot download), waiting for the dpkg lock', async () => {
    const d = at(keyDevices(), 7);
    const tmp = mkdtempSync(join(tmpdir(), 'jfleet-deb-'));
    const pkgDir = join(tmp, 'pkg');
    mkdirSync(join(pkgDir, 'DEBIAN'), { recursive: true });
    mkdirSync(join(pkgDir, 'usr', 'share', 'jfleet-lab-dummy'), { recursive: true });
    writeFileSync(
      join(pkgDir, 'DEBIAN', 'control'),
      'Package: jfleet-lab-dummy\nVersion: 1.0\nArchitecture: all\nMaintainer: jfleet tests <tests@example.invalid>\nDescription: a tiny package pushed over SFTP\n',
    );
    writeFileSync(join(pkgDir, 'usr', 'share', 'jfleet-lab-dummy', 'README'), 'pushed, not downloaded\n');
    const deb = join(tmp, 'jfleet-lab-dummy_1.0_all.deb');
    await execa('dpkg-deb', ['--build', '--root-owner-group', pkgDir, deb]);
    const recipe = join(tmp, 'kiosk');
    cpSync(join(ROOT, 'recipes', 'kiosk'), recipe, { recursive: true });
    writeFileSync(
      join(recipe, 'overrides', 'villages', `${d.village.code}.yaml`),
      `debs:\n  - { name: jfleet-lab-dummy, version: "1.0", file: ${JSON.stringify(deb)} }\n`,
    );
    // another dpkg user holds the lock for a few seconds: the step waits instead of failing
    lab().run(
      d.id,
      `setsid python3 -c 'import fcntl,time; f=open("/var/lib/dpkg/lock-frontend","w"); fcntl.lockf(f, fcntl.LOCK_EX); time.sleep(4)' >/dev/null 2>&1 &`,
    );
    await sleep(300);
    const r = await run(['--yes', '--limit', d.id, '--recipe', recipe]);
    expect(r.exitCode, r.why).toBe(0);
    expect(device(r.summary, d.id).steps.find((s) => s.id === 'debs')).toMatchObject({
      status: 'changed',
      reason: 'install jfleet-lab-dummy 1.0 from jfleet-lab-dummy_1.0_all.deb',
    });
    expect(lab().run(d.id, "dpkg-query -W -f '${Status} ${Version}' jfleet-lab-dummy")).toBe('install ok installed 1.0');
    expect(lab().run(d.id, 'cat /usr/share/jfleet-lab-dummy/README')).toBe('pushed, not downloaded\n');
    const again = await run(['--yes', '--limit', d.id, '--recipe', recipe]);
    expect(again.summary.total.changed).toBe(0);
  });

  it('bootstraps a password-only device: fleet key installed, host key pinned, ends key-only', async () => {
    const d = at(lab().devices, PW);
    expect(await passwordLogin(d.address, d.port, lab().password)).toBe('accepted');
    // a factory-fresh device: its host key is not known yet (bootstrap pins it on first contact)
    await updateInventory(lab().inventoryDir, (pkgs) => {
      for (const p of pkgs) if (p.id === d.id) delete p.hostKey;
    });
    expect(readFileSync(join(lab().inventoryDir, 'packages.yaml'), 'utf8')).not.toContain(d.hostKey);
    const plain = await run(['--yes', '--limit', d.id]);
    expect(plain.exitCode).toBe(1);
    expect(device(plain.summary, d.id).error).toMatch(/--bootstrap/);
    // The lab bind-mounts a password-only device's /etc/shadow, so useradd cannot replace it
    // there: this device's village leaves the kiosk user out (a recipe override, as data).
    const recipe = join(mkdtempSync(join(tmpdir(), 'jfleet-recipe-')), 'kiosk');
    cpSync(join(ROOT, 'recipes', 'kiosk'), recipe, { recursive: true });
    writeFileSync(join(recipe, 'overrides', 'villages', `${d.village.code}.yaml`), 'disable: [kiosk-user, kiosk-home]\n');
    // --check --bootstrap looks with the password and changes nothing on the device
    const before = snapshot(d.upperDir);
    const look = await run(['--check', '--bootstrap', '--limit', d.id, '--recipe', recipe], { JFLEET_BOOTSTRAP_PASSWORD: lab().password });
    expect(look.exitCode, look.why).toBe(0);
    expect(device(look.summary, d.id).steps.find((s) => s.id === 'bootstrap')!.status).toBe('changed');
    expect(device(look.summary, d.id).steps.find((s) => s.id === 'ssh-hardening')!.status).toBe('skipped');
    expect(snapshot(d.upperDir)).toEqual(before);
    expect(await passwordLogin(d.address, d.port, lab().password)).toBe('accepted');
    const r = await run(['--yes', '--bootstrap', '--limit', d.id, '--recipe', recipe], { JFLEET_BOOTSTRAP_PASSWORD: lab().password });
    expect(r.exitCode, r.stderr + JSON.stringify(r.summary?.devices)).toBe(0);
    const dev = device(r.summary, d.id);
    expect(dev.steps[0]).toMatchObject({ id: 'bootstrap', status: 'changed' });
    expect(at(dev.steps, 0).reason).toContain(`host key pinned (${d.hostKey})`);
    expect(dev.steps.find((s) => s.id === 'ssh-hardening')!.status).toBe('changed');
    expect(readFileSync(join(lab().inventoryDir, 'packages.yaml'), 'utf8')).toContain(d.hostKey);
    expect(await passwordLogin(d.address, d.port, lab().password)).toBe('refused');
    const again = await run(['--yes', '--limit', d.id, '--recipe', recipe]);
    expect(again.exitCode, again.why).toBe(0);
    expect(again.summary.total.changed).toBe(0);
  });
});
