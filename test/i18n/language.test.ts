/** Which language a run speaks (src/i18n/language.ts), and how it writes times and numbers (format.ts). */
import { describe, expect, it } from 'vitest';
import { dateTime, logTime, number, percent, timeOfDay, zoneLabel } from '../../src/i18n/format.js';
import { chooseLang, langOfLocale } from '../../src/i18n/language.js';

describe('choosing the language', () => {
  it.each([
    [{}, undefined, 'en'],
    [{ LANG: 'C' }, undefined, 'en'],
    [{ LANG: 'POSIX' }, undefined, 'en'],
    [{ LANG: 'id_ID.UTF-8' }, undefined, 'id'],
    [{ LANG: 'id' }, undefined, 'id'],
    [{ LANG: 'fr_FR.UTF-8' }, undefined, 'en'],
    [{ LANG: 'id_ID.UTF-8', LC_MESSAGES: 'C' }, undefined, 'en'],
    [{ LANG: 'C', LC_MESSAGES: 'id_ID.UTF-8' }, undefined, 'id'],
    [{ LC_MESSAGES: 'id_ID.UTF-8', LC_ALL: 'C' }, undefined, 'en'],
    [{ LC_ALL: 'id_ID.UTF-8', LANG: 'C' }, undefined, 'id'],
    [{ LC_ALL: '', LANG: 'id_ID.UTF-8' }, undefined, 'id'], // empty counts as unset (POSIX)
    [{ LC_ALL: 'id_ID.UTF-8' }, 'en', 'en'], // config lang overrides the locale
    [{ LANG: 'C' }, 'id', 'id'],
    [{ LANG: 'C', JFLEET_LANG: 'id' }, 'en', 'id'], // JFLEET_LANG overrides config
    [{ LC_ALL: 'id_ID.UTF-8', JFLEET_LANG: 'en' }, undefined, 'en'],
    [{ LANG: 'id_ID.UTF-8', JFLEET_LANG: 'klingon' }, undefined, 'id'], // not a language we speak: ignored here, refused by the config check
    [{ LANG: 'C' }, 'xx', 'en'],
  ])('%j with config lang %s speaks %s', (env, configured, want) => {
    expect(chooseLang(env as Record<string, string>, configured)).toBe(want);
  });

  it('reads the language part of a locale name', () => {
    expect(['id_ID.UTF-8', 'id-ID', 'id_ID@euro', 'in_ID', 'ID'].map(langOfLocale)).toEqual(['id', 'id', 'id', 'id', 'id']);
    expect(['en_US.UTF-8', 'C.UTF-8', 'ja_JP'].map(langOfLocale)).toEqual(['en', 'en', 'en']);
  });
});

describe('times and numbers for people', () => {
  const at = new Date('2026-12-02T01:15:00Z');
  const enJkt = { locale: 'en-GB', timeZone: 'Asia/Jakarta' };
  const idJkt = { locale: 'id-ID', timeZone: 'Asia/Jakarta' };
  it('in the fleet zone, WIB, each language its way', () => {
    expect(dateTime(enJkt, at)).toBe('2 Dec 2026, 08:15 WIB');
    expect(dateTime(idJkt, at)).toBe('2 Des 2026 08.15 WIB');
    expect(dateTime(idJkt, '2026-12-01T17:30:00Z')).toBe('2 Des 2026 00.30 WIB'); // the day changes at midnight WIB, not UTC
    expect(timeOfDay(idJkt, at)).toBe('08.15.00 WIB');
  });
  it("a log line's time: the date and the time to the second, in the fleet's zone", () => {
    const t = new Date('2026-12-01T17:30:05Z');
    expect(logTime(idJkt, t)).toBe('2 Des 2026 00.30.05 WIB');
    expect(logTime(enJkt, t)).toBe('2 Dec 2026, 00:30:05 WIB');
    expect(logTime({ locale: 'id-ID', timeZone: 'Asia/Makassar' }, t)).toBe('2 Des 2026 01.30.05 WITA');
  });
  it('other Indonesian zones by their names, anything else as Intl says', () => {
    expect(zoneLabel({ locale: 'id-ID', timeZone: 'Asia/Makassar' })).toBe('WITA');
    expect(zoneLabel({ locale: 'id-ID', timeZone: 'Asia/Jayapura' })).toBe('WIT');
    expect(dateTime({ locale: 'en-GB', timeZone: 'UTC' }, at)).toBe('2 Dec 2026, 01:15 UTC');
  });
  it('numbers and percentages with the language separators', () => {
    expect(number(enJkt, 1234.5)).toBe('1,234.5');
    expect(number(idJkt, 1234.5)).toBe('1.234,5');
    expect(percent(enJkt, 0.25)).toBe('25.0%');
    expect(percent(idJkt, 0.995)).toBe('99,5%');
  });
  it('a text that is not a time is shown as it is', () => {
    expect(dateTime(idJkt, 'not a time')).toBe('not a time');
  });
});
