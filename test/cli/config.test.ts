import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jfleet, tempHome } from '../helpers/cli.js';

describe('jfleet config', () => {
  it('set/get round-trips, stores 0600 under JFLEET_HOME and masks secrets', async () => {
    const home = tempHome();
    expect((await jfleet(['config', 'set', 'api.url', 'https://central.lan'], { home })).stdout).toBe('api.url = https://central.lan\n');
    const set = await jfleet(['config', 'set', 'api.token', 'tok_0123456789abcdef'], { home });
    expect(set.stdout).toBe('api.token = to******ef\n');
    expect(statSync(join(home, 'config.json')).mode & 0o777).toBe(0o600);
    expect((await jfleet(['config', 'get', 'api.url'], { home })).stdout).toBe('https://central.lan\n');
    const tok = await jfleet(['config', 'get', 'api.token'], { home });
    expect(tok.stdout).toBe('to******ef\n');
    const list = await jfleet(['config', 'list'], { home });
    expect(list.stdout).toMatch(/api\.token\s+to\*{6}ef/);
    expect(list.stdout).not.toContain('0123456789');
    expect((await jfleet(['config', 'list', '--json'], { home })).stdout).not.toContain('0123456789');
  });
  it('JFLEET_* overrides win and say where they come from', async () => {
    const home = tempHome();
    await jfleet(['config', 'set', 'forks', '20'], { home });
    expect((await jfleet(['config', 'get', 'forks'], { home, env: { JFLEET_FORKS: '4' } })).stdout).toBe('4\n');
    const list = await jfleet(['config', 'list'], { home, env: { JFLEET_FORKS: '4' } });
    expect(list.stdout).toMatch(/forks\s+4\s+\(from JFLEET_FORKS\)/);
  });
  it('homes are isolated', async () => {
    const a = tempHome();
    const b = tempHome();
    await jfleet(['config', 'set', 'forks', '7'], { home: a });
    const r = await jfleet(['config', 'get', 'forks'], { home: b });
    expect(r).toMatchObject({ exitCode: 1, stdout: '', stderr: 'jfleet: forks is not set\n' });
  });
  it('invalid values and unknown keys are exit 2', async () => {
    const home = tempHome();
    const bad = await jfleet(['config', 'set', 'forks', 'lots'], { home });
    expect(bad).toMatchObject({ exitCode: 2, stdout: '' });
    expect(bad.stderr).toBe('jfleet: error: forks: must be a whole number\n');
    const unknown = await jfleet(['config', 'set', 'nope', 'x'], { home });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('unknown config key "nope"');
  });
});
