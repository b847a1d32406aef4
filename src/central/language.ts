/**
 * Which language the dashboard speaks to one request. Pure: the request's `?lang=`, its Cookie
 * and Accept-Language headers in, the language (and whether to remember it) out.
 *
 *   1. `?lang=id|en`: the page's own switch; remembered in a cookie for a year
 *   2. the `jfleet_lang` cookie: what this browser chose before
 *   3. Accept-Language, weighed by its q-values: `id`, `id-ID` (any `id-*`) -> Indonesian
 *   4. English, for anything else
 *
 * negotiator (the Accept-Language parser Express uses) rather than a hand-written one: q-values,
 * `q=0` refusals, `*` and the `id` / `id-ID` prefix match per RFC 4647 are its job and kept
 * there; cookie (the parser Express uses) reads and writes the cookie with the escaping right.
 */
import { parse as parseCookie, serialize as serializeCookie } from 'cookie';
import Negotiator from 'negotiator';
import { isLang, type Lang, LANGS } from '../i18n/language.js';

export const LANG_COOKIE = 'jfleet_lang';
const YEAR_S = 365 * 24 * 3600;

export interface LangRequest {
  /** the `lang` query parameter, null when absent */
  query: string | null;
  cookie?: string;
  acceptLanguage?: string;
}

export interface LangChoice {
  lang: Lang;
  /** where it came from (tests and debugging read it) */
  from: 'query' | 'cookie' | 'accept-language' | 'default';
  /** a Set-Cookie value to send when the request chose a language with the switch */
  setCookie?: string;
}

export function chooseDashboardLang(req: LangRequest, opts: { secure?: boolean } = {}): LangChoice {
  const asked = req.query?.trim().toLowerCase();
  if (isLang(asked)) {
    const setCookie = serializeCookie(LANG_COOKIE, asked, { path: '/', maxAge: YEAR_S, sameSite: 'lax', httpOnly: true, secure: opts.secure });
    return { lang: asked, from: 'query', setCookie };
  }
  const remembered = req.cookie ? parseCookie(req.cookie)[LANG_COOKIE]?.trim().toLowerCase() : undefined;
  if (isLang(remembered)) return { lang: remembered, from: 'cookie' };
  if (req.acceptLanguage?.trim()) {
    // English first: it wins a tie and stands for `*`
    const best = new Negotiator({ headers: { 'accept-language': req.acceptLanguage } }).language([...LANGS]);
    if (isLang(best)) return { lang: best, from: 'accept-language' };
  }
  return { lang: 'en', from: 'default' };
}
