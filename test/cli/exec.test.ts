import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { jfleet, tempHome } from '../helpers/cli.js';

describe('jfleet exec (no devices needed)', () => {
  it('needs a command', async () => {
    const r = await jfleet(['exec']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("missing required argument 'command'");
  });
  it('rejects a bad --forks/--timeout before touching anything', async () => {
    expect((await jfleet(['exec', '--forks', '0', '--', 'true'])).exitCode).toBe(2);
    const t = await jfleet(['exec', '--timeout', 'soon', '--', 'true']);
    expect(t.exitCode).toBe(2);
    expect(t.stderr).toContain('--timeout takes a whole number');
  });
  it('says so when there is no inventory (exit 2)', async () => {
    const home = tempHome();
    const r = await jfleet(['exec', '--', 'uptime'], { home });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('no inventory');
  });
  it('documents exit codes and placeholders in --help', async () => {
    const r = await jfleet(['exec', '--help']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('{var.NAME}');
    expect(r.stdout).toContain('Exit codes');
    expect(r.stdout).toContain('Examples:');
  });
});

describe('jfleet exec: a placeholder value that could run as code', () => {
  // a TCP listener standing in for the device: it counts every connection attempt
  async function device(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
    let n = 0;
    const server = createServer((s) => {
      n++;
      s.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { port: (server.address() as AddressInfo).port, connections: () => n, close: () => new Promise((resolve) => server.close(() => resolve())) };
  }
  function fleet(port: number, n: string): string {
    const home = tempHome();
    mkdirSync(join(home, 'inventory'));
    writeFileSync(
      join(home, 'inventory', 'packages.yaml'),
      `packages:\n  - id: kiosk-ajung\n    village: 35.09.13.2006\n    address: 127.0.0.1\n    port: ${port}\n    vars: { n: ${JSON.stringify(n)} }\n    registeredAt: 2026-01-01T00:00:00Z\n`,
    );
    return home;
  }

  it('is refused in one line naming the package and the field, exit 2, before any device is contacted', async () => {
    const d = await device();
    try {
      const home = fleet(d.port, 'x[$(id > /tmp/jfleet-pwned)]');
      const r = await jfleet(['exec', '--connect-timeout', '2', '--', 'echo $(( {var.n} + 1 ))'], { home });
      expect(r.exitCode).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^jfleet: error: kiosk-ajung vars\.n: refused for \{var\.n\}: the value holds "\["/);
      const argv = await jfleet(['exec', '--connect-timeout', '2', '--', 'bash', '-c', 'echo {var.n}'], { home: fleet(d.port, 'a; id') });
      expect(argv.exitCode).toBe(2);
      expect(argv.stderr).toMatch(/^jfleet: error: kiosk-ajung vars\.n: refused for \{var\.n\}: it stands in a longer text/);
      const ssh = await jfleet(['ssh', 'kiosk-ajung', '--', 'let x={var.n}'], { home });
      expect(ssh.exitCode).toBe(2);
      expect(ssh.stderr).toMatch(/^jfleet: error: kiosk-ajung vars\.n: refused/);
      expect(d.connections()).toBe(0);
      // the control: an ordinary value does reach the (fake) device, which is then not ok
      const ok = await jfleet(['exec', '--connect-timeout', '2', '--', 'echo {var.n}'], { home: fleet(d.port, "Tegal'rejo Kidul") });
      expect(ok.exitCode).toBe(1);
      expect(d.connections()).toBeGreaterThan(0);
    } finally {
      await d.close();
    }
  });
});
