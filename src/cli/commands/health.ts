import type { Command } from 'commander';
import type { Context } from '../../context.js';

/** jfleet check, sweep, status, history, silence (issue 5). Not built yet: registers nothing. */
export function register(_program: Command, _ctx: Context): void {}
