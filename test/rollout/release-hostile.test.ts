/**
 * Hostile release bundles through the built binary: names with control characters or a
 * backslash, names and paths too long for a file system, broken archives and hard links. Each
 * refusal is one line and exit 2, leaves the release store exactly as it was, and the same
 * version can then be added from a good bundle. A release directory an older jfleet stored from
 * such a bundle is an exit-2 error for a rollout and is replaced by `release add`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar';
import { jfleet, tempHome } from '../helpers/cli.js';
import { bundlePathProblem, showName } from '../../src/rollout/manifest.js';

let work: string;
let good: string;

/** Every file and directory under the release store: path, mode and content digest. */
function snapshot(home: string): string[] {
  const root = join(home, 'releases');
  const out: string[] = [];
  const visit = (d: string, rel: string) => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      const st = lstatSync(p);
      const r = rel ? `${rel}/${n}` : n;
      if (st.isDirectory()) {
        out.push(`${r}/ ${(st.mode & 0o777).toString(8)}`);
        visit(p, r);
      } else out.push(`${r} ${(st.mode & 0o777).toString(8)} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`);
    }
  };
  if (existsSync(root)) visit(root, '');
  return out;
}

function bundleDir(name: string, extra: Record<string, string> = {}): string {
  const dir = join(work, name);
  mkdirSync(join(dir, 'www'), { recursive: true });
  writeFileSync(join(dir, 'www/index.html'), `<h1>${name}</h1>\n`);
  for (const [p, text] of Object.entries(extra)) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  return dir;
}

/** A tar archive written by hand, so that it can hold names no file system would. */
function tarBytes(entries: { path: string; data?: string; type?: string; linkpath?: string }[]): Buffer {
  const blocks: Buffer[] = [];
  const header = (name: string, size: number, type: string, linkpath = '') => {
    const h = Buffer.alloc(512);
    const put = (s: string, off: number, len: number) => Buffer.from(s, 'utf8').copy(h, off, 0, len);
    const num = (n: number, off: number, len: number) => put(n.toString(8).padStart(len - 1, '0'), off, len - 1);
    put(name, 0, 100);
    num(0o644, 100, 8);
    num(0, 108, 8);
    num(0, 116, 8);
    num(size, 124, 12);
    num(0, 136, 12);
    h.fill(' ', 148, 156);
    put(type, 156, 1);
    put(linkpath, 157, 100);
    put('ustar\x0000', 257, 8);
    let sum = 0;
    for (const b of h) sum += b;
    put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
    return h;
  };
  const pad = (b: Buffer) => Buffer.concat([b, Buffer.alloc((512 - (b.length % 512)) % 512)]);
  for (const e of entries) {
    const data = Buffer.from(e.data ?? '', 'utf8');
    const type = e.type ?? '0';
    if (Buffer.byteLength(e.path) > 99 || /[^\x20-\x7e]/.test(e.path)) {
      // a pax header carries the name: "<len> path=<name>\n", the length counting itself
      const body = ` path=${e.path}\n`;
      let len = Buffer.byteLength(body);
      len += String(len + String(len).length).length;
      const rec = Buffer.from(`${len}${body}`, 'utf8');
      blocks.push(header('PaxHeader', rec.length, 'x'), pad(rec));
    }
    blocks.push(header(e.path.slice(0, 99), type === '0' ? data.length : 0, type, e.linkpath));
    if (type === '0') blocks.push(pad(data));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

function tgz(name: string, entries: { path: string; data?: string; type?: string; linkpath?: string }[]): string {
  const file = join(work, name);
  writeFileSync(file, gzipSync(tarBytes([{ path: 'www/index.html', data: '<h1>x</h1>\n' }, ...entries])));
  return file;
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'jfleet-release-hostile-'));
  good = bundleDir('good', { 'kiosk.conf': 'zoom=1\n' });
});

/** Adds a first release, runs a refused add, and checks the store and a retry of the same version. */
async function refused(bundle: string, expected: RegExp): Promise<void> {
  const home = tempHome();
  expect((await jfleet(['release', 'add', good, '--version', '0.9.0'], { home })).exitCode).toBe(0);
  const before = snapshot(home);
  const r = await jfleet(['release', 'add', bundle, '--version', '1.0.0'], { home });
  expect(r.exitCode, r.stderr).toBe(2);
  const lines = r.stderr.split('\n').filter(Boolean);
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^jfleet: error: release bundle /);
  expect(lines[0]).toMatch(expected);
  expect(r.stderr).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/); // no raw control character reaches the terminal
  expect(r.stderr).not.toContain('.stage-');
  expect(r.stdout).toBe('');
  expect(snapshot(home)).toEqual(before);
  const retry = await jfleet(['release', 'add', good, '--version', '1.0.0', '--json'], { home });
  expect(retry.exitCode, retry.stderr).toBe(0);
  expect(JSON.parse(retry.stdout)).toMatchObject({ version: '1.0.0', created: true });
}

describe('release add refuses hostile bundle entries (exit 2, one line, store unchanged)', () => {
  it('a directory bundle with a newline in a name', async () => {
    await refused(bundleDir('nl', { 'www/a\nb.js': 'x' }), /entry "www\/a\\x0ab\.js" has a control character/);
  });
  it('a directory bundle with a backslash in a name', async () => {
    await refused(bundleDir('bs', { 'www/a\\b.js': 'x' }), /entry "www\/a\\\\b\.js" has a backslash/);
  });
  it('a directory bundle with ESC in a name', async () => {
    await refused(bundleDir('esc', { 'www/\x1b[2Jx.js': 'x' }), /entry "www\/\\x1b\[2Jx\.js" has a control character/);
  });
  it('a directory bundle with a path over 255 bytes', async () => {
    const deep = `www/${'d'.repeat(200)}/${'f'.repeat(200)}.js`;
    await refused(bundleDir('deep', { [deep]: 'x' }), /has a path of 408 bytes \(at most 255\)/);
  });
  it('a .tar.gz with a name over 255 bytes (ENAMETOOLONG on any file system)', async () => {
    await refused(tgz('long-name.tgz', [{ path: `www/${'a'.repeat(300)}.js`, data: 'x' }]), /has a name of 303 bytes \(at most 255\)/);
  });
  it('a .tar.gz with a path over PATH_MAX', async () => {
    const path = `${Array.from({ length: 25 }, () => 'd'.repeat(200)).join('/')}/f`;
    await refused(tgz('long-path.tgz', [{ path, data: 'x' }]), /has a path of 5026 bytes/);
  });
  it('a .tar.gz with a newline, a backslash or ESC in a name', async () => {
    await refused(tgz('nl.tgz', [{ path: 'www/a\nb', data: 'x' }]), /entry "www\/a\\x0ab" has a control character/);
    await refused(tgz('bs.tgz', [{ path: 'www/a\\b', data: 'x' }]), /entry "www\/a\\\\b" has a backslash/);
    await refused(tgz('esc.tgz', [{ path: 'www/\x1b]0;pwned\x07', data: 'x' }]), /entry "www\/\\x1b\]0;pwned\\x07" has a control character/);
  });
  it('a .tar.gz with an absolute path or ".."', async () => {
    await refused(tgz('abs.tgz', [{ path: '/etc/cron.d/x', data: 'x' }]), /entry "\/etc\/cron.d\/x" is an absolute path/);
    await refused(tgz('up.tgz', [{ path: 'www/../../x', data: 'x' }]), /has a "\.\." path component/);
  });
  it('a .tar.gz with a symbolic link, a device or the same file twice', async () => {
    await refused(tgz('sym.tgz', [{ path: 'www/x', type: '2', linkpath: '/etc/passwd' }]), /entry "www\/x" is a symbolic link/);
    await refused(tgz('fifo.tgz', [{ path: 'www/x', type: '6' }]), /entry "www\/x" is not a regular file \(tar type FIFO\)/);
    await refused(tgz('twice.tgz', [{ path: 'www/index.html', data: 'again' }]), /entry "www\/index.html" appears twice/);
  });
  it('a .tar.gz with a hard link to nothing earlier in the archive, or out of it', async () => {
    await refused(
      tgz('hl-missing.tgz', [{ path: 'b', type: '1', linkpath: 'a' }]),
      /entry "b" is a hard link to "a", which is not a regular file earlier in the archive/,
    );
    await refused(
      tgz('hl-up.tgz', [{ path: 'b', type: '1', linkpath: '../../etc/passwd' }]),
      /entry "b" is a hard link whose target "\.\.\/\.\.\/etc\/passwd" has a "\.\." path component/,
    );
    await refused(tgz('hl-dir.tgz', [{ path: 'b', type: '1', linkpath: 'www' }]), /is a hard link to "www", which is not a regular file/);
  });
  it('a truncated or corrupt .tar.gz is "not a valid .tar.gz"', async () => {
    const whole = readFileSync(tgz('whole.tgz', [{ path: 'big.bin', data: 'y'.repeat(200_000) }]));
    const cut = join(work, 'cut.tgz');
    writeFileSync(cut, whole.subarray(0, 60));
    await refused(cut, /is not a valid \.tar\.gz: zlib: unexpected end of file/);
    const junk = join(work, 'junk.tgz');
    writeFileSync(junk, 'this is not an archive\n');
    await refused(junk, /is not a valid \.tar\.gz: /);
    const trailing = join(work, 'trailing.tgz');
    writeFileSync(trailing, Buffer.concat([whole, Buffer.from('garbage')]));
    await refused(trailing, /is not a valid \.tar\.gz: zlib: /);
  });
});

describe('hard links made by GNU tar', () => {
  it('become copies of their target: stored as two regular files, no exit 70', async () => {
    const dir = bundleDir('hardlinked', { 'app.js': 'console.log(1)\n' });
    execFileSync('ln', [join(dir, 'app.js'), join(dir, 'www/app.js')]);
    const file = join(work, 'hardlinked.tgz');
    execFileSync('tar', ['czf', file, '-C', dir, 'app.js', 'www']);
    const types: string[] = [];
    await tar.t({ file, onReadEntry: (e) => void types.push(e.type) });
    expect(types).toContain('Link'); // the case at hand: GNU tar wrote a hard-link entry

    const home = tempHome();
    const r = await jfleet(['release', 'add', file, '--version', '2.0.0', '--json'], { home });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ version: '2.0.0', files: 3, created: true });
    const rel = join(home, 'releases', '2.0.0');
    const manifest = JSON.parse(readFileSync(join(rel, 'manifest.json'), 'utf8')) as { files: Record<string, string> };
    expect(manifest.files['www/app.js']).toBe(manifest.files['app.js']);
    const stored: { path: string; type: string }[] = [];
    await tar.t({ file: join(rel, 'bundle.tar.gz'), onReadEntry: (e) => void stored.push({ path: e.path, type: e.type }) });
    expect(stored.map((e) => e.type)).toEqual(['File', 'File', 'File', 'File']);
    // a directory bundle holding the same hard link gives the same release
    const again = await jfleet(['release', 'add', dir, '--version', '2.0.0'], { home });
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout).toContain('already present');
  });
});

describe('a release directory an older jfleet stored from a hostile bundle', () => {
  /** What the old bug left: release.json fine, a manifest the schema refuses, everything read-only. */
  function poison(home: string, version: string): string {
    const dir = join(home, 'releases', version);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'bundle.tar.gz'), gzipSync(tarBytes([{ path: 'www/a\nb', data: 'x' }])));
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ version, files: { 'www/a\nb': '0'.repeat(64) } }));
    writeFileSync(
      join(dir, 'release.json'),
      JSON.stringify({
        version,
        archive: 'bundle.tar.gz',
        archiveSha256: '0'.repeat(64),
        archiveBytes: 1,
        files: 1,
        bytes: 1,
        addedAt: '2026-01-01T00:00:00.000Z',
        source: 'x',
        hasCheck: false,
      }),
    );
    for (const f of readdirSync(dir)) chmodSync(join(dir, f), 0o444);
    chmodSync(dir, 0o555);
    return dir;
  }

  it('is one line and exit 2 for a rollout (not 70), naming the fix', async () => {
    const home = tempHome();
    poison(home, '3.0.0');
    const r = await jfleet(['rollout', '--release', '3.0.0'], { home });
    expect(r.exitCode, r.stderr).toBe(2);
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines[0]).toMatch(/^jfleet: error: release 3\.0\.0 in .* is damaged \(manifest\.json: files\.www\/a\\x0ab: .*\); it cannot be used$/);
    expect(lines.slice(1).join('\n')).toContain('jfleet release add PATH --version 3.0.0');
    expect(r.stderr).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/);
  });

  it('is replaced by release add from a good bundle, and kept by a refused one', async () => {
    const home = tempHome();
    poison(home, '3.0.0');
    const before = snapshot(home);
    const bad = await jfleet(['release', 'add', tgz('again-bad.tgz', [{ path: 'www/a\nb', data: 'x' }]), '--version', '3.0.0'], { home });
    expect(bad.exitCode).toBe(2);
    expect(snapshot(home)).toEqual(before);

    const r = await jfleet(['release', 'add', good, '--version', '3.0.0', '--json'], { home });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ version: '3.0.0', created: true });
    expect(readdirSync(join(home, 'releases'))).toEqual(['3.0.0']); // the old directory is gone, no staging left
    expect(lstatSync(join(home, 'releases', '3.0.0')).mode & 0o777).toBe(0o555);
    const list = await jfleet(['release', 'list', '--json'], { home });
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ version: '3.0.0', files: 2 })]);
    const same = await jfleet(['release', 'add', good, '--version', '3.0.0'], { home });
    expect(same.stdout).toContain('already present');
  });
});

describe('bundlePathProblem and showName', () => {
  it('admit ordinary names, refuse hostile ones, and show them on one line', () => {
    for (const ok of ['www/index.html', 'check', 'www/ünïcode/日本.js', 'a'.repeat(255), `${'é'.repeat(127)}`])
      expect(bundlePathProblem(ok), ok).toBeUndefined();
    const ctrl = 'has a control character (newline, ESC, ...) in its name';
    const cases: Array<[string, string]> = [
      ['', 'has an empty name'],
      ['/abs', 'is an absolute path'],
      ['a/../b', 'has a ".." path component'],
      ['a/./b', 'has a "." path component'],
      ['a//b', 'has an empty path component ("//")'],
      ['a\nb', ctrl],
      ['a\rb', ctrl],
      ['a\x1bb', ctrl],
      ['a\x7fb', ctrl],
      ['a\u009bb', ctrl],
      ['a\\b', 'has a backslash in its name'],
      ['a\ufffdb', 'has a name that is not valid UTF-8'],
      ['a'.repeat(256), 'has a name of 256 bytes (at most 255)'],
      ['é'.repeat(128), 'has a name of 256 bytes (at most 255)'],
      [`${'d'.repeat(200)}/${'e'.repeat(60)}`, 'has a path of 261 bytes (at most 255)'],
    ];
    for (const [bad, why] of cases) expect(bundlePathProblem(bad), JSON.stringify(bad)).toBe(why);
    expect(showName('a\nb\x1b[31m\\c\u009b')).toBe('a\\x0ab\\x1b[31m\\\\c\\x9b');
  });
});
