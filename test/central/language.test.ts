/** Which language the dashboard speaks: the switch, then its cookie, then Accept-Language by q-value. */
import { describe, expect, it } from 'vitest';
import { chooseDashboardLang, LANG_COOKIE } from '../../src/central/language.js';

describe('dashboard language from Accept-Language', () => {
  it.each([
    ['id', 'id'],
    ['id-ID', 'id'],
    ['ID-id', 'id'],
    ['id-ID,id;q=0.9,en-US;q=0.8,en;q=0.7', 'id'],
    ['en-US,en;q=0.9,id;q=0.8', 'en'],
    ['en', 'en'],
    ['en-GB', 'en'],
    // the q-values decide, not the order
    ['en;q=0.3, id;q=0.9', 'id'],
    ['id;q=0.5, en;q=0.6', 'en'],
    // a language we do not speak is passed over for the next one the browser accepts
    ['fr-FR, fr;q=0.9, id;q=0.5', 'id'],
    ['jv-ID, id;q=0.8', 'id'],
    // q=0 means "not this one"
    ['id;q=0, fr', 'en'],
    ['id;q=0', 'en'],
    // anything else is English
    ['fr-FR, de;q=0.8', 'en'],
    ['ms-MY', 'en'],
    ['*', 'en'],
    ['', 'en'],
    ['   ', 'en'],
    ['garbage;;;q=x', 'en'],
  ])('%j -> %s', (header, lang) => {
    const c = chooseDashboardLang({ query: null, acceptLanguage: header });
    expect(c.lang).toBe(lang);
    expect(c.setCookie).toBeUndefined();
  });

  it('no header at all is English', () => {
    expect(chooseDashboardLang({ query: null })).toEqual({ lang: 'en', from: 'default' });
  });
});

describe('the switch and its cookie', () => {
  it('?lang= wins over the cookie and Accept-Language, and is remembered for a year', () => {
    const c = chooseDashboardLang({ query: 'id', cookie: `${LANG_COOKIE}=en`, acceptLanguage: 'en' });
    expect(c.lang).toBe('id');
    expect(c.from).toBe('query');
    expect(c.setCookie).toBe(`${LANG_COOKIE}=id; Max-Age=31536000; Path=/; HttpOnly; SameSite=Lax`);
    expect(chooseDashboardLang({ query: 'EN', acceptLanguage: 'id' })).toMatchObject({ lang: 'en', from: 'query' });
  });

  it('the cookie is Secure when the server speaks HTTPS', () => {
    expect(chooseDashboardLang({ query: 'en' }, { secure: true }).setCookie).toContain('; Secure');
  });

  it('the cookie wins over Accept-Language', () => {
    expect(chooseDashboardLang({ query: null, cookie: `other=1; ${LANG_COOKIE}=id`, acceptLanguage: 'en-US' })).toEqual({ lang: 'id', from: 'cookie' });
    expect(chooseDashboardLang({ query: null, cookie: `${LANG_COOKIE}=en`, acceptLanguage: 'id-ID' })).toEqual({ lang: 'en', from: 'cookie' });
  });

  it('a language we do not speak, in the query or the cookie, is ignored (nothing remembered)', () => {
    expect(chooseDashboardLang({ query: 'fr', acceptLanguage: 'id-ID' })).toEqual({ lang: 'id', from: 'accept-language' });
    expect(chooseDashboardLang({ query: '', cookie: `${LANG_COOKIE}=jv`, acceptLanguage: 'en' })).toEqual({ lang: 'en', from: 'accept-language' });
    expect(chooseDashboardLang({ query: null, cookie: 'not a cookie header;;=', acceptLanguage: 'id' })).toEqual({ lang: 'id', from: 'accept-language' });
  });
});
