/**
 * English words that stood inside Indonesian sentences (a QA pass under LANG=id_ID.UTF-8): a
 * value such as "a directory" or "not a database" interpolated into a translated sentence, the
 * "environment" a bad JFLEET_* variable is located in, a CSV's "column 4", a hint's "e.g.".
 * Each is now said whole in Indonesian; English under LANG=C stays as it was. Built binary.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jfleet } from '../helpers/cli.js';

describe('no English word inside an Indonesian sentence', () => {
  it('a directory, the environment, a CSV column, a broken database, a hint', async () => {
    const root = mkdtempSync(join(tmpdir(), 'jfleet-words-'));
    const home = join(root, 'home');
    const inv = join(root, 'inv');
    mkdirSync(join(root, 'dirinv', 'packages.yaml'), { recursive: true });
    mkdirSync(inv);
    writeFileSync(join(inv, 'packages.yaml'), 'packages: []\n');
    writeFileSync(join(root, 'c.csv'), 'id,village,address,colour\n');
    writeFileSync(join(root, 'bad.db'), 'not sqlite\n'.repeat(20));
    const cases: Array<{ args: string[]; env?: Record<string, string>; id: string; en: string }> = [
      {
        args: ['-i', join(root, 'dirinv'), 'inventory', 'check'],
        id: `jfleet: kesalahan: ${join(root, 'dirinv', 'packages.yaml')} tidak dapat dibaca: itu sebuah direktori, bukan berkas biasa`,
        en: `jfleet: error: cannot read ${join(root, 'dirinv', 'packages.yaml')}: is a directory, not a regular file`,
      },
      {
        args: ['report'],
        env: { JFLEET_API_URL: 'notaurl' },
        id: 'jfleet: kesalahan: variabel lingkungan JFLEET_API_URL: harus URL http(s)',
        en: 'jfleet: error: environment JFLEET_API_URL: must be an http(s) URL',
      },
      {
        args: ['-i', inv, 'register', '--from', join(root, 'c.csv'), '--dry-run'],
        id: `jfleet: kesalahan: ${join(root, 'c.csv')}:1 kolom 4: kolom "colour" tidak dikenal (yang dikenal: `,
        en: `jfleet: error: ${join(root, 'c.csv')}:1 column 4: unknown column "colour" (known: `,
      },
      {
        args: ['central', 'serve', '--db', join(root, 'bad.db'), '--token', 'abc'],
        id: `jfleet: kesalahan: basis data status ${join(root, 'bad.db')} bukan basis data (berkas bukan basis data)`,
        en: `jfleet: error: the state database ${join(root, 'bad.db')} is not a database (file is not a database)`,
      },
      {
        args: ['-i', inv, 'rollout', '--release', '9.9.9', '--waves', 'abc'],
        id: 'jfleet: saran: mis. --waves 1,10%,50%,100%',
        en: 'jfleet: hint: e.g. --waves 1,10%,50%,100%',
      },
    ];
    // a file named like a sentence the catalog has ("fix {{what}}") is a path: said as typed
    writeFileSync(join(root, 'fix list.csv'), 'id,village,address,colour\n');
    cases.push({
      args: ['-i', inv, 'register', '--from', 'fix list.csv', '--dry-run'],
      id: 'jfleet: kesalahan: fix list.csv:1 kolom 4: kolom "colour" tidak dikenal',
      en: 'jfleet: error: fix list.csv:1 column 4: unknown column "colour"',
    });
    for (const c of cases) {
      const id = await jfleet(c.args, { home, cwd: root, env: { ...c.env, LANG: 'id_ID.UTF-8' } });
      const en = await jfleet(c.args, { home, cwd: root, env: { ...c.env, LANG: 'C' } });
      expect(id.exitCode, id.stderr).not.toBe(0);
      expect(en.exitCode).toBe(id.exitCode);
      expect(id.stderr, c.args.join(' ')).toContain(c.id);
      expect(en.stderr, c.args.join(' ')).toContain(c.en);
      expect(id.stderr).not.toMatch(/\b(a directory|not a database|environment|column \d|e\.g\.)/);
    }
  });
});
