/**
 * A value of the wrong kind in packages.yaml or a config value: zod's own sentence ("Invalid
 * input: expected array, received string", "Input tidak valid: diharapkan string, diterima
 * undefined") is not what a technician can act on, and under id_ID it was worse than the English
 * ("is required"). The built binary now says what the value must be, in both languages, and an
 * unknown field is named with its own line.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jfleet } from '../helpers/cli.js';

const WRONG_KINDS = `packages:
  - id: desa-1
    village: 35.09.13.2006
    address: 127.0.0.1
    port: twenty-two
    user: 5
    tags: ring-0
    hardware: NUC
    password: hunter2
    pin: 1234
`;

/** zod's words, in either language: none of them may reach the technician */
const ZOD =
  /Invalid input|expected (array|object|string|number)|received|Unrecognized|Input tidak valid|diharapkan|diterima|Kunci tidak dikenali|Terlalu kecil|\(item\)/;

describe('a value of the wrong kind, through the built binary', () => {
  it('packages.yaml: each field with its own line and what it must be, in Indonesian and in English; nothing written', async () => {
    const home = mkdtempSync(join(tmpdir(), 'jfleet-schema-i18n-'));
    const inv = join(home, 'inventory');
    mkdirSync(inv);
    const file = join(inv, 'packages.yaml');
    writeFileSync(file, WRONG_KINDS);
    const id = await jfleet(['-i', inv, 'inventory', 'check'], { home, env: { LANG: 'id_ID.UTF-8' } });
    expect(id.exitCode).toBe(2);
    const idLines = id.stdout.split('\n').filter((l) => l.startsWith('kesalahan:'));
    expect(idLines).toEqual([
      `kesalahan: ${file}:2 packages[0].registeredAt: wajib diisi`,
      `kesalahan: ${file}:5 packages[0].port: harus bilangan bulat`,
      `kesalahan: ${file}:6 packages[0].user: harus berupa teks (terbaca sebagai angka: apit dengan tanda petik)`,
      `kesalahan: ${file}:7 packages[0].tags: harus berupa daftar`,
      `kesalahan: ${file}:8 packages[0].hardware: harus berupa pemetaan`,
      `kesalahan: ${file}:9 packages[0].password: kolom tidak dikenal: password, pin`,
    ]);
    const en = await jfleet(['-i', inv, 'inventory', 'check'], { home, env: { LANG: 'C' } });
    expect(en.exitCode).toBe(2);
    expect(en.stdout.split('\n').filter((l) => l.startsWith('error:'))).toEqual([
      `error: ${file}:2 packages[0].registeredAt: is required`,
      `error: ${file}:5 packages[0].port: must be a whole number`,
      `error: ${file}:6 packages[0].user: must be text (it was read as a number: put it in quotes)`,
      `error: ${file}:7 packages[0].tags: must be a list`,
      `error: ${file}:8 packages[0].hardware: must be a mapping`,
      `error: ${file}:9 packages[0].password: unknown fields password, pin`,
    ]);
    for (const out of [id.stdout, id.stderr, en.stdout, en.stderr]) expect(out).not.toMatch(ZOD);
    expect(readFileSync(file, 'utf8')).toBe(WRONG_KINDS);
  });

  it('config set with an empty value: one line, exit 2, the config file not written', async () => {
    for (const [lang, want] of [
      ['id_ID.UTF-8', 'jfleet: kesalahan: api.token: tidak boleh kosong'],
      ['C', 'jfleet: error: api.token: must not be empty'],
    ] as const) {
      const home = mkdtempSync(join(tmpdir(), 'jfleet-schema-i18n-'));
      const r = await jfleet(['config', 'set', 'api.token', ''], { home, env: { LANG: lang } });
      expect(r.exitCode).toBe(2);
      expect(r.stderr.trimEnd()).toBe(want);
      expect(r.stderr).not.toMatch(ZOD);
      const again = await jfleet(['config', 'get', 'api.token'], { home, env: { LANG: 'C' } });
      expect(again.exitCode).toBe(1);
      expect(again.stderr).toBe('jfleet: api.token is not set\n');
    }
  });
});
