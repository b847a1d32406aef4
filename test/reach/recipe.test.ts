/** The kiosk recipe's tunnel steps: only for reach: tunnel packages, rendered from the bastion's settings. */
import { describe, expect, it } from 'vitest';
import { parseBastions, tunnelSettings } from '../../src/inventory/bastions.js';
import type { Package } from '../../src/inventory/schema.js';
import { loadVillages } from '../../src/inventory/villages.js';
import { loadRecipe } from '../../src/provision/recipe-load.js';
import { resolveRecipe } from '../../src/provision/recipe.js';
import { generateEd25519 } from '../../src/transport/keygen.js';
import { at } from '../helpers/at.js';
import { testPackage } from '../helpers/package.js';

const ref = loadVillages();
const key = generateEd25519('b').publicKey.split(' ').slice(0, 2).join(' ');
const bastion = at(parseBastions(`bastions:\n  - id: b1\n    address: bastion.example.id\n    hostKey: ${key}\n`, 'b.yaml').bastions, 0);
const pkg = (reach?: 'tunnel'): Package => testPackage({ id: 'kiosk-a', ...(reach ? { reach, bastion: 'b1', tunnel: { interval: 90 } } : {}) });
const contentOf = (steps: Array<{ id: string; desired: unknown }>, id: string): string => {
  const s = steps.find((x) => x.id === id);
  if (!s) throw new Error(`no step ${id}`);
  return (s.desired as { content: string }).content;
};
const TUNNEL_STEPS = ['tunnel-key', 'tunnel-known-hosts', 'tunnel-sysctl', 'tunnel-restart-program', 'tunnel-program', 'tunnel-unit', 'tunnel-enabled'];

describe('kiosk recipe: the reverse tunnel', () => {
  it('a direct package plans no tunnel step', async () => {
    const r = resolveRecipe(await loadRecipe(), pkg(), ref.byCode.get('35.09.13.2006'));
    expect(r.steps.map((s) => s.id).filter((id) => id.startsWith('tunnel-'))).toEqual([]);
  });

  it('a tunnelled package: the unit runs the tunnel program with its start spread and Restart=always; the bastion key pinned under every port', async () => {
    const p = pkg('tunnel');
    const r = resolveRecipe(await loadRecipe(), p, ref.byCode.get('35.09.13.2006'), { tunnel: tunnelSettings(p, bastion) });
    expect(r.steps.map((s) => s.id).filter((id) => id.startsWith('tunnel-'))).toEqual(TUNNEL_STEPS);
    const unit = contentOf(r.steps, 'tunnel-unit');
    expect(unit.split('\n').filter((l) => l.startsWith('ExecStart'))).toEqual([
      expect.stringMatching(/^ExecStartPre=\/bin\/sleep ([0-9]|[12][0-9]|30)$/),
      'ExecStart=/usr/local/bin/jfleet-tunnel',
    ]);
    expect(unit).toMatch(/^Restart=always$/m);
    expect(unit).toMatch(/^RestartSec=15$/m);
    expect(unit).toContain('StartLimitIntervalSec=0');
    const program = r.steps.find((s) => s.id === 'tunnel-program')?.desired as { path: string; mode: string; notify: string[] };
    expect(program).toMatchObject({ path: '/usr/local/bin/jfleet-tunnel', mode: '0755', notify: ['tunnel-restart'] });
    const kh = contentOf(r.steps, 'tunnel-known-hosts');
    expect(kh).toBe(`[bastion.example.id]:443 ${key}\nbastion.example.id ${key}\n`);
  });

  it('the tunnel program: plain ssh -NT per port of the bastion, in order, host key pinned, keepalive, a short ConnectTimeout, the socket forward', async () => {
    const p = pkg('tunnel');
    const r = resolveRecipe(await loadRecipe(), p, ref.byCode.get('35.09.13.2006'), { tunnel: tunnelSettings(p, bastion) });
    const text = contentOf(r.steps, 'tunnel-program');
    expect(text.startsWith('#!/bin/sh\n')).toBe(true);
    expect(text).not.toMatch(/\{\{/);
    expect(text).toMatch(/^PORTS='443 22'$/m);
    const ssh = text.slice(text.indexOf('"$SSH" '), text.indexOf('\n  rc=$?')).replace(/\\\n\s*/g, '');
    expect(ssh).toBe(
      '"$SSH" -NT -F none -p "$p" -i /etc/jfleet/tunnel_ed25519 -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=/etc/jfleet/tunnel_known_hosts -o GlobalKnownHostsFile=/dev/null -o ExitOnForwardFailure=yes -o ServerAliveInterval=90 -o ServerAliveCountMax=2 -o TCPKeepAlive=yes -o ConnectTimeout=10 -o PermitLocalCommand=yes -o "LocalCommand=$SELF --connected $p" -R /run/jfleet/kiosk-a/ssh.sock:127.0.0.1:22 jf-kiosk-a@bastion.example.id',
    );
    // every -o in the whole program is one of these: nothing that loosens host-key checking
    const opts = [...text.matchAll(/-o "?([A-Za-z]+)=/g)].map((m) => m[1]);
    expect(opts.sort()).toEqual(
      [
        'BatchMode',
        'ConnectTimeout',
        'ExitOnForwardFailure',
        'GlobalKnownHostsFile',
        'IdentitiesOnly',
        'LocalCommand',
        'PermitLocalCommand',
        'ServerAliveCountMax',
        'ServerAliveInterval',
        'StrictHostKeyChecking',
        'TCPKeepAlive',
        'UserKnownHostsFile',
      ].sort(),
    );
    expect(text).toContain('STATE=/var/lib/jfleet/tunnel-port\n');
    expect(text).toContain('SSH=/usr/bin/ssh\n');
  });

  it("the TCP keepalive: the sysctl drop-in (applied by systemd-sysctl before the tunnel restarts) and ssh's TCPKeepAlive; tcp: 0 gives SSH keepalives back", async () => {
    const recipe = await loadRecipe();
    const village = ref.byCode.get('35.09.13.2006');
    const p = pkg('tunnel');
    const r = resolveRecipe(recipe, p, village, { tunnel: tunnelSettings(p, bastion) });
    const step = r.steps.find((s) => s.id === 'tunnel-sysctl')?.desired as { path: string; mode: string; notify: string[]; content: string };
    expect(step).toMatchObject({ path: '/etc/sysctl.d/60-jfleet-tunnel.conf', mode: '0644', notify: ['tunnel-sysctl'] });
    expect(step.content.split('\n').filter((l) => l.startsWith('net.'))).toEqual([
      'net.ipv4.tcp_keepalive_time = 120',
      'net.ipv4.tcp_keepalive_intvl = 30',
      'net.ipv4.tcp_keepalive_probes = 4',
    ]);
    expect(step.content).not.toMatch(/\{\{/);
    // the drop-in is applied before the tunnel restarts (handlers run in the recipe's order)
    const names = Object.keys(r.handlers);
    expect(names.indexOf('tunnel-sysctl')).toBeLessThan(names.indexOf('tunnel-restart'));
    expect(r.handlers['tunnel-sysctl']?.command).toContain('systemctl restart systemd-sysctl.service');
    const off = { ...p, tunnel: { interval: 120, tcp: 0 } };
    const ro = resolveRecipe(recipe, off, village, { tunnel: tunnelSettings(off, bastion) });
    expect(contentOf(ro.steps, 'tunnel-program').replace(/\\\n\s*/g, '')).toContain('-o ServerAliveInterval=120 -o ServerAliveCountMax=2 -o TCPKeepAlive=no ');
    expect(contentOf(ro.steps, 'tunnel-sysctl')).toContain('net.ipv4.tcp_keepalive_time = 7200\n');
  });

  it("the dialing order: the bastion's ports; a package's tunnel.port first, then the bastion's others; the connect timeout is a recipe variable", async () => {
    const recipe = await loadRecipe();
    const village = ref.byCode.get('35.09.13.2006');
    const three = at(
      parseBastions(`bastions:\n  - id: b1\n    address: bastion.example.id\n    ports: [443, 22, 8022]\n    hostKey: ${key}\n`, 'b.yaml').bastions,
      0,
    );
    const ports = (p: Package, b = bastion) => {
      const text = contentOf(resolveRecipe(recipe, p, village, { tunnel: tunnelSettings(p, b) }).steps, 'tunnel-program');
      return /^PORTS='([^']*)'$/m.exec(text)?.[1];
    };
    expect(ports(pkg('tunnel'))).toBe('443 22');
    expect(ports({ ...pkg('tunnel'), tunnel: { port: 22 } })).toBe('22 443');
    expect(ports({ ...pkg('tunnel'), tunnel: { port: 443 } })).toBe('443 22');
    expect(ports(pkg('tunnel'), three)).toBe('443 22 8022');
    expect(ports({ ...pkg('tunnel'), tunnel: { port: 8022 } }, three)).toBe('8022 443 22');
    const slow = { ...pkg('tunnel'), vars: { tunnel_connect_timeout: '25' } };
    expect(contentOf(resolveRecipe(recipe, slow, village, { tunnel: tunnelSettings(slow, bastion) }).steps, 'tunnel-program')).toContain(
      '-o ConnectTimeout=25 ',
    );
    const bad = { ...pkg('tunnel'), vars: { tunnel_connect_timeout: '0' } };
    expect(() => resolveRecipe(recipe, bad, village, { tunnel: tunnelSettings(bad, bastion) })).toThrow(/tunnel_connect_timeout/);
  });
});
