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
  inst.services.formatter?.add('number', sayNumber(intlLocale(lang)));
  const raw = inst.t.bind(inst) as unknown as (key: string, vars?: MessageVars) => string;
  const t = ((key: MessageKey, vars?: MessageVars) => raw(key, vars)) as Translate;
  let templates: Array<{ key: string; re: RegExp; names: string[] }> | undefined;
  t.phrase = (english: string, depth = 0): string => {
    if (lang === 'en' || depth > 4) return english;
    templates ??= phraseTemplates(catalogs.en);
    const say = (key: string, names: string[], m: RegExpExecArray): string => {
      const vars: MessageVars = {};
      names.forEach((n, i) => {
        const v = m[i + 1] ?? '';
        // a captured clause may be a sentence of its own ("{{reason}}; nothing was written"); a
        // count is a number (for plurals), digits with a leading zero (a mode, 0755) are not
        vars[n] = /^(0|[1-9]\d*)$/.test(v) ? Number(v) : t.phrase(v, depth + 1);
      });
      return raw(key, vars);
    };
    // a match whose values cut a bracket in two ("unreachable (hostkey: … B" and "kiosk-a)", when
    // "{{message}}; if the device was reinstalled, run: … {{id}}" takes the outer sentence whole)
    // is kept only in case no template splits the sentence where its brackets allow
    let cut: { key: string; names: string[]; m: RegExpExecArray } | undefined;
    for (const { key, re, names } of templates) {
      const m = re.exec(english);
      if (!m) continue;
      if (m.slice(1).every(balanced)) return say(key, names, m);
      cut ??= { key, names, m };
    }
    // no template for the whole: a list of reasons joined with "; " (a health gate's problems,
    // a failure and its rollback's) is said part by part, each at this same depth
    if (english.includes('; ')) {
      const parts = english.split('; ');
      const said = parts.map((part) => t.phrase(part, depth));
      if (said.some((s, i) => s !== parts[i])) return said.join('; ');
    }
    return cut ? say(cut.key, cut.names, cut.m) : english;
  };
  return { lang, locale: intlLocale(lang), t };
}

/** Whether every bracket a text opens it also closes, in order: "(a (b) c)" yes, "a (b" and "b)" no. */
function balanced(text: string | undefined): boolean {
  let depth = 0;
  for (const ch of text ?? '') {
    if (ch === '(') depth++;
    else if (ch === ')' && --depth < 0) return false;
  }
  return depth === 0;
}

/**
 * A catalog's "{{load, number}}": a measurement in the language's way, its decimal comma and
 * grouping (Indonesian 7,45 and 1.206; English keeps its own catalog's plain {{load}}). The value
 * may come as a number, or as the digits a lower layer printed ("7.45", toFixed's "2.0", a
 * sentence's capture), whose decimals are kept as written; anything else is said as it came.
 */
export function sayNumber(locale: string): (value: unknown) => string {
  const plain = new Intl.NumberFormat(locale, { maximumFractionDigits: 3 });
  return (value) => {
    if (typeof value === 'number') return Number.isFinite(value) ? plain.format(value) : String(value);
    const text = String(value);
    // digits a double holds exactly; a longer run (an id, a serial) is not a measurement
    const m = /^-?\d{1,15}(?:\.(\d{1,6}))?$/.exec(text);
    if (!m) return text;
    const digits = m[1]?.length ?? 0;
    return new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(Number(text));
  };
}

/**
 * The `errors` section's English texts as anchored patterns, {{name}} matching any text; the
 * most specific first (the most literal text), so "package {{id}}" never takes a sentence that
 * "package {{name}} is both to install and to remove" says whole.
 */
function phraseTemplates(en: CatalogTree): Array<{ key: string; re: RegExp; names: string[] }> {
  const section = en.errors;
  if (!section || typeof section === 'string') return [];
  const literal = (text: string) => text.replace(/\{\{\w+\}\}/g, '').length;
  const entries = catalogEntries(section, 'errors.').sort((a, b) => literal(b[1]) - literal(a[1]));
  return entries.map(([key, text]) => {
    const names: string[] = [];
    const parts = text.split(/(\{\{\w+\}\})/);
    const source = parts
      .map((part, i) => {
        const name = /^\{\{(\w+)\}\}$/.exec(part)?.[1];
        if (!name) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        names.push(name);
        // a value in quotes ("{{name}}") holds no quote: 'unknown village "{{name}}"' never takes
        // 'unknown village "x" at column 1 in "village:x"', which a template for the whole says
        const quoted = parts[i - 1]?.endsWith('"') && parts[i + 1]?.startsWith('"');
        // a value glued to a letter is a number with its unit ("{{days}}d", "{{ms}}ms"): only digits,
        // so "{{minutes}}m" says "12m" and never takes a word that ends in m
        const unit = /^[A-Za-z]/.test(parts[i + 1] ?? '');
        return unit ? '(\\d+(?:\\.\\d+)?)' : quoted ? '([^"]*?)' : '([\\s\\S]*?)';
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
