/**
 * The words and formats of this run, for renderings below the CLI (src/health/render.ts and
 * the like take a Speech): the catalog's translator, the language's Intl locale and the fleet's
 * time zone (config `timeZone`, default Asia/Jakarta, WIB).
 */
import type { Context } from '../../context.js';
import { DEFAULT_TIME_ZONE, dateTime, type Formats } from '../../i18n/format.js';
import { intlLocale } from '../../i18n/language.js';
import type { Speech } from '../../health/render.js';

export function formats(ctx: Pick<Context, 'lang' | 'config'>): Formats {
  let timeZone = DEFAULT_TIME_ZONE;
  try {
    timeZone = ctx.config().timeZone ?? DEFAULT_TIME_ZONE;
  } catch {
    // a config that does not load is its own error, said where the command reads it
  }
  return { locale: intlLocale(ctx.lang), timeZone };
}

export function speech(ctx: Pick<Context, 'lang' | 'config' | 't'>): Speech {
  return { t: ctx.t, f: formats(ctx) };
}

/** A time for people: in the fleet's zone, the language's way (ISO stays for --json). */
export function when(ctx: Pick<Context, 'lang' | 'config'>, iso: string | Date): string {
  return dateTime(formats(ctx), iso);
}
