import type { Command } from 'commander';
import type { Context } from '../../context.js';
import { forksOption, jsonOption, limitOption } from '../shared.js';

/** jfleet provision: plan -> show -> confirm -> apply the kiosk recipe. */
export function register(program: Command, ctx: Context): void {
  program
    .command('provision')
    .description("bring kiosks to the recipe's desired state over SSH (idempotent; safe to run again)")
    .addOption(limitOption())
    .option('--check', 'plan only: show what would change; the devices are left untouched')
    .option('--diff', 'show before/after of files and settings')
    .option('-y, --yes', 'apply without asking (needed without a terminal)')
    .addOption(jsonOption())
    .addOption(forksOption())
    .option(
      '--bootstrap',
      'where the fleet key is not accepted yet, log in with the factory password, install the key, pin the host key, then continue with the key',
    )
    .option('--password-file <file>', 'factory root password for --bootstrap (else $JFLEET_BOOTSTRAP_PASSWORD)')
    .option('--profile <name>', 'recipe profile, e.g. "lab" (else the package\'s vars.recipe_profile)')
    .option('--recipe <dir>', 'recipe directory (default: the shipped recipes/kiosk)')
    .option('--direct', 'reach tunnelled packages directly this once (staging on the office LAN, before their tunnel exists)')
    .option('-v, --verbose', 'list ok steps too')
    .addHelpText(
      'after',
      `
Each step reports ok, changed, failed or skipped; a recap per device and in total follows.
Exit codes: 0 all devices ok, 1 some device failed (re-run those with --limit @failed),
2 usage/input error or no confirmation possible, 130 cancelled. Details: docs/provision.md.

Examples:
  $ jfleet provision --check --diff
  $ jfleet provision --limit Kaliwates --yes
  $ jfleet provision --limit @failed --yes
  $ JFLEET_BOOTSTRAP_PASSWORD=... jfleet provision --limit desa-1 --bootstrap --yes
  $ jfleet provision --profile lab --yes --json
  $ jfleet provision --limit kiosk-rambipuji --direct --yes   # staging a reach: tunnel kiosk (docs/reach.md)`,
    )
    .action(async (opts, cmd: Command) => {
      const { provisionCommand } = await import('../handlers/provision.js');
      await provisionCommand(ctx, { ...opts, inventory: cmd.optsWithGlobals().inventory as string | undefined });
    });
}
