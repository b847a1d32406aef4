/**
 * The language of this run, read before the program is built (its --help is in that language):
 * JFLEET_LANG, the config file's `lang`, then the locale variables (language.ts has the order).
 * Reads only the `lang` key of $JFLEET_HOME/config.json, without the config schema: a config
 * that does not load is reported, located, when the command reads it (ctx.config()).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chooseLang, type Lang } from './language.js';

export function langForRun(home: string, env: Record<string, string | undefined>): Lang {
  let configured: unknown;
  try {
    const store = JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')) as unknown;
    if (store && typeof store === 'object') configured = (store as { lang?: unknown }).lang;
  } catch {
    // no config yet, or one ctx.config() will report in its own words
  }
  return chooseLang(env, configured);
}
