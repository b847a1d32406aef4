import { Command, Help, Option } from 'commander';
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
import { argumentDescription, commanderError, helpTitle, optionDescription, usageWords } from './render/commander.js';

/**
 * The whole command tree. Group files only declare commands (commander is cheap to load);
 * each action lazy-imports its handler, which keeps `--version` and `--help` fast.
 */
export function buildProgram(ctx: Context): Command {
  const t = ctx.t;
  const help: Partial<Help> = {
    styleTitle: (title: string) => helpTitle(t, title),
    commandUsage(this: Help, cmd: Command) {
      return usageWords(t, Help.prototype.commandUsage.call(this, cmd));
    },
    subcommandTerm(this: Help, cmd: Command) {
      return usageWords(t, Help.prototype.subcommandTerm.call(this, cmd));
    },
    optionDescription: (option) => optionDescription(t, option),
    argumentDescription: (argument) => argumentDescription(t, argument),
  };
  const output = {
    writeOut: (s: string) => ctx.stdout.write(s),
    writeErr: (s: string) => ctx.stderr.write(s),
    outputError: (s: string, write: (s: string) => void) => {
      const said = s.startsWith('error:') ? commanderError(t, s, ctx.lang) : s;
      write(printable(s.startsWith('error:') ? `jfleet: ${said}` : said));
    },
  };
  const program = new Command('jfleet');
  program
    .description(t('program.description'))
    .version(VERSION, '-V, --version', t('program.version'))
    .helpOption('-h, --help', t('program.help'))
    .helpCommand('help [command]', t('program.helpCommand'))
    .addOption(new Option('-i, --inventory <dir>', t('program.inventory')))
    .option('--debug', t('program.debug'))
    .option('--no-color', t('program.noColor'))
    .showHelpAfterError(t('common.runWithHelp'))
    .exitOverride()
    .configureHelp(help)
    .configureOutput(output)
    .addHelpText('after', () => t('program.helpAfter'));

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
      c.configureOutput(output);
      c.configureHelp(help);
      c.helpOption('-h, --help', t('program.help'));
      if (c.commands.length) c.helpCommand('help [command]', t('program.helpCommand'));
      c.showHelpAfterError(t('common.runWithHelp'));
      inherit(c);
    }
  };
  inherit(program);
  return program;
}
