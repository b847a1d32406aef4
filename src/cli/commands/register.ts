import type { Command } from 'commander';
import type { Context } from '../../context.js';

/** jfleet register (issue 2). Not built yet: registers nothing. */
export function register(_program: Command, _ctx: Context): void {}
