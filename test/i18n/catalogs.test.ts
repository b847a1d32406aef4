/**
 * The catalogs (src/i18n/locales/): every message exists in English and Indonesian with the same
 * placeholders, plural forms are whole (English one + other, Indonesian other), and the English
 * templates lower layers' sentences are matched against translate them with their values.
 */
import i18next from 'i18next';
import { describe, expect, it } from 'vitest';
import { type CatalogTree, catalogEntries } from '../../src/i18n/catalog.js';
import en from '../../src/i18n/locales/en.js';
import id from '../../src/i18n/locales/id.js';
import { createMessages } from '../../src/i18n/messages.js';

const PLURAL = /_(zero|one|two|few|many|other)$/;
const base = (k: string) => k.replace(PLURAL, '');
const placeholders = (s: string) => [...new Set([...s.matchAll(/\{\{\s*(\w+)\s*(?:,[^}]*)?\}\}/g)].map((m) => m[1]))].sort();

function byBase(tree: CatalogTree) {
  const out = new Map<string, Map<string, string>>();
  for (const [k, text] of catalogEntries(tree)) {
    const b = base(k);
    if (!out.has(b)) out.set(b, new Map());
    out.get(b)!.set(PLURAL.exec(k)?.[1] ?? '', text);
  }
  return out;
}

const EN = byBase(en as CatalogTree);
const ID = byBase(id as CatalogTree);

describe('message catalogs', () => {
  it('every English message has an Indonesian one, and Indonesian has none English lacks', () => {
    const missing = [...EN.keys()].filter((k) => !ID.has(k));
    const extra = [...ID.keys()].filter((k) => !EN.has(k));
    expect(missing, `add these to src/i18n/locales/id.ts:\n${missing.join('\n')}`).toEqual([]);
    expect(extra, `these are in id.ts but not en.ts:\n${extra.join('\n')}`).toEqual([]);
  });

  it('each message uses the same placeholders in both languages (every form of a plural)', () => {
    const wrong: string[] = [];
    for (const [k, forms] of EN) {
      const want = placeholders([...forms.values()].join(' '));
      for (const [form, text] of [...forms, ...(ID.get(k) ?? new Map())]) {
        const got = placeholders(text);
        if (got.join() !== want.join()) wrong.push(`${k}${form ? `_${form}` : ''}: ${got.join(',')} (English has ${want.join(',')})`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('a placeholder formats only as a number ({{x, number}}), and only in Indonesian: English prints the values as given', () => {
    const formats = (tree: CatalogTree) =>
      catalogEntries(tree).flatMap(([k, text]) => [...text.matchAll(/\{\{\s*\w+\s*,\s*([^}]*?)\s*\}\}/g)].map((m) => `${k}: ${m[1]}`));
    expect(formats(en as CatalogTree)).toEqual([]);
    const indonesian = formats(id as CatalogTree);
    expect(indonesian.filter((f) => !f.endsWith(': number'))).toEqual([]);
    expect(indonesian.length).toBeGreaterThan(10);
  });

  it('plural forms are whole: English one and other, Indonesian other (its only form), each counting {{count}}', () => {
    const wrong: string[] = [];
    for (const [k, forms] of EN) {
      const plural = [...forms.keys()].some((f) => f !== '');
      if (!plural) {
        if ([...(ID.get(k)?.keys() ?? [])].some((f) => f !== '')) wrong.push(`${k}: plural in Indonesian only`);
        continue;
      }
      if ([...forms.keys()].sort().join() !== 'one,other') wrong.push(`${k}: English forms ${[...forms.keys()].join(',')}`);
      if ([...(ID.get(k)?.keys() ?? [])].join() !== 'other') wrong.push(`${k}: Indonesian forms ${[...(ID.get(k)?.keys() ?? [])].join(',')}`);
      if (!placeholders([...forms.values()].join(' ')).includes('count')) wrong.push(`${k}: a plural without {{count}}`);
    }
    expect(wrong).toEqual([]);
  });

  it('no message is empty, and the dashboard section exists for the page central serve serves', () => {
    for (const tree of [en, id] as CatalogTree[]) for (const [k, text] of catalogEntries(tree)) expect(text.trim(), k).not.toBe('');
    expect(typeof en.dashboard).toBe('object');
  });

  it('plurals and interpolation in both languages', () => {
    const t = createMessages(i18next, 'en', { en, id }).t;
    const tid = createMessages(i18next, 'id', { en, id }).t;
    expect(t('health.status.devices', { count: 1 })).toBe('1 device(s)');
    expect(tid('health.status.devices', { count: 3 })).toBe('3 perangkat');
    expect(tid('register.registered', { id: 'a-1', village: 'Kasiyan', district: 'Puger', code: '35.09.08.2006', address: '10.0.0.1:22' })).toBe(
      'a-1 terdaftar: Kasiyan, Puger (35.09.08.2006) di 10.0.0.1:22',
    );
  });

  it("a lower layer's English sentence is said in Indonesian with its values; English and unknown sentences pass unchanged", () => {
    const t = createMessages(i18next, 'en', { en, id }).t;
    const tid = createMessages(i18next, 'id', { en, id }).t;
    const s = 'unknown village code 35.09.99.9999 (find codes with: jfleet villages NAME)';
    expect(t.phrase(s)).toBe(s);
    expect(tid.phrase(s)).toBe('kode desa 35.09.99.9999 tidak dikenal (cari kodenya dengan: jfleet villages NAMA)');
    expect(tid.phrase('disk / 4% free (120 MiB)')).toBe('disk / kosong 4% (120 MiB)');
    expect(tid.phrase('something no catalog knows')).toBe('something no catalog knows');
  });

  it('a quoted value holds no quote: a selector error is said whole, not swallowed by a shorter template', () => {
    const tid = createMessages(i18next, 'id', { en, id }).t;
    expect(tid.phrase('unknown village "zz" at column 1 in "village:zz"')).toBe('desa "zz" tidak dikenal di kolom 1 dalam "village:zz"');
    expect(tid.phrase('unknown village "zz" (did you mean Kasiyan?) at column 9 in "Puger & village:zz"')).toBe(
      'desa "zz" tidak dikenal (maksud Anda Kasiyan?) di kolom 9 dalam "Puger & village:zz"',
    );
    expect(tid.phrase('unknown village "zz"')).toBe('desa "zz" tidak dikenal');
  });
});
