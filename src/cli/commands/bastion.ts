import { Option, type Command } from 'commander';
import type { Context } from '../../context.js';
import { jsonOption } from '../shared.js';

/** jfleet bastion init|add|revoke: the stock OpenSSH server kiosks behind carrier NAT tunnel to (docs/reach.md). */
export function register(program: Command, ctx: Context): void {
  const bastion = program
    .command('bastion')
    .description('the bastion kiosks behind carrier NAT hold a reverse tunnel to (run these on the bastion, as root)')
    .addHelpText(
      'after',
      `
A kiosk with "reach: tunnel" in the inventory runs jfleet-tunnel.service: plain ssh -NT holding
-R /run/jfleet/<id>/ssh.sock:localhost:22 on the bastion. Each kiosk logs in as its own locked
user that may bind only its own socket (no shell, no PTY, no TCP forwarding); operators (group
jfleet-ops) may only open the sockets. The runner's SSH session to a kiosk runs end to end inside
that socket, checked against the kiosk's own pinned host key: the bastion holds no key that logs
in to any kiosk. See docs/reach.md.

Examples:
  $ jfleet bastion init                         # print the sshd drop-in and the layout
  $ sudo jfleet bastion init --apply --operator jfleet --operator-key fleet_ed25519.pub
  $ sudo jfleet bastion add kiosk-rambipuji --key "ssh-ed25519 AAAA… jfleet-tunnel kiosk-rambipuji"
  $ sudo jfleet bastion revoke kiosk-rambipuji`,
    );
  const rootOpt = () => new Option('--root <dir>', "the bastion's root file system (default /; a lab bastion's root)").default('/');
  const socketOpt = () => new Option('--socket-dir <dir>', 'where the kiosks sockets live (as in bastions.yaml socketDir)').default('/run/jfleet');
  bastion
    .command('init')
    .description('print (or --apply) the sshd drop-in, tmpfiles and accounts of a bastion')
    .option('--apply', 'write the layout (groups, drop-in, tmpfiles, socket directory, operator) instead of printing it')
    .addOption(rootOpt())
    .addOption(socketOpt())
    .addOption(new Option('--ports <list>', 'ports sshd listens on (443 passes carriers that filter 22)').default('443,22'))
    .addOption(new Option('--max-startups <s>', 'sshd MaxStartups start:rate:full, sized for the whole fleet reconnecting at once').default('300:30:600'))
    .option('--operator <user>', "the runner's login on the bastion (group jfleet-ops, SFTP and socket access only)")
    .option('--operator-key <file>', "the runner's public key for --operator (e.g. $JFLEET_HOME/keys/fleet_ed25519.pub)")
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `
After --apply: sshd -t && systemctl reload ssh (open sessions stay).

Examples:
  $ jfleet bastion init > bastion-layout.txt
  $ sudo jfleet bastion init --apply --operator jfleet --operator-key /tmp/fleet_ed25519.pub`,
    )
    .action(async (opts) => {
      const { bastionInitCommand } = await import('../handlers/bastion.js');
      await bastionInitCommand(ctx, opts);
    });
  bastion
    .command('add')
    .description('let one kiosk hold its tunnel: its locked user, its tunnel key, its socket directory')
    .argument('<id>', 'package id')
    .option('--key <line>', 'the kiosk tunnel public key (/etc/jfleet/tunnel_ed25519.pub on the kiosk; provision prints it)')
    .option('--key-file <file>', 'read the key line from this file')
    .addOption(rootOpt())
    .addOption(socketOpt())
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `
Examples:
  $ sudo jfleet bastion add kiosk-rambipuji --key "$(cat kiosk-rambipuji.tunnel.pub)"`,
    )
    .action(async (id: string, opts) => {
      const { bastionAddCommand } = await import('../handlers/bastion.js');
      await bastionAddCommand(ctx, id, opts);
    });
  bastion
    .command('revoke')
    .description('cut one kiosk off: key removed, user locked, its live tunnel dropped, its socket removed')
    .argument('<id>', 'package id')
    .addOption(rootOpt())
    .addOption(socketOpt())
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `
A stolen or retired kiosk: its tunnel drops at once and every later login is refused.
jfleet bastion add ID --key … lets it back in.

Examples:
  $ sudo jfleet bastion revoke kiosk-rambipuji`,
    )
    .action(async (id: string, opts) => {
      const { bastionRevokeCommand } = await import('../handlers/bastion.js');
      await bastionRevokeCommand(ctx, id, opts);
    });
}
