/**
 * Which language jfleet speaks, decided from the environment and the config. Pure.
 *
 * Precedence, first that is set wins:
 *   1. JFLEET_LANG (en|id): one run, one pipeline
 *   2. the config key `lang` (jfleet config set lang id|en): this machine's operator
 *   3. LC_ALL, then LC_MESSAGES, then LANG, as every Unix tool reads them (id_ID.UTF-8, id → id)
 *   4. English
 * An empty variable counts as unset (POSIX); a locale in another language (C, POSIX, fr_FR)
 * reads as English, which is the fallback for any message a catalog lacks.
 */
export const LANGS = ['en', 'id'] as const;
export type Lang = (typeof LANGS)[number];

export function isLang(v: unknown): v is Lang {
  return typeof v === 'string' && (LANGS as readonly string[]).includes(v);
}

/** The language a POSIX locale name stands for (id_ID.UTF-8, id, id-ID, in_ID → id), else en. */
export function langOfLocale(locale: string): Lang {
  const language = locale.split(/[_.@-]/)[0]?.toLowerCase() ?? '';
  // "in" is the code Java and old glibc used for Indonesian
  return language === 'id' || language === 'in' ? 'id' : 'en';
}

export function chooseLang(env: Record<string, string | undefined>, configured?: unknown): Lang {
  const forced = env.JFLEET_LANG?.trim().toLowerCase();
  if (isLang(forced)) return forced;
  if (isLang(configured)) return configured;
  for (const name of ['LC_ALL', 'LC_MESSAGES', 'LANG']) {
    const v = env[name];
    if (v !== undefined && v !== '') return langOfLocale(v);
  }
  return 'en';
}

/** The BCP 47 locale Intl formats a language's dates and numbers with. */
export function intlLocale(lang: Lang): string {
  return lang === 'id' ? 'id-ID' : 'en-GB';
}
