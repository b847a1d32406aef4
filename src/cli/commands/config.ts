import type { Command } from 'commander';
import type { Context } from '../../context.js';

/** jfleet config get|set|list (issue 2). Not built yet: registers nothing. */
export function register(_program: Command, _ctx: Context): void {}
