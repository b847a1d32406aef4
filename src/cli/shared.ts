import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import type { Context } from '../context.js';

/** Options every command can see (declared on the root program). */
export interface GlobalOptions {
  inventory?: string;
  debug?: boolean;
  color?: boolean;
}

export function globals(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals() as GlobalOptions;
}

/** The selector option every fleet command shares; grammar in docs/selectors.md. */
export function limitOption(): Option {
  return new Option('-l, --limit <selector>', 'select packages: district, code prefix, village, id glob, tag:NAME, @failed; "," = or, "&" = and, "!" = not');
}

export function jsonOption(): Option {
  return new Option('--json', 'print machine-readable JSON on stdout');
}

export function forksOption(): Option {
  return new Option('-f, --forks <n>', 'devices worked on at once (default: config "forks", else 50)').argParser(positiveInt('--forks'));
}

export function positiveInt(flag: string, max?: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < 1) {
      throw new InvalidArgumentError(`${flag} takes a whole number of at least 1, not "${v}"`);
    }
    if (max !== undefined && n > max) throw new InvalidArgumentError(`${flag} takes at most ${max}, not "${v}"`);
    return n;
  };
}

/** The longest timeout or delay a flag takes, in seconds (24 h; a timer over 2^31-1 ms fires at once). */
export const MAX_SECONDS = 86_400;

/** Write JSON to stdout: one document, newline-terminated. */
export function printJson(ctx: Context, value: unknown): void {
  ctx.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

export function println(ctx: Context, line = ''): void {
  ctx.stdout.write(line + '\n');
}
