import type { Command } from 'commander';
import type { Context } from '../../context.js';

/** jfleet keys init, jfleet hostkey accept (issue 3). Not built yet: registers nothing. */
export function register(_program: Command, _ctx: Context): void {}
