/**
 * Types over the catalogs: a message key is a dotted path into the English catalog (the
 * source of every key), with i18next's plural suffixes (_one, _other) folded into their base
 * key. Pure; types only, plus the key walk the tests and the loader share.
 */
import type en from './locales/en.js';

type PluralBase<K extends string> = K extends `${infer B}_one` ? B : K extends `${infer B}_other` ? B : K;
type Leaves<T, P extends string = ''> = {
  [K in keyof T & string]: T[K] extends string ? `${P}${PluralBase<K>}` : Leaves<T[K], `${P}${K}.`>;
}[keyof T & string];

/** Every message the CLI may say. */
export type MessageKey = Leaves<typeof en>;

/** Values a message interpolates ({{name}}); `count` picks the plural form. */
export type MessageVars = Record<string, string | number>;

export interface Translate {
  (key: MessageKey, vars?: MessageVars): string;
  /**
   * A sentence a lower layer wrote in English (a UserError's message, a zod issue), in the
   * run's language: matched against the English templates of the catalog's `errors` section
   * ("village {{code}} is unknown"), the values carried over; with no template for the whole,
   * its "; "-joined parts each on their own; unchanged when nothing matches.
   */
  phrase(english: string, depth?: number): string;
}

type DeepPartialStrings<T> = { [K in keyof T]?: T[K] extends string ? string : DeepPartialStrings<T[K]> };
/** A translation: any subset of the English catalog's keys (a missing one reads in English). */
export type Translation = DeepPartialStrings<typeof en>;

export interface CatalogTree {
  [key: string]: string | CatalogTree;
}

/** Every leaf of a catalog as [dotted key, text], in order. */
export function catalogEntries(tree: CatalogTree, prefix = ''): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(tree)) {
    if (typeof v === 'string') out.push([prefix + k, v]);
    else out.push(...catalogEntries(v, `${prefix}${k}.`));
  }
  return out;
}

/** One message of a catalog by its dotted key, as written (no interpolation); undefined when absent. */
export function catalogText(tree: CatalogTree, key: string): string | undefined {
  let cur: string | CatalogTree | undefined = tree;
  for (const part of key.split('.')) cur = typeof cur === 'object' ? cur[part] : undefined;
  return typeof cur === 'string' ? cur : undefined;
}
