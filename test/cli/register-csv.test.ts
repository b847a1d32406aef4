import { existsSync, readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jfleet, tempHome } from '../helpers/cli.js';

const invFile = (home: string) => join(home, 'inventory', 'packages.yaml');

function csv(text: string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'jfleet-csv-'));
  const file = join(dir, 'packages.csv');
  writeFileSync(file, text);
  return { dir, file };
}

const GOOD = `id,village,address,port,user,serial,mac,model,tags
,35.09.13.2006,127.0.0.21,,,SN1,00:11:22:33:44:01,NUC 11,ring-0
kasiyan-a,Kasiyan Timur,kiosk-kasiyan.lan,2222,kiosk,SN2,,,ring-1;pilot
,35.09.01.2003,127.0.0.22,22,root,SN3,00-11-22-33-44-03,,
`;

const BAD = `id,village,address,port,user,serial,mac,model,tags
,35.09.13.2006,127.0.0.31,,,SN9,,,
,35.09.99.2001,127.0.0.32,,,,,,
,35.09.13.2006,"127.0.0.33; rm -rf /",,,,,,
../x,35.09.13.2006,127.0.0.34,,,,,,
,35.09.13.2006,127.0.0.35,ssh,,,,,
,35.09.13.2006,127.0.0.36,,,SN9,,,
`;

describe('a CSV the reader cannot split: what is wrong and how to write it, in both languages', () => {
  it.each([
    [
      'a quote never closed',
      'id,village,address\n,35.09.13.2006,"127.0.0.1\n',
      'CSV: a quote (") opened and never closed; a value with a quote in it goes in quotes, the quote doubled: "Bu ""Sari"""',
      'CSV: tanda petik (") dibuka dan tidak pernah ditutup; nilai yang berisi tanda petik ditulis di antara tanda petik, petiknya digandakan: "Bu ""Sari"""',
    ],
    [
      'a quote inside a value',
      'id,village,address,model\n,35.09.13.2006,127.0.0.1,NUC "11"\n',
      'CSV: a quote (") inside column 4, whose value does not start with one; put the whole value in quotes and double the quote: "a ""b"""',
      'CSV: tanda petik (") di dalam kolom 4, yang nilainya tidak diawali tanda petik; apit seluruh nilai dengan tanda petik dan gandakan petiknya: "a ""b"""',
    ],
    [
      'text after a closing quote',
      'id,village,address\n,35.09.13.2006,"127.0.0.1"x\n',
      'CSV: text right after a closing quote ("); a quoted value ends at its quote, then a comma or the end of the line',
      'CSV: ada teks tepat sesudah tanda petik penutup ("); nilai berpetik berakhir di petiknya, lalu koma atau akhir baris',
    ],
  ])('%s: the line named, exit 2, nothing written', async (_n, text, en, id) => {
    const home = tempHome();
    const { file } = csv(text);
    for (const [lang, want] of [
      ['C', `jfleet: error: ${file}:2: ${en}`],
      ['id_ID.UTF-8', `jfleet: kesalahan: ${file}:2: ${id}`],
    ] as const) {
      const r = await jfleet(['register', '--from', file], { home, env: { LANG: lang } });
      expect(r.exitCode).toBe(2);
      expect(r.stderr.split('\n')[0]).toBe(want);
      expect(existsSync(invFile(home))).toBe(false);
    }
  });
});

describe('jfleet register --from CSV', () => {
  it('imports every row, and importing the same file again changes nothing', async () => {
    const home = tempHome();
    const { file } = csv(GOOD);
    const r = await jfleet(['register', '--from', file], { home });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(': 3 added, 0 already registered, 0 rejected');
    const first = readFileSync(invFile(home), 'utf8');
    const again = await jfleet(['register', '--from', file], { home });
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toContain(': 0 added, 3 already registered, 0 rejected');
    expect(readFileSync(invFile(home), 'utf8')).toBe(first);
    const list = await jfleet(['inventory', 'list', '--json'], { home });
    expect(JSON.parse(list.stdout).map((p: { id: string }) => p.id)).toEqual(['rambipuji-1', 'kasiyan-a', 'jombang-1']);
  });

  it('reports every bad row with its line and field, exit 2, writing nothing', async () => {
    const home = tempHome();
    const { file } = csv(BAD);
    const r = await jfleet(['register', '--from', file], { home, cwd: join(file, '..') });
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('jfleet: error:'));
    expect(errors).toEqual([
      `jfleet: error: ${file}:3 village: unknown village code 35.09.99.2001 (find codes with: jfleet villages NAME)`,
      `jfleet: error: ${file}:4 address: must be an IP address or an RFC 1123 host name`,
      `jfleet: error: ${file}:5 id: must be lower-case letters, digits and "-" (max 63)`,
      `jfleet: error: ${file}:6 port: must be a whole number`,
      `jfleet: error: ${file}:7 serial: duplicate serial SN9 (already used by line 2)`,
    ]);
    expect(r.stderr).toContain('nothing was written');
    expect(existsSync(invFile(home))).toBe(false);
  });

  it('--skip-invalid imports the good rows and writes the rejected ones to a file', async () => {
    const home = tempHome();
    const { dir, file } = csv(BAD);
    const rejected = join(dir, 'rejected.csv');
    const r = await jfleet(['register', '--from', file, '--skip-invalid', '--rejected', rejected], { home });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(': 1 added, 0 already registered, 5 rejected');
    expect(r.stderr).toContain(`5 row(s) rejected, written to ${rejected}`);
    const lines = readFileSync(rejected, 'utf8').trimEnd().split('\n').slice(1);
    expect(lines[0]).toBe('id,village,address,port,user,serial,mac,model,tags,error');
    expect(lines.length).toBe(6);
    expect(lines[2]).toBe(',35.09.13.2006,127.0.0.33; rm -rf /,,,,,,,address: must be an IP address or an RFC 1123 host name');
    // fixing nothing and importing the rejected file again: the same rows are rejected, nothing else changes
    const before = readFileSync(invFile(home), 'utf8');
    expect(before).toContain('127.0.0.31');
    expect(before).not.toContain('rm -rf');
  });

  it("the rejected file: why in the run's language, formula-looking cells guarded, and it imports back once fixed", async () => {
    const home = tempHome();
    const { dir, file } = csv(`id,village,address,custodian_name,custodian_phone,model
,35.09.13.2006,127.0.0.41,Bu Sari,+62 812 3456 7890,NUC 11
,35.09.99.2001,127.0.0.42,"=HYPERLINK(""http://127.0.0.1/x"";""klik"")",+62 813 0000 0001,NUC 12
`);
    const rejected = join(dir, 'rejected.csv');
    const env = { LANG: 'id_ID.UTF-8' };
    const r = await jfleet(['register', '--from', file, '--skip-invalid', '--rejected', rejected], { home, env });
    expect(r.exitCode, r.stderr).toBe(0);
    const all = readFileSync(rejected, 'utf8').trimEnd().split('\n');
    // a spreadsheet in a comma-decimal language splits on ";" unless told: the first line tells it
    expect(all[0]).toBe('sep=,');
    const lines = all.slice(1);
    expect(lines[0]).toBe('id,village,address,custodian_name,custodian_phone,model,error');
    // a spreadsheet opens each as text: ' before = + - @ (a tab or CR too)
    expect(lines[1]).toBe(
      `,35.09.99.2001,127.0.0.42,"'=HYPERLINK(""http://127.0.0.1/x"";""klik"")",'+62 813 0000 0001,NUC 12,village: kode desa 35.09.99.2001 tidak dikenal (cari kodenya dengan: jfleet villages NAMA)`,
    );
    // the technician fixes the village (and the name) in the file as it is, error column and all, and imports it
    writeFileSync(
      rejected,
      readFileSync(rejected, 'utf8')
        .replace('35.09.99.2001', '35.09.13.2007')
        .replace(/"'=HYPERLINK[^,]*,/, 'Pak Budi,'),
    );
    const again = await jfleet(['register', '--from', rejected, '--json'], { home });
    expect(again.exitCode, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ added: [{ village: '35.09.13.2007', address: '127.0.0.42' }], rejected: [] });
    const inv = readFileSync(invFile(home), 'utf8');
    expect(inv).toContain('+62 813 0000 0001');
    expect(inv).not.toContain("'+62");
    expect(inv).not.toContain('HYPERLINK');
  });

  it('--rejected without --skip-invalid: one line, exit 2, nothing imported or written (it was silently ignored)', async () => {
    const home = tempHome();
    const { dir, file } = csv(GOOD);
    const rejected = join(dir, 'rejected.csv');
    for (const [lang, want] of [
      ['C', 'jfleet: error: --rejected goes with --skip-invalid (without it a bad row stops the import and no row is rejected)'],
      [
        'id_ID.UTF-8',
        'jfleet: kesalahan: --rejected dipakai bersama --skip-invalid (tanpanya baris yang salah menghentikan impor dan tidak ada baris yang ditolak)',
      ],
    ] as const) {
      const r = await jfleet(['register', '--from', file, '--rejected', rejected], { home, env: { LANG: lang } });
      expect(r.exitCode).toBe(2);
      expect(r.stderr.split('\n')[0]).toBe(want);
    }
    expect(existsSync(invFile(home))).toBe(false);
    expect(existsSync(rejected)).toBe(false);
  });

  it('--skip-invalid with a --rejected file that cannot be written: one line, exit 2, the inventory untouched', async () => {
    const home = tempHome();
    const { dir, file } = csv(BAD);
    const rejected = join(dir, 'no-such-dir', 'rejected.csv');
    const r = await jfleet(['register', '--from', file, '--skip-invalid', '--rejected', rejected], { home });
    expect(r).toMatchObject({ exitCode: 2, stdout: '' });
    expect(r.stderr).toBe(`jfleet: error: --rejected: cannot write ${rejected}: no such directory\n`);
    expect(existsSync(invFile(home))).toBe(false);
    const asDir = await jfleet(['register', '--from', file, '--skip-invalid', '--rejected', dir], { home });
    expect(asDir.exitCode).toBe(2);
    expect(asDir.stderr).toBe(`jfleet: error: --rejected: cannot write ${dir}: is a directory\n`);
    expect(existsSync(invFile(home))).toBe(false);
  });

  it('--dry-run shows what would be added and writes nothing', async () => {
    const home = tempHome();
    const { file } = csv(GOOD);
    const r = await jfleet(['register', '--from', file, '--dry-run'], { home });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('dry run: would add 3 package(s)');
    expect(r.stdout).toContain('id: kasiyan-a');
    expect(existsSync(invFile(home))).toBe(false);
  });

  it.each([
    ['a malformed CSV', 'id,village,address\n"a,35.09.13.2006,127.0.0.1\n', ':2: CSV: a quote (") opened and never closed'],
    ['an unknown column', 'id,village,address,password\na,35.09.13.2006,127.0.0.1,x\n', ':1 column 4: unknown column "password"'],
    ['a missing required column', 'id,village\na,35.09.13.2006\n', ':1 address: required column is missing from the header'],
    ['a short row', 'id,village,address\na,35.09.13.2006\n', ':2: expected 3 fields (id,village,address), found 2'],
    ['a control character', 'id,village,address,model\na,35.09.13.2006,127.0.0.1,"x\u0007y"\n', ':2 model: must not contain control characters'],
  ])('%s: one located error, exit 2', async (_n, text, message) => {
    const home = tempHome();
    const { file } = csv(text);
    const r = await jfleet(['register', '--from', file], { home });
    expect(r.exitCode).toBe(2);
    expect(r.stderr.startsWith(`jfleet: error: ${file}${message}`)).toBe(true);
    expect(r.stderr.match(/^jfleet: error:/gm)?.length).toBe(1);
    expect(existsSync(invFile(home))).toBe(false);
  });

  it('a missing file is one line, exit 2', async () => {
    const r = await jfleet(['register', '--from', '/nonexistent/p.csv']);
    expect(r).toMatchObject({ exitCode: 2, stdout: '' });
    expect(r.stderr).toBe('jfleet: error: cannot read /nonexistent/p.csv: no such file\n');
  });
});
