/**
 * schedule install --kind daemon: the long-running `jfleet schedule run` as a systemd service,
 * which keeps each kiosk's session open between sweeps. A one-shot sweep on a timer dials every
 * tunnelled kiosk afresh (bench/tunnel.mjs: ~10 KiB a kiosk against ~0.6 KiB warm), so the
 * one-shot kinds say so when the inventory has tunnelled packages. Through the built binary; the
 * written unit is checked by systemd's own systemd-analyze verify, and its ExecStart is run as
 * systemd would run it.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderDaemonUnit, type InstallSpec } from '../../src/schedule/units.js';
import { jfleet, tempHome } from '../helpers/cli.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';

/** an inventory of one package on a loopback port nothing listens on, direct or behind a tunnel */
function fleet(reach: 'direct' | 'tunnel'): { home: string; inv: string } {
  const home = tempHome('jfleet-daemon-unit-');
  const inv = join(home, 'inventory');
  mkdirSync(inv, { recursive: true });
  const how = reach === 'tunnel' ? ', reach: tunnel, bastion: bastion-jember' : '';
  writeFileSync(
    join(inv, 'packages.yaml'),
    `packages:\n  - { id: rambipuji-1, village: 35.09.13.2006, address: 127.0.0.1, port: 1${how}, registeredAt: 2026-01-01T00:00:00Z }\n`,
  );
  writeFileSync(join(inv, 'bastions.yaml'), `bastions:\n  - { id: bastion-jember, address: 127.0.0.1, hostKey: "${KEY}" }\n`);
  return { home, inv };
}

/** where the units go: outside JFLEET_HOME and the inventory, as install insists */
const unitsDir = () => join(mkdtempSync(join(tmpdir(), 'jfleet-units-')), 'units');

/** ExecStart= and Environment= of a unit, unquoted as systemd does for these (double quotes, \\ escapes) */
function execOf(unit: string): { argv: string[]; env: Record<string, string> } {
  const words = (line: string) =>
    [...line.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => (m[1] ?? m[2] ?? '').replace(/\\(.)/g, '$1').replace(/\$\$/g, '$'));
  const exec = /^ExecStart=(.*)$/m.exec(unit)?.[1] ?? '';
  const env: Record<string, string> = {};
  for (const m of unit.matchAll(/^Environment=(.*)$/gm)) {
    const [kv = ''] = words(m[1] ?? '');
    const i = kv.indexOf('=');
    env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return { argv: words(exec), env };
}

describe('the daemon unit (pure)', () => {
  const spec: InstallSpec = {
    node: '/usr/bin/node',
    bin: '/opt/jfleet/bin/jfleet.js',
    env: { JFLEET_HOME: '/var/lib/jfleet home' },
    cron: '*/10 * * * *',
    user: 'jfleet',
    args: ['--limit', 'Kencong'],
    logFile: '/var/log/jfleet/sweep.log',
  };
  const unit = renderDaemonUnit(spec, 30);
  it('a long-running service that restarts, its schedule on its command line, SIGTERM a clean stop', () => {
    expect(unit).toMatch(/^Type=simple$/m);
    expect(unit).toMatch(/^Restart=always$/m);
    expect(unit).toContain('ExecStart=/usr/bin/node /opt/jfleet/bin/jfleet.js schedule run --sweep "*/10 * * * *" --jitter 30 --limit Kencong');
    expect(unit).toContain('Environment="JFLEET_HOME=/var/lib/jfleet home"');
    expect(unit).toMatch(/^SuccessExitStatus=143$/m);
    expect(unit).toMatch(/^WantedBy=multi-user.target$/m);
    expect(unit).not.toMatch(/^OnCalendar=/m);
    // a usage error is not restarted for ever; the one-shot timer never runs beside it
    expect(unit).toMatch(/^RestartPreventExitStatus=2$/m);
    expect(unit).toMatch(/^Conflicts=jfleet-sweep\.timer jfleet-sweep\.service$/m);
  });
  it('refuses a value that would break out of its line', () => {
    expect(() => renderDaemonUnit({ ...spec, user: 'root\nExecStartPre=/bin/rm -rf /' }, 0)).toThrow(/control characters/);
  });
});

describe('jfleet schedule install --kind daemon (built binary)', () => {
  it('writes jfleet-schedule.service, which systemd-analyze accepts and whose ExecStart runs the daemon (SIGTERM: exit 143)', async () => {
    const { home, inv } = fleet('direct');
    const dir = unitsDir();
    const r = await jfleet(['schedule', 'install', '--kind', 'daemon', '--dir', dir, '--json'], { home, env: { JFLEET_INVENTORY: inv } });
    expect(r.exitCode, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      kind: 'daemon',
      files: [join(dir, 'jfleet-schedule.service')],
      next: 'systemctl daemon-reload && systemctl enable --now jfleet-schedule.service',
    });
    expect(readdirSync(dir)).toEqual(['jfleet-schedule.service']);
    const unit = readFileSync(join(dir, 'jfleet-schedule.service'), 'utf8');
    // systemd's own check of the unit (syntax, the ExecStart binary, the user)
    execFileSync('systemd-analyze', ['verify', join(dir, 'jfleet-schedule.service')], { stdio: 'pipe' });
    const { argv, env } = execOf(unit);
    expect(argv.slice(2, 6)).toEqual(['schedule', 'run', '--sweep', '*/15 * * * *']);
    expect(env).toEqual({ JFLEET_HOME: home, JFLEET_INVENTORY: inv });
    const child = spawn(argv[0] ?? '', argv.slice(1), { env: { PATH: process.env.PATH ?? '', LANG: 'C', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    const started = new Promise<void>((resolve) =>
      child.stdout.on('data', (b: Buffer) => {
        stdout += b.toString();
        if (stdout.includes('daemon started')) resolve();
      }),
    );
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await Promise.race([started, exited]);
    expect(stdout).toMatch(/daemon started: sweep "\*\/15 \* \* \* \*", 1 device\(s\), jitter 60 s/);
    child.kill('SIGTERM');
    expect(await exited).toBe(143);
    expect(stdout).toContain('daemon stopped after 0 sweep(s)');
  }, 30_000);

  it('takes a six-field cron (seconds first), which the daemon runs and a timer could not', async () => {
    const { home, inv } = fleet('direct');
    const dir = unitsDir();
    const r = await jfleet(['schedule', 'install', '--kind', 'daemon', '--dir', dir, '--cron', '*/30 * * * * *'], { home, env: { JFLEET_INVENTORY: inv } });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(execOf(readFileSync(join(dir, 'jfleet-schedule.service'), 'utf8')).argv.slice(2, 6)).toEqual(['schedule', 'run', '--sweep', '*/30 * * * * *']);
    const timer = await jfleet(['schedule', 'install', '--kind', 'systemd', '--dir', unitsDir(), '--cron', '*/30 * * * * *'], {
      home,
      env: { JFLEET_INVENTORY: inv },
    });
    expect(timer.exitCode).toBe(2);
  });

  it('refuses the one-shot flags: one line, exit 2, nothing written', async () => {
    const { home, inv } = fleet('direct');
    const dir = unitsDir();
    for (const [args, en, id] of [
      [
        ['--on-calendar', '*:0/15', '--dir', dir],
        '--on-calendar is for a one-shot sweep on a timer, not --kind daemon',
        '--on-calendar untuk sweep sekali-jalan dengan timer, bukan --kind daemon',
      ],
      [
        ['--crontab', join(dir, 'cron')],
        '--crontab is for a one-shot sweep on a timer, not --kind daemon',
        '--crontab untuk sweep sekali-jalan dengan timer, bukan --kind daemon',
      ],
    ] as const) {
      for (const [lang, want] of [
        ['C', `jfleet: error: ${en}`],
        ['id_ID.UTF-8', `jfleet: kesalahan: ${id}`],
      ] as const) {
        const r = await jfleet(['schedule', 'install', '--kind', 'daemon', ...args], { home, env: { JFLEET_INVENTORY: inv, LANG: lang } });
        expect(r.exitCode).toBe(2);
        expect(r.stderr.split('\n')[0]).toBe(want);
        expect(existsSync(dir)).toBe(false);
      }
    }
  });

  it('a one-shot kind with tunnelled packages says what it costs them and names --kind daemon; with none, says nothing', async () => {
    const tunnel = fleet('tunnel');
    for (const [lang, want] of [
      ['C', /^jfleet: note: 1 package is reached through a tunnel; a one-shot sweep dials it afresh each time .*--kind daemon keeps its session/m],
      ['id_ID.UTF-8', /^jfleet: catatan: 1 paket dijangkau lewat terowongan; sweep sekali-jalan .*--kind daemon menjaga sesinya/m],
    ] as const) {
      const r = await jfleet(['schedule', 'install', '--kind', 'systemd', '--dir', unitsDir()], {
        home: tunnel.home,
        env: { JFLEET_INVENTORY: tunnel.inv, LANG: lang },
      });
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stderr).toMatch(want);
    }
    const direct = fleet('direct');
    const r = await jfleet(['schedule', 'install', '--kind', 'cron', '--crontab', join(unitsDir(), 'crontab')], {
      home: direct.home,
      env: { JFLEET_INVENTORY: direct.inv },
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
  });
});
