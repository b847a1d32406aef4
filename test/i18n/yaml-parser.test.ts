/**
 * A hand-edited packages.yaml (or health.yaml, bastions.yaml) that is not valid YAML: the yaml
 * library's own sentence, behind "file:line YAML:", was English under Indonesian (issue 12). Its
 * sentences have templates in the catalog (errors.yamlParser); these tests take each sentence from
 * the parser itself (real malformed files) and from the installed library's source, so a yaml
 * upgrade that adds a sentence fails here rather than reaching a technician in English.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { parseInventoryDocument } from '../../src/inventory/load.js';
import { loadRecipe } from '../../src/provision/recipe-load.js';
import { jfleet, ROOT } from '../helpers/cli.js';
import { englishT, messagesFor } from '../helpers/messages.js';

const tid = messagesFor('id');

/** words of the library's English that an Indonesian sentence never holds */
const ENGLISH = /\b(must|Missing|Unexpected|allowed|Implicit|need|cannot|without|between|found|should|Unsupported|Invalid)\b/;

const MALFORMED: Record<string, string> = {
  'a key at the wrong indent': 'packages:\n  - id: kiosk-a\n    host: 127.0.0.1\n   port: 22\n',
  'a tab as indentation': 'packages:\n\t- id: kiosk-a\n',
  'a flow list left open': 'packages: [a, b\n',
  'a quote left open': 'packages:\n  - id: "kiosk-a\n',
  'a key with no value': 'packages:\n  - id: kiosk-a\n  host\n',
  'a comment glued to a value': 'packages:\n  - id: kiosk-a#note\n    host: "127.0.0.1"# here\n',
  'a bad escape': 'packages:\n  - id: "kiosk-\\q"\n',
  'two anchors': 'packages: &a &b []\n',
  'a second document': 'packages: []\n---\npackages: []\n',
  'a value starting with a reserved character': 'packages:\n  - id: @kiosk\n',
};

describe("the yaml library's sentences in a malformed inventory", () => {
  for (const [what, text] of Object.entries(MALFORMED)) {
    it(`${what}: located, and said in Indonesian; English exactly as the parser wrote it`, () => {
      const { issues } = parseInventoryDocument(text, '/srv/packages.yaml');
      expect(issues.length).toBeGreaterThan(0);
      for (const issue of issues) {
        expect(issue.line).toBeGreaterThan(0);
        expect(issue.message).toMatch(/^YAML: /);
        expect(englishT.phrase(issue.message)).toBe(issue.message);
        const said = tid.phrase(issue.message);
        expect(said, issue.message).toMatch(/^YAML: /);
        expect(said, issue.message).not.toMatch(ENGLISH);
        expect(said).not.toBe(issue.message);
      }
    });
  }
});

describe('a quote left open', () => {
  it('names the line the quote opened on, not the end of the file where the parser gave up', () => {
    const rest = '    host: 127.0.0.2\n  - id: kiosk-c\n    host: 127.0.0.3\n  - id: kiosk-d\n';
    const double = parseInventoryDocument(`packages:\n  - id: kiosk-a\n  - id: "kiosk-b \\" x\n${rest}`, '/srv/packages.yaml');
    expect(double.issues[0]).toMatchObject({ line: 3, message: 'YAML: Missing closing "quote' });
    const single = parseInventoryDocument(`packages:\n  - id: kiosk-a\n  - id: 'kiosk-b '' x\n${rest}`, '/srv/packages.yaml');
    expect(single.issues[0]).toMatchObject({ line: 3, message: "YAML: Missing closing 'quote" });
  });
});

describe('a malformed recipe.yaml', () => {
  it('names its line (it named none), and its sentence is said in Indonesian', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jfleet-yaml-recipe-'));
    writeFileSync(join(dir, 'recipe.yaml'), 'name: kiosk\nsteps:\n\t- x\n');
    const err = await loadRecipe(dir).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    const [issue] = (err as InputError).issues;
    expect(issue).toMatchObject({ file: join(dir, 'recipe.yaml'), line: 3, message: 'YAML: Tabs are not allowed as indentation' });
    expect(tid.phrase(issue?.message ?? '')).toBe('YAML: Tab tidak boleh dipakai untuk indentasi; pakai spasi');
    writeFileSync(join(dir, 'recipe.yaml'), 'name: "kiosk\nsteps:\n  - x\n');
    const open = await loadRecipe(dir).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((open as InputError).issues[0]).toMatchObject({ line: 1, message: 'YAML: Missing closing "quote' });
  });
});

/** Every sentence yaml's composer and parser give onError, with each ${…} as a sample value. */
function librarySentences(): string[] {
  const dist = join(ROOT, 'node_modules', 'yaml', 'dist');
  const out = new Set<string>();
  for (const dir of ['compose', 'parse']) {
    for (const name of readdirSync(join(dist, dir)).filter((n) => n.endsWith('.js'))) {
      const src = readFileSync(join(dist, dir, name), 'utf8');
      const literal = String.raw`(\x60[^\x60]*\x60|'[^'\n]*'|"[^"\n]*")`;
      const patterns = [
        new RegExp(String.raw`'[A-Z][A-Z_]{4,}',\s*` + literal, 'g'),
        new RegExp(String.raw`(?:const|let) (?:message|msg|startColMsg) = ` + literal, 'g'),
      ];
      for (const re of patterns) {
        for (const m of src.matchAll(re)) {
          const text = (m[1] ?? '').slice(1, -1).replace(/\$\{[^}]*\}/g, 'x');
          // yaml's API-misuse sentences and the stringKeys option jfleet does not set never reach a file's reader
          if (/stringKeys|parseAllDocuments|pop an empty stack/.test(text)) continue;
          if (/[a-z] [a-z]/i.test(text)) out.add(text);
        }
      }
    }
  }
  return [...out];
}

describe("the installed yaml library's sentences all have a template", () => {
  it('each one the composer or parser can report is said in Indonesian', () => {
    const sentences = librarySentences();
    // the library's own count today is 50-odd; far fewer means the pattern lost them, not that they went
    expect(sentences.length).toBeGreaterThan(40);
    const unsaid = sentences.filter((s) => tid.phrase(`YAML: ${s}`) === `YAML: ${s}` || ENGLISH.test(tid.phrase(`YAML: ${s}`)));
    expect(unsaid).toEqual([]);
  });
});

describe('jfleet inventory check on a malformed packages.yaml, through the built binary', () => {
  it('check: the finding with file and line, Indonesian under id_ID, English under C; any other command: one error line; exit 2', async () => {
    const home = mkdtempSync(join(tmpdir(), 'jfleet-yaml-i18n-'));
    const inv = join(home, 'inventory');
    mkdirSync(inv);
    const file = join(inv, 'packages.yaml');
    writeFileSync(file, MALFORMED['a tab as indentation'] ?? '');
    const before = readFileSync(file, 'utf8');
    const id = await jfleet(['-i', inv, 'inventory', 'check'], { home, env: { LANG: 'id_ID.UTF-8' } });
    expect(id.exitCode).toBe(2);
    expect(id.stdout).toContain(`kesalahan: ${file}:2: YAML: Tab tidak boleh dipakai untuk indentasi; pakai spasi\n`);
    const en = await jfleet(['-i', inv, 'inventory', 'check'], { home, env: { LANG: 'C' } });
    expect(en.exitCode).toBe(2);
    expect(en.stdout).toContain(`error: ${file}:2: YAML: Tabs are not allowed as indentation\n`);
    const list = await jfleet(['-i', inv, 'inventory', 'list'], { home, env: { LANG: 'id_ID.UTF-8' } });
    expect(list.exitCode).toBe(2);
    expect(list.stdout).toBe('');
    expect(list.stderr.split('\n')[0]).toBe(`jfleet: kesalahan: ${file}:2: YAML: Tab tidak boleh dipakai untuk indentasi; pakai spasi`);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });
});
