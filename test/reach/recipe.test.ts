/** The kiosk recipe's tunnel steps: only for reach: tunnel packages, rendered from the bastion's settings. */
import { describe, expect, it } from 'vitest';
import { parseBastions, tunnelSettings } from '../../src/inventory/bastions.js';
import type { Package } from '../../src/inventory/schema.js';
import { loadVillages } from '../../src/inventory/villages.js';
import { loadRecipe } from '../../src/provision/recipe-load.js';
import { resolveRecipe } from '../../src/provision/recipe.js';
import { generateEd25519 } from '../../src/transport/keygen.js';
import { at } from '../helpers/at.js';

const ref = loadVillages();
const key = generateEd25519('b').publicKey.split(' ').slice(0, 2).join(' ');
const bastion = at(parseBastions(`bastions:\n  - id: b1\n    address: bastion.example.id\n    hostKey: ${key}\n`, 'b.yaml').bastions, 0);
const pkg = (reach?: 'tunnel'): Package => ({
  id: 'kiosk-a',
  village: '35.09.13.2006',
  address: '127.0.0.1',
  port: 22,
  user: 'root',
  hardware: {},
  tags: [],
  ...(reach ? { reach, bastion: 'b1', tunnel: { interval: 90 } } : {}),
  registeredAt: '2026-01-01T00:00:00Z',
});
const contentOf = (steps: Array<{ id: string; desired: unknown }>, id: string): string => {
  const s = steps.find((x) => x.id === id);
  if (!s) throw new Error(`no step ${id}`);
  return (s.desired as { content: string }).content;
};
const TUNNEL_STEPS = ['tunnel-key', 'tunnel-known-hosts', 'tunnel-restart-program', 'tunnel-unit', 'tunnel-enabled'];

describe('kiosk recipe: the reverse tunnel', () => {
  it('a direct package plans no tunnel step', async () => {
    const r = resolveRecipe(await loadRecipe(), pkg(), ref.byCode.get('35.09.13.2006'));
    expect(r.steps.map((s) => s.id).filter((id) => id.startsWith('tunnel-'))).toEqual([]);
  });

  it('a tunnelled package gets plain ssh -NT with the pinned bastion key, keepalive, the socket forward and restart', async () => {
    const p = pkg('tunnel');
    const r = resolveRecipe(await loadRecipe(), p, ref.byCode.get('35.09.13.2006'), { tunnel: tunnelSettings(p, bastion) });
    expect(r.steps.map((s) => s.id).filter((id) => id.startsWith('tunnel-'))).toEqual(TUNNEL_STEPS);
    const unit = contentOf(r.steps, 'tunnel-unit');
    const exec = unit.split('\n').find((l) => l.startsWith('ExecStart='));
    expect(exec).toBe(
      'ExecStart=/usr/bin/ssh -NT -F none -p 443 -i /etc/jfleet/tunnel_ed25519 -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=/etc/jfleet/tunnel_known_hosts -o GlobalKnownHostsFile=/dev/null -o ExitOnForwardFailure=yes -o ServerAliveInterval=90 -o ServerAliveCountMax=2 -o TCPKeepAlive=no -o ConnectTimeout=30 -R /run/jfleet/kiosk-a/ssh.sock:127.0.0.1:22 jf-kiosk-a@bastion.example.id',
    );
    expect(unit).toContain('Restart=always');
    expect(unit).toContain('StartLimitIntervalSec=0');
    expect(unit).toMatch(/^ExecStartPre=\/bin\/sleep ([0-9]|[12][0-9]|30)$/m);
    const kh = contentOf(r.steps, 'tunnel-known-hosts');
    expect(kh).toBe(`[bastion.example.id]:443 ${key}\nbastion.example.id ${key}\n`);
  });
});
