import { describe, expect, it } from 'vitest';
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
