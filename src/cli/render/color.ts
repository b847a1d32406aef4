import pc from 'picocolors';
import type { Context } from '../../context.js';

/** Colours that respect NO_COLOR, --no-color and non-TTY output (via ctx.color). */
export function colors(ctx: Pick<Context, 'color'>) {
  return pc.createColors(ctx.color);
}
