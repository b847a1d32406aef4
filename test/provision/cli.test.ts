/** jfleet provision through the built binary, without a lab: refusals, unreachable devices, hostile vars. */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jfleet, tempHome } from '../helpers/cli.js';
import { at } from '../helpers/at.js';

function inventory(home: string, entries: string): string {
  const dir = join(home, 'inventory');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'packages.yaml'), `packages:\n${entries}`);
  return dir;
}

const entry = (id: string, port: number, vars = '') =>
  `  - id: ${id}\n    village: 35.09.13.2006\n    address: 127.0.0.1\n    port: ${port}\n    user: root\n${vars}    registeredAt: 2026-01-01T00:00:00Z\n`;

describe('jfleet provision (no lab)', () => {
  it('documents its flags and examples', async () => {
    const r = await jfleet(['provision', '--help']);
    expect(r.exitCode).toBe(0);
    for (const f of ['--check', '--diff', '--yes', '--json', '--forks', '--limit', '--bootstrap', 'Examples:', '@failed']) expect(r.stdout).toContain(f);
  });

  it('refuses to change anything without a terminal and without --yes, before connecting', async () => {
    const home = tempHome();
    inventory(home, entry('desa-1', 1));
    const r = await jfleet(['provision'], { home });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('refusing to provision without confirmation: there is no terminal to ask');
    expect(r.stderr).toContain('--yes');
    expect(existsSync(join(home, 'state', 'logs'))).toBe(false);
  });

  it('an unreachable device fails (exit 1), is recorded for @failed, and gets a log file', async () => {
    const home = tempHome();
    inventory(home, entry('desa-1', 1));
    const r = await jfleet(['provision', '--check', '--json'], { home });
    expect(r.exitCode).toBe(1);
    const s = JSON.parse(r.stdout);
    expect(s.total).toMatchObject({ devices: 1, unreachable: 1, failedDevices: 1, changed: 0 });
    expect(s.devices[0].error).toMatch(/refused/);
    expect(JSON.parse(readFileSync(join(home, 'state', 'last-failed.json'), 'utf8'))).toEqual(['desa-1']);
    const runs = readdirSync(join(home, 'state', 'logs', 'provision'));
    expect(readFileSync(join(home, 'state', 'logs', 'provision', at(runs, 0), 'desa-1.log'), 'utf8')).toContain('connect:');
    // the human recap, like Ansible's
    const h = await jfleet(['provision', '--check', '--limit', '@failed'], { home });
    expect(h.exitCode).toBe(1);
    expect(h.stdout).toMatch(/desa-1\s+: ok=0\s+changed=0\s+unreachable=1\s+failed=0\s+skipped=0/);
    expect(h.stdout).toMatch(/TOTAL\s+: ok=0/);
  });

  it('a hostile inventory value fails that device with a clear message and never reaches it', async () => {
    const home = tempHome();
    inventory(
      home,
      entry('desa-1', 1, '    vars:\n      portal_url: "https://x/$(reboot)"\n') +
        entry('desa-2', 2, '    vars:\n      kiosk_listen: "127.0.0.1:8080; reboot"\n'),
    );
    const r = await jfleet(['provision', '--check', '--json'], { home });
    expect(r.exitCode).toBe(1);
    const s = JSON.parse(r.stdout);
    expect(s.devices[0].error).toMatch(/^recipe: variable portal_url = .* must be an https URL.*\(from the inventory entry of desa-1\)/);
    expect(s.devices[1].error).toMatch(/^recipe: variable kiosk_listen = .* must be host:port/);
    expect(s.devices.every((d: { unreachable: boolean }) => !d.unreachable)).toBe(true);
  });

  it("an unknown --profile is the flag's error: one line, exit 2, before any device is dialled, in both languages", async () => {
    for (const [lang, want] of [
      ['C', /^jfleet: error: recipe kiosk has no profile "nope" \(have: [a-z, ]+\)$/],
      ['id_ID.UTF-8', /^jfleet: kesalahan: resep kiosk tidak punya profil "nope" \(yang ada: [a-z, ]+\)$/],
    ] as const) {
      const home = tempHome();
      inventory(home, entry('desa-1', 1));
      const r = await jfleet(['provision', '--check', '--json', '--profile', 'nope'], { home, env: { LANG: lang } });
      expect(r.exitCode, r.stderr).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr.trimEnd()).toMatch(want);
      expect(existsSync(join(home, 'state', 'logs')), 'no provision run started').toBe(false);
    }
  });

  it("a package's own unknown recipe_profile is reported for that device", async () => {
    const home = tempHome();
    inventory(home, entry('desa-1', 1, '    vars:\n      recipe_profile: nope\n'));
    const r = await jfleet(['provision', '--check', '--json'], { home });
    expect(r.exitCode).toBe(1);
    expect(JSON.parse(r.stdout).devices[0].error).toContain('no profile "nope"');
  });
});
