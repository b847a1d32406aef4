/** jfleet lab up / status / down and jfleet ssh, as a user runs them. */
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { jfleet, tempHome } from '../helpers/cli.js';
import { at } from '../helpers/at.js';

describe('jfleet lab up|status|down, jfleet ssh', () => {
  it('brings up a training fleet, prints how to use it, and takes it down by pid', async () => {
    const home = tempHome();
    const up = await jfleet(['lab', 'up', '--devices', '3', '--json'], { home });
    expect(up.stderr).toBe('');
    expect(up.exitCode).toBe(0);
    const info = JSON.parse(up.stdout) as {
      id: string;
      dir: string;
      inventory: string;
      keyFile: string;
      env: Record<string, string>;
      devices: Array<{ id: string; address: string }>;
    };
    try {
      expect(info.devices).toHaveLength(3);
      expect(info.env).toEqual({ JFLEET_INVENTORY: info.inventory, JFLEET_KEY_FILE: info.keyFile });
      const status = await jfleet(['lab', 'status', '--json'], { home });
      const mine = (JSON.parse(status.stdout) as { labs: Array<{ id: string; up: number; devices: number; owner: string }> }).labs.find(
        (l) => l.id === info.id,
      );
      expect(mine).toMatchObject({ up: 3, devices: 3, owner: 'lab up' });

      const exec = await jfleet(['exec', '--', 'hostname'], { home, env: info.env });
      expect(exec.exitCode).toBe(0);
      for (const d of info.devices) expect(exec.stdout).toContain(`${d.id} | ${d.id}`);
      // jfleet ssh: a command, and a shell fed from stdin (no terminal)
      const one = await jfleet(['ssh', at(info.devices, 0).id, '--', 'hostname'], { home, env: info.env });
      expect(one).toMatchObject({ exitCode: 0, stdout: `${at(info.devices, 0).id}\n` });
      const shell = await jfleet(['ssh', at(info.devices, 1).id], { home, env: info.env, input: 'echo from-shell $(hostname)\nexit 3\n' });
      expect(shell.stdout).toContain(`from-shell ${at(info.devices, 1).id}`);
      expect(shell.exitCode).toBe(3);
    } finally {
      const down = await jfleet(['lab', 'down', info.id], { home });
      expect(down.stdout).toBe(`stopped ${info.id}\n`);
      expect(down.exitCode).toBe(0);
    }
    expect(existsSync(info.dir)).toBe(false);
    const after = await jfleet(['lab', 'status', '--json'], { home });
    expect((JSON.parse(after.stdout) as { labs: Array<{ id: string }> }).labs.map((l) => l.id)).not.toContain(info.id);
  });
});
