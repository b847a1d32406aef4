/**
 * The translator a command speaks with: i18next over the catalogs in ./locales/, one module
 * per language, imported lazily so a run loads English (the fallback) and, under Indonesian,
 * Indonesian too, and `jfleet --version` loads neither (src/main.ts answers it first).
 *
 * i18next rather than a hand-written lookup: it does interpolation, the CLDR plural forms of
 * each language (English one/other; Indonesian has one form) and key fallback, and is kept well.
 */
import type { i18n as I18n } from 'i18next';
import { type CatalogTree, catalogEntries, type MessageKey, type MessageVars, type Translate } from './catalog.js';
import { intlLocale, type Lang } from './language.js';

export interface Messages {
  lang: Lang;
  /** the BCP 47 locale for Intl (dates, numbers) */
  locale: string;
  t: Translate;
}

/** A translator from catalogs already in hand (synchronous: i18next with inline resources). */
export function createMessages(i18next: I18n, lang: Lang, catalogs: { en: CatalogTree; id?: CatalogTree }): Messages {
  const inst = i18next.createInstance();
  const resources: Record<string, { translation: CatalogTree }> = { en: { translation: catalogs.en } };
  if (catalogs.id) resources.id = { translation: catalogs.id };
  void inst.init({
    lng: lang,
    fallbackLng: 'en',
    supportedLngs: ['en', 'id'],
    resources,
    initAsync: false,
    // the terminal is not HTML; terminal safety is printable()'s job
    interpolation: { escapeValue: false },
    returnNull: false,
    returnEmptyString: false,
  });
  const raw = inst.t.bind(inst) as unknown as (key: string, vars?: MessageVars) => string;
  const t = ((key: MessageKey, vars?: MessageVars) => raw(key, vars)) as Translate;
  let templates: Array<{ key: string; re: RegExp; names: string[] }> | undefined;
  t.phrase = (english: string, depth = 0): string => {
    if (lang === 'en' || depth > 2) return english;
    templates ??= phraseTemplates(catalogs.en);
    for (const { key, re, names } of templates) {
      const m = re.exec(english);
      if (!m) continue;
      const vars: MessageVars = {};
      names.forEach((n, i) => {
        const v = m[i + 1] ?? '';
        // a captured clause may be a sentence of its own ("{{reason}}; nothing was written")
        vars[n] = /^\d+$/.test(v) ? Number(v) : t.phrase(v, depth + 1);
      });
      return raw(key, vars);
    }
    return english;
  };
  return { lang, locale: intlLocale(lang), t };
}

/** The `errors` section's English texts as anchored patterns, {{name}} matching any text. */
function phraseTemplates(en: CatalogTree): Array<{ key: string; re: RegExp; names: string[] }> {
  const section = en.errors;
  if (!section || typeof section === 'string') return [];
  return catalogEntries(section, 'errors.').map(([key, text]) => {
    const names: string[] = [];
    const source = text
      .split(/(\{\{\w+\}\})/)
      .map((part) => {
        const name = /^\{\{(\w+)\}\}$/.exec(part)?.[1];
        if (!name) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        names.push(name);
        return '([\\s\\S]*?)';
      })
      .join('');
    return { key: key.replace(/_(one|other)$/, ''), re: new RegExp(`^${source}$`), names };
  });
}

/** Loads i18next and the catalogs the language needs, and makes its translator. */
export async function loadMessages(lang: Lang): Promise<Messages> {
  const [{ default: i18next }, en, id] = await Promise.all([
    import('i18next'),
    import('./locales/en.js'),
    lang === 'id' ? import('./locales/id.js') : Promise.resolve(undefined),
  ]);
  return createMessages(i18next, lang, { en: en.default as CatalogTree, id: id?.default as CatalogTree | undefined });
}
