/**
 * The release store under $JFLEET_HOME/releases/<version>/: bundle.tar.gz (the archive sent to
 * devices, one per device over SFTP), manifest.json ({version, files: {path: sha256}}) and
 * release.json (archive checksum, sizes, source). Releases are immutable: a version is written
 * once (staged in a temp dir, then renamed into place) and its files are made read-only.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  type Stats,
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import * as tar from 'tar';
import type { Context } from '../context.js';
import { homePaths } from '../context.js';
import { StorageError, UserError, InputError } from '../errors.js';
import { storageFailure, writeAll } from '../atomic-file.js';
import {
  CHECK_FILE,
  INDEX_FILE,
  MANIFEST_FILE,
  bundlePathProblem,
  isValidVersion,
  showName,
  manifestSchema,
  releaseInfoSchema,
  renderManifest,
  sameFiles,
  type Manifest,
  type ReleaseInfo,
} from './manifest.js';

export const ARCHIVE_FILE = 'bundle.tar.gz';

export interface StoredRelease {
  info: ReleaseInfo;
  manifest: Manifest;
  dir: string;
  archivePath: string;
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function releasesDir(ctx: Pick<Context, 'home'>): string {
  return homePaths(ctx.home).releasesDir;
}

/** The one line a refused bundle entry gets: the bundle, the entry (shown safely, a long name cut) and why. */
function badEntry(label: string, name: string, why: string): UserError {
  const shown = showName(name);
  return new UserError(`release bundle ${label}: entry "${shown.length > 120 ? `${shown.slice(0, 100)}…` : shown}" ${why}`);
}

/**
 * Regular files under dir, as sorted relative POSIX paths. Every name is checked before it is
 * used (bundlePathProblem); symlinks, devices and unreadable entries are refused.
 */
function walk(dir: string, label: string): string[] {
  const out: string[] = [];
  const visit = (d: string, prefix: string) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch (e) {
      throw badEntry(label, prefix || '.', `cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    for (const name of names.sort()) {
      const rel = prefix ? `${prefix}/${name}` : name;
      const why = bundlePathProblem(rel);
      if (why) throw badEntry(label, rel, why);
      const p = join(d, name);
      let st: Stats;
      try {
        st = lstatSync(p);
      } catch (e) {
        throw badEntry(label, rel, `cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      if (st.isSymbolicLink()) throw badEntry(label, rel, 'is a symbolic link; bundles hold regular files only');
      if (st.isDirectory()) visit(p, rel);
      else if (st.isFile()) out.push(rel);
      else throw badEntry(label, rel, 'is not a regular file');
    }
  };
  visit(dir, '');
  return out.sort();
}

/** An entry of a bundle archive as planned for unpacking. */
type Planned = { kind: 'dir'; path: string } | { kind: 'file'; path: string; mode: number } | { kind: 'link'; path: string; target: string } | { kind: 'skip' };

/** A path from a tar header without its "./" prefix and trailing "/" ("" for the top directory). */
function entryPath(raw: string): string {
  let p = raw;
  while (p.startsWith('./')) p = p.slice(2).replace(/^\/+/, '');
  if (p === '.') p = '';
  return p.replace(/\/+$/, '');
}

const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);

/**
 * Unpacks a .tar/.tar.gz bundle into `into` (a fresh directory). Two passes over the archive:
 * the first reads every header (a broken gzip or tar stream is one line: "not a valid .tar.gz")
 * and checks every entry before anything is written; the second writes the planned files
 * itself, so no name or mode from the archive reaches the file system unchecked. A hard link
 * becomes a copy of its target, which must be a regular file earlier in the same archive.
 */
async function unpackArchive(file: string, into: string, label: string): Promise<void> {
  const kind = /\.tar$/.test(file) ? '.tar archive' : '.tar.gz';
  const invalid = (e: unknown): unknown => {
    if (e instanceof UserError || storageFailure(e)) return e;
    const msg = showName(String((e as Error)?.message ?? e).split('\n')[0] ?? '');
    return new UserError(`release bundle ${label} is not a valid ${kind}: ${msg}`, { cause: e });
  };
  const heads: { path: string; type: string; linkpath?: string; mode?: number }[] = [];
  try {
    await tar.t({ file, strict: true, onReadEntry: (e) => void heads.push({ path: e.path, type: e.type, linkpath: e.linkpath, mode: e.mode }) });
  } catch (e) {
    throw invalid(e);
  }
  if (heads.length === 0) throw new UserError(`release bundle ${label} is not a valid ${kind}: it holds no entries`);

  const plan: Planned[] = [];
  const files = new Set<string>();
  const dirs = new Set<string>();
  const taken = (p: string) => files.has(p) || dirs.has(p);
  const parents = (p: string) => {
    const parts = p.split('/');
    for (let i = 1; i < parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (files.has(d)) throw badEntry(label, p, `lies under "${showName(d)}", which is a file`);
      dirs.add(d);
    }
  };
  for (const h of heads) {
    if (h.path.startsWith('/')) throw badEntry(label, h.path, 'is an absolute path');
    const p = entryPath(h.path);
    if (p === '' && h.type === 'Directory') {
      plan.push({ kind: 'skip' });
      continue;
    }
    const why = bundlePathProblem(p);
    if (why) throw badEntry(label, h.path, why);
    if (h.type === 'Directory') {
      if (files.has(p)) throw badEntry(label, h.path, 'is both a file and a directory');
      parents(p);
      dirs.add(p);
      plan.push({ kind: 'dir', path: p });
      continue;
    }
    if (h.type === 'SymbolicLink') throw badEntry(label, h.path, 'is a symbolic link; bundles hold regular files only');
    if (!FILE_TYPES.has(h.type) && h.type !== 'Link') throw badEntry(label, h.path, `is not a regular file (tar type ${h.type})`);
    if (taken(p)) throw badEntry(label, h.path, 'appears twice in the archive');
    parents(p);
    if (h.type === 'Link') {
      const raw = h.linkpath ?? '';
      const target = entryPath(raw);
      const twhy = raw.startsWith('/') ? 'is an absolute path' : bundlePathProblem(target);
      if (twhy) throw badEntry(label, h.path, `is a hard link whose target "${showName(raw)}" ${twhy}`);
      if (!files.has(target)) throw badEntry(label, h.path, `is a hard link to "${showName(raw)}", which is not a regular file earlier in the archive`);
      plan.push({ kind: 'link', path: p, target });
    } else {
      plan.push({ kind: 'file', path: p, mode: ((h.mode ?? 0o644) & 0o777) | 0o600 });
    }
    files.add(p);
  }

  // Second pass: write what the plan allows, entry by entry, in the archive's order.
  let i = 0;
  let failure: unknown;
  const links: { path: string; target: string }[] = [];
  const pending = new Set<number>();
  try {
    await tar.t({
      file,
      strict: true,
      onReadEntry: (e) => {
        const step = plan[i++];
        if (failure !== undefined || !step || step.kind === 'skip') return;
        try {
          const dst = join(into, step.path);
          if (step.kind === 'dir') return void mkdirSync(dst, { recursive: true, mode: 0o755 });
          mkdirSync(dirname(dst), { recursive: true, mode: 0o755 });
          if (step.kind === 'link') return void links.push(step);
          const fd = openSync(dst, 'wx', step.mode);
          pending.add(fd);
          e.on('data', (chunk: Buffer) => {
            if (failure !== undefined) return;
            try {
              writeAll(fd, chunk);
            } catch (err) {
              failure = err;
            }
          });
          e.on('end', () => {
            pending.delete(fd);
            closeSync(fd);
          });
        } catch (err) {
          failure = err;
        }
      },
    });
  } catch (e) {
    throw invalid(e);
  }
  for (const fd of pending) closeSync(fd);
  if (pending.size > 0 && failure === undefined) failure = new Error('an entry ends early');
  if (failure !== undefined) throw invalid(failure);
  for (const l of links) copyFileSync(join(into, l.target), join(into, l.path));
}

/** Removes a staging tree, also one holding read-only directories (a release being built is one). */
function removeTree(p: string): void {
  const open = (d: string) => {
    try {
      chmodSync(d, 0o700);
      for (const n of readdirSync(d)) {
        const c = join(d, n);
        if (lstatSync(c).isDirectory()) open(c);
      }
    } catch {
      // rmSync below reports what is still in the way
    }
  };
  if (!existsSync(p)) return;
  open(p);
  rmSync(p, { recursive: true, force: true });
}

export async function addRelease(
  ctx: Pick<Context, 'home' | 'cwd' | 'clock'>,
  opts: { path: string; version: string },
): Promise<{ release: StoredRelease; created: boolean }> {
  const { version } = opts;
  if (!isValidVersion(version)) {
    throw new UserError(`--version "${version}" is not a valid release version`, {
      hint: 'use letters, digits, ".", "_", "+" or "-", e.g. 1.4.0 or 2026.11.28-1',
    });
  }
  const src = resolve(ctx.cwd, opts.path);
  const label = showName(opts.path);
  if (!existsSync(src)) throw new UserError(`${label}: no such file or directory`);
  const root = releasesDir(ctx);
  // the release is built in a staging directory and renamed into place: a full disk stores nothing
  const full = (e: unknown) => {
    const why = storageFailure(e);
    return why ? new StorageError(`cannot store release ${version} in ${root}: ${why}; nothing was stored`, { file: root, cause: e }) : e;
  };
  const stage = join(root, `.stage-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    mkdirSync(root, { recursive: true, mode: 0o700 });
    mkdirSync(stage, { mode: 0o700 });
  } catch (e) {
    throw full(e);
  }
  try {
    // 1. The bundle content, as a directory.
    let content = src;
    if (statSync(src).isFile()) {
      if (!/\.(tar|tar\.gz|tgz)$/.test(src)) throw new UserError(`${label}: a release is a directory or a .tar/.tar.gz/.tgz archive`);
      content = join(stage, 'unpacked');
      mkdirSync(content);
      await unpackArchive(src, content, label);
    }
    const files = walk(content, label).filter((f) => f !== MANIFEST_FILE);
    if (!files.includes(INDEX_FILE)) {
      throw new UserError(`${label}: the bundle has no ${INDEX_FILE} (the kiosk app)`, {
        hint: 'a release holds www/ (the kiosk page), optional config and an optional "check" script',
      });
    }
    const manifest: Manifest = { version, files: {} };
    let bytes = 0;
    for (const f of files) {
      const data = readFileSync(join(content, f));
      bytes += data.length;
      manifest.files[f] = sha256(data);
    }
    // 2. A manifest shipped by the build must agree with the bytes and the version.
    const given = join(content, MANIFEST_FILE);
    if (existsSync(given)) {
      const file = join(label, MANIFEST_FILE);
      let parsed: unknown;
      try {
        parsed = JSON.parse(readFileSync(given, 'utf8'));
      } catch (e) {
        throw new InputError([{ file, message: `not JSON: ${showName((e as Error).message)}` }]);
      }
      const m = manifestSchema.safeParse(parsed);
      if (!m.success) throw new InputError(m.error.issues.map((i) => ({ file, field: showName(i.path.join('.')), message: i.message })));
      if (m.data.version !== version)
        throw new InputError([{ file, field: 'version', message: `says ${showName(m.data.version)}, but --version is ${version}` }]);
      if (!sameFiles(m.data, manifest)) {
        const bad = Object.keys({ ...m.data.files, ...manifest.files }).filter((k) => m.data.files[k] !== manifest.files[k]);
        throw new InputError([
          { file, field: 'files', message: `checksums do not match the bundle: ${bad.slice(0, 5).map(showName).join(', ')}${bad.length > 5 ? ', …' : ''}` },
        ]);
      }
    }
    // 3. Already there? Same content is fine (a CI job re-run); different content is refused.
    //    A directory that is no readable release (left by an older jfleet that stored a bundle
    //    its own manifest could not describe) was never usable by a rollout: it is replaced.
    const dest = join(root, version);
    let damaged = false;
    if (existsSync(dest)) {
      const existing = readStored(root, version);
      if ('damaged' in existing) damaged = true;
      else if (sameFiles(existing.manifest, manifest)) return { release: existing, created: false };
      else
        throw new UserError(`release ${version} already exists with different content; releases are immutable`, {
          hint: 'publish the change under a new version',
        });
    }
    // 4. The archive devices receive: manifest first, then the files in sorted order.
    const out = join(stage, 'release');
    mkdirSync(out);
    const manifestText = renderManifest(manifest);
    const packDir = content === src ? join(stage, 'content') : content;
    if (content === src) copyTree(src, packDir, files);
    writeFileSync(join(packDir, MANIFEST_FILE), manifestText);
    await tar.c({ gzip: { level: 9 }, file: join(out, ARCHIVE_FILE), cwd: packDir, portable: true, noMtime: true }, [MANIFEST_FILE, ...files]);
    const archive = readFileSync(join(out, ARCHIVE_FILE));
    const info: ReleaseInfo = {
      version,
      archive: ARCHIVE_FILE,
      archiveSha256: sha256(archive),
      archiveBytes: archive.length,
      files: files.length,
      bytes,
      addedAt: ctx.clock.now().toISOString(),
      source: basename(src),
      hasCheck: files.includes(CHECK_FILE),
    };
    writeFileSync(join(out, MANIFEST_FILE), manifestText);
    writeFileSync(join(out, 'release.json'), JSON.stringify(info, null, 2) + '\n');
    for (const f of [ARCHIVE_FILE, MANIFEST_FILE, 'release.json']) chmodSync(join(out, f), 0o444);
    const aside = join(stage, 'damaged');
    if (damaged) {
      chmodSync(dest, 0o700); // a directory is moved to another parent only if it is writable
      renameSync(dest, aside);
    }
    try {
      renameSync(out, dest);
    } catch (e) {
      // Another `release add` of the same version won the race: judge against what it stored.
      if (existsSync(dest)) {
        const existing = readRelease(ctx, version);
        if (sameFiles(existing.manifest, manifest)) return { release: existing, created: false };
        throw new UserError(`release ${version} already exists with different content; releases are immutable`);
      }
      if (damaged) {
        renameSync(aside, dest); // the store as it was
        chmodSync(dest, 0o555);
      }
      throw e;
    }
    chmodSync(dest, 0o555);
    return { release: readRelease(ctx, version), created: true };
  } catch (e) {
    throw full(e);
  } finally {
    removeTree(stage);
  }
}

function copyTree(from: string, to: string, files: string[]): void {
  for (const f of files) {
    const dst = join(to, f);
    mkdirSync(join(dst, '..'), { recursive: true });
    writeFileSync(dst, readFileSync(join(from, f)), { mode: statSync(join(from, f)).mode & 0o777 });
  }
}

/**
 * A stored release as found under root, or why the directory there is no readable release
 * (a file missing, not JSON, or not what jfleet writes).
 */
function readStored(root: string, version: string): StoredRelease | { damaged: string } {
  const dir = join(root, version);
  const read = <T>(
    name: string,
    schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } },
  ): T | string => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(join(dir, name), 'utf8'));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return `${name}: ${code === 'ENOENT' ? 'missing' : (code ?? `not JSON: ${(e as Error).message}`)}`;
    }
    const r = schema.safeParse(parsed);
    if (r.success) return r.data;
    const i = r.error.issues[0]!; // a failed parse has at least one issue
    return `${name}: ${i.path.map(String).join('.')}: ${i.message}`;
  };
  const info = read('release.json', releaseInfoSchema);
  if (typeof info === 'string') return { damaged: showName(info) };
  const manifest = read(MANIFEST_FILE, manifestSchema);
  if (typeof manifest === 'string') return { damaged: showName(manifest) };
  return { info, manifest, dir, archivePath: join(dir, info.archive) };
}

/** A stored release, its archive checked against the recorded sha256 (bytes on disk can rot). */
export function readRelease(ctx: Pick<Context, 'home'>, version: string): StoredRelease {
  if (!isValidVersion(version)) throw new UserError(`"${showName(version)}" is not a valid release version`);
  const root = releasesDir(ctx);
  const dir = join(root, version);
  if (!existsSync(dir)) {
    throw new UserError(`no release ${version} in ${root}`, { hint: { kind: 'release-add', version } });
  }
  const r = readStored(root, version);
  if ('damaged' in r) {
    throw new UserError(`release ${version} in ${root} is damaged (${r.damaged}); it cannot be used`, {
      hint: { kind: 'release-add', version, again: true },
    });
  }
  return r;
}

export function loadArchive(rel: StoredRelease): Buffer {
  const data = readFileSync(rel.archivePath);
  if (sha256(data) !== rel.info.archiveSha256) {
    throw new UserError(`release ${rel.info.version}: ${rel.archivePath} does not match its recorded sha256; the store is damaged`, {
      hint: 'remove the release directory and add it again',
    });
  }
  return data;
}

export function listReleases(ctx: Pick<Context, 'home'>): ReleaseInfo[] {
  const root = releasesDir(ctx);
  if (!existsSync(root)) return [];
  const out: ReleaseInfo[] = [];
  for (const name of readdirSync(root)) {
    if (name.startsWith('.') || !isValidVersion(name)) continue;
    try {
      out.push(readRelease(ctx, name).info);
    } catch {
      // a half-written or foreign directory is not a release
    }
  }
  return out.sort((a, b) => (a.addedAt < b.addedAt ? -1 : a.addedAt > b.addedAt ? 1 : a.version < b.version ? -1 : 1));
}
