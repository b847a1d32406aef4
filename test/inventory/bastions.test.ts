import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseBastions, publicKeyFingerprint, tunnelSettings, tunnelUser } from '../../src/inventory/bastions.js';
import { loadInventory } from '../../src/inventory/load.js';
import { generateEd25519 } from '../../src/transport/keygen.js';
import { at } from '../helpers/at.js';

const key = generateEd25519('bastion');
/** the key line without its comment, as the schema keeps it */
const keyLine = key.publicKey.split(' ').slice(0, 2).join(' ');
const bastionYaml = (extra = '') => `bastions:
  - id: bastion-jember
    address: bastion.jemberkab.go.id
    hostKey: ${key.publicKey}
    keepalive: { interval: 120, count: 2 }
    districts:
      "35.09.13": { interval: 60 }
${extra}`;

const pkg = (fields: string) => `packages:
  - id: kiosk-a
    village: 35.09.13.2006
    address: 127.0.0.1
    registeredAt: 2026-01-01T00:00:00Z
${fields}`;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function inventory(packages: string, bastions?: string): string {
  const d = mkdtempSync(join(tmpdir(), 'jf-bastions-'));
  dirs.push(d);
  writeFileSync(join(d, 'packages.yaml'), packages);
  if (bastions !== undefined) writeFileSync(join(d, 'bastions.yaml'), bastions);
  return d;
}

describe('bastions.yaml', () => {
  it('parses a bastion with defaults and pins its key by fingerprint', () => {
    const r = parseBastions(bastionYaml(), 'bastions.yaml');
    expect(r.issues).toEqual([]);
    const b = at(r.bastions, 0);
    expect(b.ports).toEqual([443, 22]);
    expect(b.user).toBe('jfleet');
    expect(b.socketDir).toBe('/run/jfleet');
    expect(publicKeyFingerprint(b.hostKey)).toBe(key.fingerprint);
  });

  it.each([
    ['hostKey: not-a-key', 'bastions[0].hostKey', 4, 'OpenSSH public key'],
    ['ports: [0]', 'bastions[0].ports.0', 4, '1-65535'],
    ['socketDir: /run/../etc', 'bastions[0].socketDir', 4, '".."'],
  ])('refuses %s with its line and field', (line, field, lineNo, msg) => {
    const text = `bastions:\n  - id: b\n    address: b.example\n    ${line}\n${line.startsWith('hostKey') ? '' : `    hostKey: ${key.publicKey}\n`}`;
    const r = parseBastions(text, 'bastions.yaml');
    const first = at(r.issues, 0);
    expect(first.field).toBe(field);
    expect(first.line).toBe(lineNo);
    expect(first.message).toContain(msg);
  });

  it('refuses a duplicate id and an unknown top-level key', () => {
    const dup = parseBastions(`${bastionYaml()}  - id: bastion-jember\n    address: x.example\n    hostKey: ${key.publicKey}\n`, 'b.yaml');
    expect(at(dup.issues, 0).message).toContain('duplicate bastion id');
    const unknown = parseBastions('bastion: []\n', 'b.yaml');
    expect(at(unknown.issues, 0).field).toBe('bastion');
  });

  it('tunnel settings: package over district over bastion; known_hosts names every port', () => {
    const b = at(parseBastions(bastionYaml(), 'b.yaml').bastions, 0);
    const s = tunnelSettings({ id: 'kiosk-a', village: '35.09.13.2006', tunnel: { count: 3 } }, b);
    expect(s).toMatchObject({ host: 'bastion.jemberkab.go.id', port: 443, user: 'jf-kiosk-a', socket: '/run/jfleet/kiosk-a/ssh.sock', interval: 60, count: 3 });
    expect(s.knownHosts).toBe(`[bastion.jemberkab.go.id]:443 ${keyLine}\nbastion.jemberkab.go.id ${keyLine}\n`);
    const other = tunnelSettings({ id: 'kiosk-b', village: '35.09.01.2001', tunnel: { port: 22 } }, b);
    expect(other).toMatchObject({ port: 22, interval: 120, count: 2 });
  });

  it('TCP keepalive: 120 s by default with ServerAlive 600 s x 2; tcp: 0 turns it off (the kernel defaults), per district or package; out-of-range refused', () => {
    const plain = at(parseBastions(`bastions:\n  - id: b\n    address: b.example.id\n    hostKey: ${key.publicKey}\n`, 'b.yaml').bastions, 0);
    expect(tunnelSettings({ id: 'kiosk-a', village: '35.09.13.2006' }, plain)).toMatchObject({
      interval: 600,
      count: 2,
      tcp: 120,
      tcpKernel: { time: 120, intvl: 30, probes: 4 },
    });
    const back = at(parseBastions(bastionYaml().replace('"35.09.13": { interval: 60 }', '"35.09.13": { interval: 120, tcp: 0 }'), 'b.yaml').bastions, 0);
    expect(tunnelSettings({ id: 'kiosk-a', village: '35.09.13.2006' }, back)).toMatchObject({
      interval: 120,
      tcp: 0,
      tcpKernel: { time: 7200, intvl: 75, probes: 9 },
    });
    expect(tunnelSettings({ id: 'kiosk-a', village: '35.09.13.2006', tunnel: { tcp: 90 } }, back)).toMatchObject({ tcp: 90, tcpKernel: { time: 90 } });
    expect(tunnelSettings({ id: 'kiosk-b', village: '35.09.01.2001' }, back)).toMatchObject({ tcp: 120 });
    for (const bad of ['10', '4000', '1.5']) {
      const r = parseBastions(bastionYaml().replace('{ interval: 120, count: 2 }', `{ interval: 120, tcp: ${bad} }`), 'b.yaml');
      expect(r.issues.map((i) => `${i.field}: ${i.message}`)).toEqual([expect.stringMatching(/^bastions\[0\]\.keepalive\.tcp: must be/)]);
    }
  });

  it("dialing order: the bastion's ports; a package's tunnel.port goes first, never alone (the kiosk still falls back)", () => {
    const b = at(parseBastions(bastionYaml(), 'b.yaml').bastions, 0);
    const p = (tunnel?: { port?: number }) => tunnelSettings({ id: 'kiosk-a', village: '35.09.13.2006', ...(tunnel ? { tunnel } : {}) }, b);
    expect(p()).toMatchObject({ port: 443, ports: [443, 22] });
    expect(p({ port: 22 })).toMatchObject({ port: 22, ports: [22, 443] });
    expect(p({ port: 443 })).toMatchObject({ port: 443, ports: [443, 22] });
    const dup = at(parseBastions(bastionYaml().replace('    keepalive:', '    ports: [22, 443, 22]\n    keepalive:'), 'b.yaml').bastions, 0);
    expect(tunnelSettings({ id: 'kiosk-a', village: '35.09.13.2006' }, dup)).toMatchObject({ port: 22, ports: [22, 443] });
    expect(tunnelSettings({ id: 'kiosk-a', village: '35.09.13.2006' }, dup).knownHosts.split('\n').filter(Boolean)).toHaveLength(2);
  });

  it('a device user fits the 32 characters Linux allows, one per device', () => {
    const long = 'kiosk-sumberjambe-cumedak-number-two-long';
    const u = tunnelUser(long);
    expect(u.length).toBeLessThanOrEqual(32);
    expect(u).not.toBe(tunnelUser(`${long}-x`));
    expect(tunnelUser('kiosk-a')).toBe('jf-kiosk-a');
  });
});

describe('reach in packages.yaml', () => {
  it('accepts reach: tunnel with a defined bastion', () => {
    const r = loadInventory(inventory(pkg('    reach: tunnel\n    bastion: bastion-jember\n'), bastionYaml()));
    expect(r.issues).toEqual([]);
    expect(at(r.packages, 0).reach).toBe('tunnel');
  });

  it.each([
    ['    reach: tunnel\n', 'packages[0].reach', 6, 'needs bastion'],
    ['    reach: tunnel\n    bastion: nowhere\n', 'packages[0].bastion', 7, 'unknown bastion "nowhere"'],
    ['    bastion: bastion-jember\n', 'packages[0].bastion', 6, 'only with reach: tunnel'],
    ['    reach: tunnel\n    bastion: bastion-jember\n    jump: other\n', 'packages[0].jump', 8, 'not a jump host'],
    ['    reach: carrier-pigeon\n', 'packages[0].reach', 6, 'direct'],
  ])('refuses %j at its line', (fields, field, line, msg) => {
    const r = loadInventory(inventory(pkg(fields), bastionYaml()));
    const first = at(r.issues, 0);
    expect(first.field).toBe(field);
    expect(first.line).toBe(line);
    expect(first.message).toContain(msg);
  });

  it("refuses a tunnel.port the bastion does not listen on, at the package's tunnel line; one of its ports is fine", () => {
    const r = loadInventory(inventory(pkg('    reach: tunnel\n    bastion: bastion-jember\n    tunnel: { port: 2222 }\n'), bastionYaml()));
    const first = at(r.issues, 0);
    expect(first.field).toBe('packages[0].tunnel.port');
    expect(first.line).toBe(8);
    expect(first.message).toMatch(
      /^port 2222 is not a port of bastion bastion-jember \(its ports: 443, 22\): add it to the bastion's ports in \S+bastions\.yaml or remove tunnel\.port$/,
    );
    const ok = loadInventory(inventory(pkg('    reach: tunnel\n    bastion: bastion-jember\n    tunnel: { port: 22 }\n'), bastionYaml()));
    expect(ok.issues).toEqual([]);
  });

  it('says so when bastions.yaml is missing', () => {
    const r = loadInventory(inventory(pkg('    reach: tunnel\n    bastion: bastion-jember\n')));
    expect(at(r.issues, 0).message).toContain('bastions.yaml does not exist');
  });

  it('reports a broken bastions.yaml at its own line', () => {
    const r = loadInventory(
      inventory(pkg('    reach: tunnel\n    bastion: bastion-jember\n'), 'bastions:\n  - id: x\n    address: b.example\n    hostKey: nope\n'),
    );
    const first = at(r.issues, 0);
    expect(first.file).toMatch(/bastions\.yaml$/);
    expect(first.line).toBe(4);
  });
});
