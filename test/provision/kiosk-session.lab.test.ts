/**
 * The kiosk session script as the recipe ships it: the stand-in browser runs only where the lab
 * profile asks for it AND the lab init runs (/run/jfleet-lab); anywhere else the real browser
 * starts (here: cage is not installed on this machine, so the exec fails, which is the point).
 * Each case runs in its own mount namespace with a fresh /run, so nothing of the host is touched.
 * The browser loop (what cage runs) is tried with a stand-in /usr/bin/chromium that dies at once,
 * bound over the real one in a mount and PID namespace of its own (its pkill sees only that).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SCRIPT = join(import.meta.dirname, '../../recipes/kiosk/files/jfleet-kiosk');

function session(opts: { lab: boolean; standIn: string }) {
  const home = mkdtempSync(join(tmpdir(), 'jfleet-kiosk-home-'));
  const inner = [
    'mount -t tmpfs tmpfs /run',
    opts.lab ? 'mkdir -p /run/jfleet-lab' : ':',
    `KIOSK_STAND_IN=${opts.standIn} KIOSK_URL=https://portal.example/ HOME=${home} timeout 3 bash ${SCRIPT}; echo "rc=$?"`,
    'ls /run/jfleet-kiosk 2>/dev/null || echo no-run-dir',
  ].join('; ');
  return spawnSync('unshare', ['--mount', '--propagation', 'private', 'bash', '-c', inner], { encoding: 'utf8' });
}

describe('kiosk session: the stand-in browser', () => {
  it('runs on a lab device whose profile asks for it (until stopped)', () => {
    const r = session({ lab: true, standIn: 'yes' });
    expect(r.stdout).toContain('rc=124'); // still running when timeout stopped it
    expect(r.stdout).toContain('stand-in');
  });
  it('never runs outside the lab, whatever kiosk.env says: the real browser is started instead', () => {
    const r = session({ lab: false, standIn: 'yes' });
    expect(r.stderr).toContain('KIOSK_STAND_IN=yes is for lab devices only');
    expect(r.stderr).toMatch(/\/usr\/bin\/cage/); // it went on to exec the real kiosk
    expect(r.stdout).not.toContain('rc=124');
    expect(r.stdout).not.toMatch(/^stand-in$/m);
  });
  it('does not run on a lab device unless the profile asks for it', () => {
    const r = session({ lab: true, standIn: 'no' });
    expect(r.stderr).toMatch(/\/usr\/bin\/cage/);
    expect(r.stdout).not.toMatch(/^stand-in$/m);
  });
  it('clears what a power cut leaves (crash state, stale profile lock) before starting', () => {
    const home = mkdtempSync(join(tmpdir(), 'jfleet-kiosk-home-'));
    const d = join(home, '.config/chromium');
    execFileSync('bash', [
      '-c',
      `mkdir -p ${d}/Default && echo '{"profile":{"exit_type":"Crashed","exited_cleanly":false}}' > ${d}/Default/Preferences && ln -s kiosk-1234 ${d}/SingletonLock`,
    ]);
    spawnSync('bash', [SCRIPT], { env: { PATH: process.env.PATH, HOME: home, KIOSK_STAND_IN: 'no' }, encoding: 'utf8' });
    expect(execFileSync('cat', [`${d}/Default/Preferences`], { encoding: 'utf8' })).toBe('{"profile":{"exit_type":"Normal","exited_cleanly":true}}\n');
    expect(spawnSync('test', ['-L', `${d}/SingletonLock`]).status).toBe(1);
  });
  it('inside cage, starts a browser that died again, clearing the profile lock each time, and counts it', () => {
    const home = mkdtempSync(join(tmpdir(), 'jfleet-kiosk-home-'));
    const fake = join(home, 'chromium');
    // a browser that leaves a profile lock behind and dies at once, noting each start
    writeFileSync(
      fake,
      `#!/bin/sh\nL=$HOME/.config/chromium/SingletonLock\n[ -L "$L" ] && echo locked >> $HOME/starts\necho "start $*" >> $HOME/starts\nln -s kiosk-1 "$L"\nexit 1\n`,
    );
    chmodSync(fake, 0o755);
    const inner = [
      'mount -t tmpfs tmpfs /run',
      'mkdir -p /run/jfleet-kiosk',
      `mount --bind ${fake} /usr/bin/chromium`,
      `KIOSK_URL=https://portal.example/ HOME=${home} timeout 5 bash ${SCRIPT} --browser-loop; echo "rc=$?"`,
      'echo "restarts=$(cat /run/jfleet-kiosk/browser-restarts)"',
    ].join('; ');
    const r = spawnSync('unshare', ['--mount', '--propagation', 'private', '--pid', '--fork', '--mount-proc', 'bash', '-c', inner], { encoding: 'utf8' });
    const starts = readFileSync(join(home, 'starts'), 'utf8').trim().split('\n');
    expect(starts.length, r.stderr).toBeGreaterThanOrEqual(2); // started again after it died
    expect(starts).not.toContain('locked'); // the dead browser's lock was cleared before each start
    expect(starts[0]).toContain('--kiosk');
    expect(starts[0]).toContain('file:///usr/share/jfleet-kiosk/offline.html#https://portal.example/');
    expect(r.stdout).toContain('rc=124'); // the loop never gives up by itself
    expect(r.stdout).toContain(`restarts=${starts.length}`);
    expect(r.stderr).toMatch(/the browser ended after \d+ s; starting it again in \d+ s \(restart 1 in this boot\)/);
  });
});
