import type { Command } from 'commander';
import type { Context } from '../../context.js';
import { globals, jsonOption } from '../shared.js';

/** jfleet keys init|show, jfleet hostkey accept. */
export function register(program: Command, ctx: Context): void {
  const keys = program
    .command('keys')
    .description('the fleet SSH key jfleet logs in with')
    .addHelpText(
      'after',
      `
jfleet offers, in order: the package's identityFile, config "keyFile" (JFLEET_KEY_FILE), the
fleet key $JFLEET_HOME/keys/fleet_ed25519, keys named in ~/.ssh/config, and ssh-agent
(SSH_AUTH_SOCK). A password is only used by first-boot bootstrap.

Examples:
  $ jfleet keys init
  $ jfleet keys show`,
    );
  keys
    .command('init')
    .description('create the fleet key (ed25519, private half mode 0600 under JFLEET_HOME/keys)')
    .option('--force', 'replace an existing fleet key (devices that trust the old one lock jfleet out)')
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `
Examples:
  $ jfleet keys init
  $ JFLEET_HOME=/srv/jfleet jfleet keys init --json`,
    )
    .action(async (opts) => {
      const { keysInitCommand } = await import('../handlers/keys.js');
      await keysInitCommand(ctx, opts);
    });
  keys
    .command('show')
    .description('print the fleet public key and its fingerprint (to install on devices)')
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `
Examples:
  $ jfleet keys show`,
    )
    .action(async (opts) => {
      const { keysShowCommand } = await import('../handlers/keys.js');
      await keysShowCommand(ctx, opts);
    });

  const hostkey = program.command('hostkey').description('host keys pinned in the inventory (trust on first use)');
  hostkey
    .command('accept')
    .description("re-pin a device's host key after a reinstall: shows the pinned and the proven key and asks (or --expect)")
    .argument('<id>', 'package id')
    .option('--expect <fingerprint>', 'pin only if the device proves this key (SHA256:…, as ssh-keygen -lf prints it); no question asked')
    .option('-y, --yes', 'pin whatever key the device proves without asking (prefer --expect)')
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `
A changed host key means a reinstalled device or a man in the middle. jfleet refuses to connect
(showing both fingerprints) until this command re-pins it; there is no option to skip the check.
The device must prove it holds the key (a completed SSH key exchange); a key it only offers is
never pinned. On a terminal the pinned and the proven fingerprint are shown and you confirm.
Without a terminal pass --expect with the fingerprint read on the device itself (a different
proven key: exit 2, nothing written), or --yes; with neither it refuses (exit 2).

Examples:
  $ jfleet hostkey accept kiosk-rambipuji
  $ ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub     # on the device, from its console
  $ jfleet hostkey accept kiosk-rambipuji --expect SHA256:Qx0vY2mJ3l0bq9zqkTn8Hc1V6Jm3sYx4bW0eQ1xL2aE`,
    )
    .action(async (id: string, opts, cmd: Command) => {
      const { hostkeyAcceptCommand } = await import('../handlers/keys.js');
      await hostkeyAcceptCommand(ctx, id, { ...opts, inventory: globals(cmd).inventory });
    });
}
