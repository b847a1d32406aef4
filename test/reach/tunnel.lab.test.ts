/**
 * Reach behind carrier NAT, on real sshd: a lab bastion laid out by jfleet bastion init/add, kiosks
 * in their own network namespace (nothing can connect in) whose only way out is their uplink,
 * holding jfleet-tunnel.service's reverse forward. The runner reaches them through the bastion.
 */
import { describe, expect, it } from 'vitest';
import { jfleet } from '../helpers/cli.js';
import { at } from '../helpers/at.js';
import { useLab } from '../lab/lab.js';

const lab = useLab(3, { tunnelled: [1, 2], tunnelKeepalive: { interval: 10, count: 2 } });

describe('reach: tunnel', () => {
  it('exec works through the tunnel; a direct connection to the kiosk is refused', async () => {
    const l = lab();
    const d = at(l.devices, 1);
    await l.waitTunnel(d.id, 60_000);
    const r = await jfleet(['exec', '--limit', d.id, '--json', '--', 'hostname'], { env: l.env });
    expect(r.stderr).toBe('');
    expect({ exit: r.exitCode, out: r.exitCode ? r.stdout : '' }).toEqual({ exit: 0, out: '' });
    expect(JSON.parse(r.stdout)).toMatchObject({ results: [{ id: d.id, stdout: `${d.id}\n` }] });
  }, 120_000);
});
