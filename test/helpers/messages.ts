/** The English translator for hand-built test contexts (main() installs the run's own). */
import i18next from 'i18next';
import type { Translate } from '../../src/i18n/catalog.js';
import type { Lang } from '../../src/i18n/language.js';
import en from '../../src/i18n/locales/en.js';
import id from '../../src/i18n/locales/id.js';
import { createMessages } from '../../src/i18n/messages.js';

export function messagesFor(lang: Lang): Translate {
  return createMessages(i18next, lang, { en, id }).t;
}

export const englishT: Translate = messagesFor('en');
