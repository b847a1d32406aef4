import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { jfleet, tempHome } from '../helpers/cli.js';

// A probe target from health.yaml that starts with "-" would reach curl, ping or getent on every
// device as an option (curl -K reads a config file). The sweep refuses the file before it
// contacts any device: the one device here is a TCP listener that counts connections.
let server: Server;
let port = 0;
let connections = 0;

beforeAll(async () => {
  server = createServer((s) => {
    connections++;
    s.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('jfleet sweep with a hostile probe target in health.yaml (built binary)', () => {
  it.each([
    ['api_url', '-K/etc/passwd'],
    ['portal_url', '-K/etc/passwd'],
    ['portal_url', 'file:///etc/passwd'],
    ['gateway', '-fI127.0.0.1'],
    ['internet', '--help'],
    ['dns_name', '-s'],
    ['dns_name', 'jember kab.go.id'],
  ])('probe.%s: %s → one located line, exit 2, no device contacted', async (field, value) => {
    const home = tempHome('jfleet-health-yaml-');
    const inv = join(home, 'inventory');
    mkdirSync(inv, { recursive: true });
    writeFileSync(
      join(inv, 'packages.yaml'),
      `packages:\n  - { id: rambipuji-1, village: 35.09.13.2006, address: 127.0.0.1, port: ${port}, registeredAt: 2026-01-01T00:00:00Z }\n`,
    );
    writeFileSync(join(inv, 'health.yaml'), `retention_days: 30\nprobe:\n  # each becomes an operand on the device\n  ${field}: ${JSON.stringify(value)}\n`);
    const before = connections;
    const r = await jfleet(['sweep'], { home, env: { JFLEET_INVENTORY: inv } });
    expect(r.exitCode).toBe(2);
    const lines = r.stderr
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('jfleet: hint:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^jfleet: error: ${inv.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/health\\.yaml:4 probe\\.${field}: `));
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack
    expect(r.stdout).toBe('');
    expect(connections).toBe(before);
  });
});
