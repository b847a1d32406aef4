import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import type { Context } from '../context.js';
import type { Translate } from '../i18n/catalog.js';

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
export function limitOption(t: Translate): Option {
  return new Option('-l, --limit <selector>', t('help.shared.limit'));
}

export function jsonOption(t: Translate): Option {
  return new Option('--json', t('help.shared.json'));
}

export function forksOption(t: Translate): Option {
  return new Option('-f, --forks <n>', t('help.shared.forks')).argParser(positiveInt(t, '--forks'));
}

export function positiveInt(t: Translate, flag: string, max?: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < 1) {
      throw new InvalidArgumentError(t('shared.wholeNumber', { flag, value: v }));
    }
    if (max !== undefined && n > max) throw new InvalidArgumentError(t('shared.atMost', { flag, max, value: v }));
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
