import type { Command } from 'commander';
import type { Context } from '../../context.js';

/** jfleet demo: the main job end to end. Not built yet: registers nothing. */
export function register(_program: Command, _ctx: Context): void {}
