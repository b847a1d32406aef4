import type { Command } from 'commander';
import type { Context } from '../../context.js';

/** jfleet provision (issue 4). Not built yet: registers nothing. */
export function register(_program: Command, _ctx: Context): void {}
