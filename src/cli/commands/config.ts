import type { Command } from 'commander';
import type { Context } from '../../context.js';
import { jsonOption } from '../shared.js';

/** jfleet config get|set|unset|list */
export function register(program: Command, ctx: Context): void {
  const cfg = program
    .command('config')
    .description('read and change jfleet settings ($JFLEET_HOME/config.json, mode 0600)')
    .addHelpText(
      'after',
      `
Every key can be overridden for one run by an environment variable: JFLEET_ plus the key in
capitals with "." as "_" (api.url → JFLEET_API_URL, keyFile → JFLEET_KEY_FILE). Secrets
(api.token) are shown masked.

Examples:
  $ jfleet config list
  $ jfleet config set api.url https://central.example.lan
  $ jfleet config set forks 20
  $ jfleet config get api.token          # masked
  $ JFLEET_FORKS=5 jfleet config get forks`,
    );

  cfg
    .command('list')
    .description('every key with its value, source (file or env) and description')
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `
Examples:
  $ jfleet config list
  $ JFLEET_API_TOKEN=... jfleet config list --json`,
    )
    .action(async (opts) => {
      const { configList } = await import('../handlers/config.js');
      await configList(ctx, opts);
    });

  cfg
    .command('get')
    .description('print one value (secrets masked)')
    .argument('<key>', 'e.g. api.url, forks, inventory')
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `
Exit codes: 0 printed, 1 the key is not set, 2 unknown key.

Examples:
  $ jfleet config get forks
  $ jfleet config get api.url --json`,
    )
    .action(async (key: string, opts) => {
      const { configGet } = await import('../handlers/config.js');
      await configGet(ctx, key, opts);
    });

  cfg
    .command('set')
    .description('validate and store one value')
    .argument('<key>', 'e.g. api.url')
    .argument('<value>', 'the new value (paths are stored absolute)')
    .addHelpText(
      'after',
      `
Examples:
  $ jfleet config set inventory ./inventories/example
  $ jfleet config set schedule.sweep "*/15 * * * *"`,
    )
    .action(async (key: string, value: string) => {
      const { configSet } = await import('../handlers/config.js');
      await configSet(ctx, key, value);
    });

  cfg
    .command('unset')
    .description('remove one value (back to the default)')
    .argument('<key>', 'e.g. api.token')
    .addHelpText(
      'after',
      `
Examples:
  $ jfleet config unset api.token`,
    )
    .action(async (key: string) => {
      const { configUnset } = await import('../handlers/config.js');
      await configUnset(ctx, key);
    });
}
