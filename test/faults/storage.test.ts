/**
 * Storage failures under jfleet map to exit 74 with one line naming the file (not "internal
 * error"), and everything jfleet keeps under $JFLEET_HOME is private to its owner.
 */
import { englishT } from '../helpers/messages.js';
import { chmodSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { homePaths, type Context } from '../../src/context.js';
import { ExitCode, StorageError, storageReason } from '../../src/errors.js';
import { asStorageError, reportError } from '../../src/main.js';
import { STATE_MIGRATIONS } from '../../src/state-db.js';
import { openDb } from '../../src/store/db.js';
import { jfleet, tempHome } from '../helpers/cli.js';

function report(err: unknown, home = '/h'): { code: number; stderr: string } {
  const stderr = new PassThrough();
  let text = '';
  stderr.on('data', (d) => (text += String(d)));
  const code = reportError(err, { home, stderr, debug: false, lang: 'en', t: englishT } as unknown as Context);
  return { code, stderr: text };
}

const sqlite = (code: string, message: string) => Object.assign(new Error(message), { name: 'SqliteError', code });
const errno = (code: string, syscall: string, path: string) => Object.assign(new Error(`${code}: ${syscall} '${path}'`), { code, syscall, path });

describe('reportError: storage failures', () => {
  it.each([
    [sqlite('SQLITE_NOTADB', 'file is not a database'), 'jfleet: error: the state database /h/state/jfleet.db is not a database (file is not a database)'],
    [
      sqlite('SQLITE_CORRUPT', 'database disk image is malformed'),
      'jfleet: error: the state database /h/state/jfleet.db is corrupt (database disk image is malformed)',
    ],
    [
      sqlite('SQLITE_FULL', 'database or disk is full'),
      'jfleet: error: cannot write the state database /h/state/jfleet.db: database or disk is full (SQLITE_FULL); the change was not made',
    ],
    [
      sqlite('SQLITE_IOERR_WRITE', 'disk I/O error'),
      'jfleet: error: cannot write the state database /h/state/jfleet.db: disk I/O error (SQLITE_IOERR_WRITE); the change was not made',
    ],
    [
      sqlite('SQLITE_READONLY', 'attempt to write a readonly database'),
      'jfleet: error: cannot write the state database /h/state/jfleet.db: the database is read-only (SQLITE_READONLY); the change was not made',
    ],
    [errno('ENOSPC', 'write', '/h/state/x'), 'jfleet: error: cannot write /h/state/x: no space left on the device (ENOSPC)'],
    [errno('EDQUOT', 'open', '/elsewhere/out.xml'), 'jfleet: error: cannot open /elsewhere/out.xml: disk quota exceeded (EDQUOT)'],
    [errno('EROFS', 'open', '/h/config.json.tmp-1a2b3c'), 'jfleet: error: cannot open /h/config.json: read-only file system (EROFS)'],
    [errno('EIO', 'read', '/h/keys/k'), 'jfleet: error: cannot read /h/keys/k: input/output error (EIO)'],
    [
      Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' }),
      'jfleet: error: cannot write: no space left on the device (ENOSPC); jfleet keeps its files under /h',
    ],
    [errno('EACCES', 'mkdir', '/h/state'), 'jfleet: error: cannot mkdir /h/state: permission denied (EACCES)'],
  ])('%s → exit 74, one line and a hint', (err, line) => {
    const r = report(err);
    expect(r.code).toBe(ExitCode.storage);
    expect(r.code).toBe(74);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe(line);
    expect(lines.slice(1).every((l) => l.startsWith('jfleet: hint: '))).toBe(true);
    expect(r.stderr).not.toContain('internal error');
  });
  it('a permission refusal outside JFLEET_HOME, or an errno that is not storage, is not remapped', () => {
    expect(asStorageError(errno('EACCES', 'open', '/etc/shadow'), { home: '/h' })).toBeUndefined();
    expect(asStorageError(errno('ECONNREFUSED', 'connect', '/h/sock'), { home: '/h' })).toBeUndefined();
    expect(asStorageError(sqlite('SQLITE_CONSTRAINT_UNIQUE', 'UNIQUE constraint failed'), { home: '/h' })).toBeUndefined();
    expect(report(new Error('boom')).code).toBe(70);
  });
  it('storageReason reads the base of extended SQLite codes', () => {
    expect(storageReason({ code: 'SQLITE_IOERR_SHORT_READ' })).toEqual({ code: 'SQLITE_IOERR_SHORT_READ', reason: 'disk I/O error' });
    expect(storageReason({ code: 'SQLITE_BUSY' })).toBeUndefined();
  });
});

describe('openDb', () => {
  it('a text file in place of the database is a StorageError naming it, with a hint', () => {
    const home = tempHome('jfleet-notadb-');
    const db = homePaths(home).db;
    mkdirSync(join(home, 'state'));
    writeFileSync(db, 'this is a text file, not a database\n'.repeat(20));
    let err: unknown;
    try {
      openDb(db, STATE_MIGRATIONS);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).exitCode).toBe(74);
    expect((err as StorageError).message).toBe(`the state database ${db} is not a database (file is not a database)`);
    expect((err as StorageError).hint).toContain(`mv ${db} ${db}.broken`);
  });
  it('status with a text file as the database: one line, exit 74', async () => {
    const home = tempHome('jfleet-notadb-');
    mkdirSync(join(home, 'state'));
    writeFileSync(homePaths(home).db, 'not a database\n'.repeat(50));
    for (const args of [['status'], ['outbox', 'list'], ['history', 'x'], ['rollout', 'status']]) {
      const r = await jfleet(args, { home });
      expect(r.exitCode, args.join(' ')).toBe(74);
      expect(r.stderr.split('\n')[0]).toBe(`jfleet: error: the state database ${homePaths(home).db} is not a database (file is not a database)`);
      expect(r.stderr).not.toContain('internal error');
    }
  });
});

describe('modes: $JFLEET_HOME is private to its owner', () => {
  const mode = (p: string) => statSync(p).mode & 0o777;
  it('after register, config set, keys init and a sweep on an empty inventory: dirs 0700, files 0600', async () => {
    const home = join(tempHome('jfleet-modes-'), 'home'); // created by jfleet itself
    const env = { JFLEET_HOME: home };
    expect((await jfleet(['register', '--village', '35.09.13.2006', '--address', 'k.lan', '--serial', 'SN1'], { home, env })).exitCode).toBe(0);
    expect((await jfleet(['config', 'set', 'forks', '5'], { home, env })).exitCode).toBe(0);
    expect((await jfleet(['keys', 'init'], { home, env })).exitCode).toBe(0);
    expect((await jfleet(['inventory', 'remove', 'rambipuji-1', '--yes'], { home, env })).exitCode).toBe(0);
    const sweep = await jfleet(['sweep'], { home, env });
    expect(sweep.stderr).not.toContain('internal error');
    expect((await jfleet(['status'], { home, env })).exitCode).toBe(0);
    const walk = (dir: string): string[] => [
      dir,
      ...readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? walk(join(dir, d.name)) : [join(dir, d.name)])),
    ];
    const all = walk(home);
    expect(all).toContain(homePaths(home).db);
    expect(all).toContain(join(home, 'inventory', 'packages.yaml'));
    expect(all).toContain(join(home, 'config.json'));
    const open = all.filter((p) => !p.endsWith('.pub')).filter((p) => (statSync(p).isDirectory() ? mode(p) !== 0o700 : mode(p) !== 0o600));
    expect(open.map((p) => `${p} ${mode(p).toString(8)}`)).toEqual([]);
  });
  it('packages.yaml is written 0600 even when it was 0644 before', async () => {
    const home = tempHome('jfleet-modes-');
    mkdirSync(join(home, 'inventory'));
    writeFileSync(join(home, 'inventory', 'packages.yaml'), 'packages: []\n', { mode: 0o644 });
    expect((await jfleet(['register', '--village', '35.09.13.2006', '--address', 'k.lan', '--serial', 'SN1'], { home })).exitCode).toBe(0);
    expect(mode(join(home, 'inventory', 'packages.yaml'))).toBe(0o600);
  });
  it('an existing state database made 0644 by an older jfleet becomes 0600 on open', () => {
    const home = tempHome('jfleet-modes-');
    mkdirSync(join(home, 'state'), { mode: 0o700 });
    const file = homePaths(home).db;
    openDb(file, STATE_MIGRATIONS).close();
    chmodSync(file, 0o644);
    openDb(file, STATE_MIGRATIONS).close();
    expect(mode(file)).toBe(0o600);
  });
});
