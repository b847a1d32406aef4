/** The bastion's layout text and the tunnel verdict (pure). */
import { describe, expect, it } from 'vitest';
import { deviceAuthorizedKey, layoutText, sshdDropIn, tmpfilesDevice } from '../../src/reach/layout.js';
import { tunnelVerdict } from '../../src/reach/status.js';

describe('bastion layout', () => {
  const dropIn = sshdDropIn({ ports: [443, 22], socketDir: '/run/jfleet' });
  const block = (group: string) => dropIn.split(`Match Group ${group}\n`)[1]?.split('\nMatch ')[0] ?? '';

  it('listens on 443 and 22, raises MaxStartups, replaces stale sockets', () => {
    expect(dropIn).toMatch(/^Port 443$/m);
    expect(dropIn).toMatch(/^Port 22$/m);
    expect(dropIn).toMatch(/^MaxStartups 300:30:600$/m);
    expect(dropIn).toMatch(/^StreamLocalBindUnlink yes$/m);
    expect(dropIn).toMatch(/^StreamLocalBindMask 0117$/m);
    expect(dropIn).not.toMatch(/UnusedConnectionTimeout \d/);
  });

  it('a kiosk may bind its socket and nothing else: no shell, no PTY, no TCP forwards', () => {
    const b = block('jfleet-devices');
    for (const line of [
      'AllowStreamLocalForwarding remote',
      'PermitListen none',
      'PermitOpen none',
      'PermitTTY no',
      'ForceCommand /usr/sbin/nologin',
      'X11Forwarding no',
      'AllowAgentForwarding no',
    ])
      expect(b).toContain(`    ${line}\n`);
    expect(b).toContain('AuthorizedKeysFile /etc/jfleet/authorized_keys/%u');
  });

  it('operators open sockets over SFTP-only sessions', () => {
    const b = block('jfleet-ops');
    expect(b).toContain('    AllowStreamLocalForwarding local\n');
    expect(b).toContain('    ForceCommand internal-sftp\n');
  });

  it('per kiosk: a restricted key line and a group-readable setgid socket directory', () => {
    expect(deviceAuthorizedKey('ssh-ed25519 AAAAC3Nz x y', 'kiosk-a')).toBe('restrict,port-forwarding ssh-ed25519 AAAAC3Nz jfleet-tunnel kiosk-a\n');
    expect(tmpfilesDevice('/run/jfleet', 'kiosk-a', 'jf-kiosk-a')).toContain('d /run/jfleet/kiosk-a 2750 jf-kiosk-a jfleet-ops -');
    expect(layoutText({ ports: [443], socketDir: '/run/jfleet', operator: 'jfleet' })).toContain('groupadd --system jfleet-devices');
  });
});

describe('tunnel verdict', () => {
  it.each([
    [{ mtime: new Date() }, { reachable: true, tunnelDown: false }, 'up'],
    [null, { reachable: true, tunnelDown: false }, 'up'],
    [{ mtime: new Date() }, { reachable: false, tunnelDown: false }, 'up'], // the kiosk hung, its link fine
    [null, { reachable: false, tunnelDown: false }, 'down'],
    [{ mtime: new Date() }, { reachable: false, tunnelDown: true }, 'down'], // a stale socket: the channel was refused
    ['unknown', { reachable: false, tunnelDown: false }, 'unknown'],
  ] as const)('socket %j, probe %j -> %s', (socket, probe, want) => {
    expect(tunnelVerdict(socket, probe)).toBe(want);
  });
});
