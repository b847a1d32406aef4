/**
 * `jfleet ssh ID` as a technician uses it: an interactive shell on a real terminal (tmux gives
 * jfleet a pseudo-terminal), checked against the pinned host key, with the remote exit status.
 */
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, tempHome } from '../helpers/cli.js';
import { useLab } from '../lab/lab.js';
import { at } from '../helpers/at.js';

const lab = useLab(2);
const socket = `jfleet-ssh-${process.pid}-${Date.now()}`;
afterAll(async () => {
  await execa('tmux', ['-L', socket, 'kill-server'], { reject: false });
});

describe('jfleet ssh on a terminal', () => {
  it('opens an interactive shell with a pty on the device and returns its exit status', async () => {
    const home = tempHome();
    const dev = at(lab().devices, 0);
    const env = `env -i PATH="${process.env.PATH}" HOME="${home}" JFLEET_HOME="${home}" JFLEET_INVENTORY="${lab().inventoryDir}" JFLEET_KEY_FILE="${lab().keyFile}" NO_COLOR=1 TERM=xterm`;
    await execa('tmux', ['-L', socket, 'new-session', '-d', '-s', 's', '-x', '120', '-y', '40', `${env} node ${BIN} ssh ${dev.id}; echo "EXIT=$?"; sleep 60`]);
    const screen = async () => (await execa('tmux', ['-L', socket, 'capture-pane', '-p', '-t', 's', '-S', '-100'])).stdout;
    const waitFor = async (re: RegExp, ms = 20_000) => {
      const end = Date.now() + ms;
      let last = '';
      while (Date.now() < end) {
        last = await screen();
        if (re.test(last)) return last;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`timed out waiting for ${re}; screen:\n${last}`);
    };
    await waitFor(new RegExp(`root@${dev.id}`)); // the device's own prompt
    await execa('tmux', ['-L', socket, 'send-keys', '-t', 's', '-l', 'test -t 0 && echo "TTY=yes $(hostname)"; exit 7']);
    await execa('tmux', ['-L', socket, 'send-keys', '-t', 's', 'Enter']);
    const out = await waitFor(/EXIT=\d+/);
    expect(out).toContain(`TTY=yes ${dev.id}`);
    expect(out).toMatch(/EXIT=7/);
  });
});
