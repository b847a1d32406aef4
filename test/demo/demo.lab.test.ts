import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { listLabs } from '../../src/lab/lab.js';
import { join } from 'node:path';
import { BIN, jfleet, tempHome } from '../helpers/cli.js';
import { execa } from 'execa';

// The README's main job, as a user runs it: the built binary, a fresh JFLEET_HOME, real sshd
// devices, a real central server on loopback. --once so it cleans up after itself.
describe('jfleet demo', () => {
  it('runs the main job end to end and reports to the local central server', async () => {
    const home = tempHome('jfleet-demo-');
    const r = await jfleet(['demo', '--once', '--devices', '5', '--json'], { home, timeoutMs: 170_000 });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.devices).toBe(5);
    expect(out.registered).toBe(5);
    expect(out.provision.devicesFailed).toBe(0);
    expect(out.provision.changed).toBeGreaterThan(0);
    const swept = Object.values(out.sweep.counts as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(swept).toBe(5);
    expect(out.sweep.counts.unreachable).toBe(0);
    expect(out.report.delivered).toBe(1);
    expect(out.report.pending).toBe(0);
    expect(out.dashboard).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    // the registration went through the inventory file a technician would review
    const yaml = readFileSync(join(home, 'demo', 'inventory', 'packages.yaml'), 'utf8');
    expect(yaml.match(/^\s*- id: /gm)?.length).toBe(5);
    expect(yaml).toMatch(/hostKey: SHA256:/);
    // --once leaves no lab behind: no registered lab, no mount under its directory
    expect(listLabs().filter((l) => l.dir.startsWith(home))).toEqual([]);
    expect(readFileSync('/proc/mounts', 'utf8')).not.toContain(home);
  });

  it('Ctrl-C while it sets up stops there: exit 130, no "Done", no lab left behind', async () => {
    const home = tempHome('jfleet-demo-');
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, JFLEET_HOME: home, CI: 'true', NO_COLOR: '1' };
    const p = execa('node', [BIN, 'demo', '--devices', '4'], { env, extendEnv: false, reject: false, timeout: 170_000 });
    let out = '';
    await new Promise<void>((resolve) => {
      p.stdout!.on('data', (b: Buffer) => {
        out += String(b);
        if (out.includes('[3/5]')) resolve();
      });
      void p.then(() => resolve());
    });
    p.kill('SIGINT');
    const r = await p;
    expect(r.exitCode).toBe(130);
    expect(String(r.stderr)).toMatch(/^jfleet: error: cancelled before step [45] of 5; the simulated fleet is stopped$/);
    expect(String(r.stdout)).not.toMatch(/\[5\/5\]|Done|Dashboard|keep running/);
    expect(listLabs().filter((l) => l.dir.startsWith(home))).toEqual([]);
    expect(readFileSync('/proc/mounts', 'utf8')).not.toContain(home);
  });

  it('tells a newcomer each of the five steps in a few lines, provisioning as one recap line', async () => {
    const home = tempHome('jfleet-demo-');
    const r = await jfleet(['demo', '--once', '--devices', '3'], { home, timeoutMs: 170_000 });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(
      /^\[3\/5\] Provisioning.*\n {2}3 device\(s\) provisioned in [\d.]+ s: \d+ change\(s\) applied, \d+ step\(s\) already ok, 0 failed, 0 unreachable\n/m,
    );
    // the per-step plan and apply of every device stay in the logs, not on the newcomer's screen
    expect(r.stdout).not.toMatch(/would change|^RECAP/m);
    for (const n of [1, 2, 3, 4, 5]) expect(r.stdout).toContain(`[${n}/5] `);
    expect(r.stdout.split('\n').length).toBeLessThan(40);
    // --once stops everything when done: no dashboard address or exports that would be dead links
    expect(r.stdout).toContain('The fleet and the central server stop now');
    expect(r.stdout).not.toMatch(/Dashboard:|export JFLEET_/);
    expect(listLabs().filter((l) => l.dir.startsWith(home))).toEqual([]);
  });

  it('serving until Ctrl-C, it prints the dashboard and commands that work, then stops cleanly', async () => {
    const home = tempHome('jfleet-demo-');
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, JFLEET_HOME: home, CI: 'true', NO_COLOR: '1' };
    const p = execa('node', [BIN, 'demo', '--devices', '3'], { env, extendEnv: false, reject: false, timeout: 170_000 });
    let out = '';
    await new Promise<void>((resolve) => {
      p.stdout!.on('data', (b: Buffer) => {
        out += String(b);
        if (out.includes('keep running until Ctrl-C')) resolve();
      });
      void p.then(() => resolve());
    });
    const url = /Dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)?.[1];
    expect(url, out).toBeTruthy();
    const page = await fetch(url!);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<svg');
    // the commands it suggests must work: right after the quick start jfleet is not on the PATH
    const installed = (process.env.PATH ?? '').split(':').some((d) => d !== '' && existsSync(join(d, 'jfleet')));
    if (installed) expect(out).not.toContain('alias jfleet=');
    else {
      expect(out).toContain(`\n  alias jfleet=${BIN}   # or: npm install -g . (puts jfleet on the PATH)\n`);
      expect(out.indexOf('alias jfleet=')).toBeLessThan(out.indexOf('jfleet status;'));
    }
    const exported = Object.fromEntries([...out.matchAll(/^ {2}export (JFLEET_[A-Z_]+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
    expect(Object.keys(exported).sort()).toEqual(['JFLEET_API_TOKEN', 'JFLEET_API_URL', 'JFLEET_HOME', 'JFLEET_INVENTORY', 'JFLEET_KEY_FILE']);
    const status = await jfleet(['status', '--json'], { home: exported.JFLEET_HOME, env: exported });
    expect(status.exitCode).toBe(0);
    // the fleet the demo swept, as the suggested `jfleet status` sees it (the load check reads
    // the shared host's load, so on a busy machine a device may be warn: reachable is the point)
    const devices = JSON.parse(status.stdout) as Array<{ id: string; state: string }>;
    expect(devices).toHaveLength(3);
    for (const d of devices) expect(d.state, d.id).not.toBe('unreachable');
    p.kill('SIGINT');
    const r = await p;
    expect(r.exitCode).toBe(130);
    expect(listLabs().filter((l) => l.dir.startsWith(home))).toEqual([]);
    expect(readFileSync('/proc/mounts', 'utf8')).not.toContain(home);
  });
});
