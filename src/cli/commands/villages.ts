import type { Command } from 'commander';
import type { Context } from '../../context.js';
import { jsonOption } from '../shared.js';

/** jfleet villages [QUERY]: find a village by name (typo-tolerant) or code, or list a district. */
export function register(program: Command, ctx: Context): void {
  program
    .command('villages')
    .description("find Jember's villages and districts (Kemendagri codes, coordinates)")
    .argument('[query]', 'village name (case- and typo-tolerant), district name, or code / code prefix')
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `
With no QUERY, lists the 31 districts. A district name or code lists its villages.

Examples:
  $ jfleet villages                    # the districts, with their codes
  $ jfleet villages rambipuji          # the district Rambipuji and its villages
  $ jfleet villages "kasiyan timr"     # typo-tolerant village search
  $ jfleet villages 35.09.13.2006      # one village by code
  $ jfleet villages 35.09.13 --json    # machine-readable: code, name, kind, district, coordinates`,
    )
    .action(async (query: string | undefined, opts: { json?: boolean }) => {
      const { villagesCommand } = await import('../handlers/villages.js');
      await villagesCommand(ctx, query, opts);
    });
}
