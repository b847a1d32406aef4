import { Option, type Command } from 'commander';
import type { Context } from '../../context.js';
import { jsonOption, positiveInt } from '../shared.js';

/** jfleet register: a wizard on a terminal, flags for scripts and CI, or --from CSV for bulk import. */
export function register(program: Command, ctx: Context): void {
  program
    .command('register')
    .description('register kiosk packages in the inventory (wizard, flags, or --from CSV)')
    .option('--village <code|name>', 'village code (35.09.13.2006) or unique village name')
    .option('--address <host|ip>', 'IP address or RFC 1123 host name the package answers SSH on')
    .option('--id <id>', 'package id (default: generated from the village, e.g. rambipuji-1)')
    .addOption(new Option('--port <n>', 'SSH port (default 22)').argParser(positiveInt('--port')))
    .option('--user <name>', 'SSH user (default root)')
    .option('--serial <serial>', 'hardware serial number')
    .option('--mac <mac>', 'MAC address, e.g. 00:11:22:33:44:55')
    .option('--model <model>', 'hardware model')
    .option('--tag <tag>', 'tag, e.g. a rollout ring (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--jump <host>', 'jump host: another package id or [user@]host[:port]')
    .option('--custodian-name <name>', 'custodian (personal data: optional, stored only in the inventory)')
    .option('--custodian-phone <phone>', 'custodian phone (personal data: optional, stored only in the inventory)')
    .option('--from <file.csv>', 'bulk import: header id,village,address,port,user,serial,mac,model,tags (village and address required)')
    .option('--skip-invalid', 'with --from: import the good rows and write the rejected ones to a file')
    .option('--rejected <file>', 'with --skip-invalid: where rejected rows go (default: <file>.rejected.csv)')
    .option('--dry-run', 'show what would be written, write nothing')
    .option('-y, --yes', 'wizard: register without asking to confirm the summary')
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `
On a terminal, missing --village/--address start a wizard (village search as you type, every
answer checked on the spot, summary, confirm). Without a terminal, or with CI set, it never
prompts: it names the missing flags and exits 2. Re-importing the same CSV changes nothing.

Examples:
  $ jfleet register                                        # the wizard
  $ jfleet register --village 35.09.13.2006 --address kiosk-rambipuji.lan \\
      --serial SN123 --mac 00:11:22:33:44:55 --model "NUC 11" --tag ring-0
  $ jfleet register --from packages.csv --dry-run
  $ jfleet register --from packages.csv --skip-invalid --rejected bad-rows.csv`,
    )
    .action(async (opts, cmd: Command) => {
      const { registerCommand } = await import('../handlers/register.js');
      await registerCommand(ctx, { ...opts, inventory: cmd.optsWithGlobals().inventory });
    });
}
