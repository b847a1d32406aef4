import { Command, Option } from 'commander';
import type { Context } from '../context.js';
import { printable } from '../errors.js';
import { register as registerVillages } from './commands/villages.js';
import { register as registerRegister } from './commands/register.js';
import { register as registerInventory } from './commands/inventory.js';
import { register as registerConfig } from './commands/config.js';
import { register as registerLab } from './commands/lab.js';
import { register as registerKeys } from './commands/keys.js';
import { register as registerExec } from './commands/exec.js';
import { register as registerProvision } from './commands/provision.js';
import { register as registerHealth } from './commands/health.js';
import { register as registerSchedule } from './commands/schedule.js';
import { register as registerReport } from './commands/report.js';
import { register as registerCentral } from './commands/central.js';
import { register as registerRollout } from './commands/rollout.js';
import { register as registerDemo } from './commands/demo.js';
import { register as registerBastion } from './commands/bastion.js';
import { VERSION } from '../version.js';

/**
 * The whole command tree. Group files only declare commands (commander is cheap to load);
 * each action lazy-imports its handler, which keeps `--version` and `--help` fast.
 */
export function buildProgram(ctx: Context): Command {
  const program = new Command('jfleet');
  program
    .description('Register, provision, check, report on and update the village kiosk fleet of Kabupaten Jember.')
    .version(VERSION, '-V, --version')
    .addOption(new Option('-i, --inventory <dir>', 'inventory directory (default: $JFLEET_INVENTORY, config "inventory", or $JFLEET_HOME/inventory)'))
    .option('--debug', 'show stack traces and debug logs')
    .option('--no-color', 'disable colour (NO_COLOR is honoured too)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
      outputError: (s, write) => write(printable(s.startsWith('error:') ? `jfleet: ${s}` : s)),
    })
    .addHelpText(
      'after',
      `
Exit codes:
  0    ok
  1    some device failed (the report says which)
  2    usage or input error (wrong flag, malformed inventory, hostile value); nothing was written
  3    unknown (Nagios contract, jfleet check)
  4    rollout aborted (failures passed --max-fail)
  5    rollout completed with devices pending (unreachable; a later run picks them up)
  6    sweep: the worst alerting state is critical (1 warn, 3 unknown)
  7    sweep: the worst alerting state is unreachable
  70   internal error (a bug: run with --debug and report it)
  74   storage failed (full disk, quota, read-only, I/O error, corrupt state database); nothing was written
  75   another run holds the lock
  130  cancelled

Environment:
  JFLEET_HOME        where config, keys and state live (default ~/.jfleet)
  JFLEET_INVENTORY   inventory directory
  JFLEET_KEY_FILE    private key for SSH (default: the fleet key from jfleet keys init)
  JFLEET_API_URL, JFLEET_API_TOKEN, JFLEET_FORKS   override config for CI
  NO_COLOR           disable colour

Examples:
  $ jfleet villages rambipuji
  $ jfleet register --village 35.09.13.2006 --address kiosk-rambipuji.lan --serial SN123 --mac 00:11:22:33:44:55 --model NUC
  $ jfleet exec --limit Rambipuji -- uptime
  $ jfleet demo`,
    );

  for (const reg of [
    registerVillages,
    registerRegister,
    registerInventory,
    registerConfig,
    registerLab,
    registerKeys,
    registerBastion,
    registerExec,
    registerProvision,
    registerHealth,
    registerSchedule,
    registerReport,
    registerCentral,
    registerRollout,
    registerDemo,
  ])
    reg(program, ctx);

  // Subcommands inherit the error/exit behaviour of the root.
  const inherit = (cmd: Command) => {
    for (const c of cmd.commands) {
      c.exitOverride();
      c.configureOutput({
        writeOut: (s) => ctx.stdout.write(s),
        writeErr: (s) => ctx.stderr.write(s),
        outputError: (s, write) => write(printable(s.startsWith('error:') ? `jfleet: ${s}` : s)),
      });
      c.showHelpAfterError('(run with --help for usage)');
      inherit(c);
    }
  };
  inherit(program);
  return program;
}
