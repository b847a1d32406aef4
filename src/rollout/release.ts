/**
 * The release store under $JFLEET_HOME/releases/<version>/: bundle.tar.gz (the archive sent to
 * devices, one per device over SFTP), manifest.json ({version, files: {path: sha256}}) and
 * release.json (archive checksum, sizes, source). Releases are immutable: a version is written
 * once (staged in a temp dir, then renamed into place) and its files are made read-only.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
import * as tar from 'tar';
import type { Context } from '../context.js';
import { homePaths } from '../context.js';
import { StorageError, UserError, InputError } from '../errors.js';
import { storageFailure } from '../atomic-file.js';
import {
  CHECK_FILE, INDEX_FILE, MANIFEST_FILE, isValidVersion, manifestSchema, releaseInfoSchema, renderManifest, sameFiles,
  type Manifest, type ReleaseInfo,
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

/** Regular files under dir, as sorted relative POSIX paths. Symlinks and devices are refused. */
function walk(dir: string): string[] {
  const out: string[] = [];
  const visit = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p);
      const rel = relative(dir, p).split(sep).join('/');
      if (st.isSymbolicLink()) throw new UserError(`release bundle: ${rel} is a symbolic link; bundles hold regular files only`);
      if (st.isDirectory()) visit(p);
      else if (st.isFile()) out.push(rel);
      else throw new UserError(`release bundle: ${rel} is not a regular file`);
    }
  };
  visit(dir);
  return out.sort();
}

export async function addRelease(
  ctx: Pick<Context, 'home' | 'cwd' | 'clock'>,
  opts: { path: string; version: string },
): Promise<{ release: StoredRelease; created: boolean }> {
  const { version } = opts;
  if (!isValidVersion(version)) {
    throw new UserError(`--version "${version}" is not a valid release version`, { hint: 'use letters, digits, ".", "_", "+" or "-", e.g. 1.4.0 or 2026.11.28-1' });
  }
  const src = resolve(ctx.cwd, opts.path);
  if (!existsSync(src)) throw new UserError(`${opts.path}: no such file or directory`);
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
      if (!/\.(tar|tar\.gz|tgz)$/.test(src)) throw new UserError(`${opts.path}: a release is a directory or a .tar/.tar.gz/.tgz archive`);
      content = join(stage, 'unpacked');
      mkdirSync(content);
      // node-tar strips absolute paths and refuses entries that climb out with "..".
      await tar.x({ file: src, cwd: content, strict: true, preserveOwner: false }).catch((e: unknown) => {
        throw new UserError(`${opts.path}: cannot unpack: ${(e as Error).message}`);
      });
    }
    const files = walk(content).filter((f) => f !== MANIFEST_FILE);
    if (!files.includes(INDEX_FILE)) {
      throw new UserError(`${opts.path}: the bundle has no ${INDEX_FILE} (the kiosk app)`, { hint: 'a release holds www/ (the kiosk page), optional config and an optional "check" script' });
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
      const file = join(opts.path, MANIFEST_FILE);
      let parsed: unknown;
      try {
        parsed = JSON.parse(readFileSync(given, 'utf8'));
      } catch (e) {
        throw new InputError([{ file, message: `not JSON: ${(e as Error).message}` }]);
      }
      const m = manifestSchema.safeParse(parsed);
      if (!m.success) throw new InputError(m.error.issues.map((i) => ({ file, field: i.path.join('.'), message: i.message })));
      if (m.data.version !== version) throw new InputError([{ file, field: 'version', message: `says ${m.data.version}, but --version is ${version}` }]);
      if (!sameFiles(m.data, manifest)) {
        const bad = Object.keys({ ...m.data.files, ...manifest.files }).filter((k) => m.data.files[k] !== manifest.files[k]);
        throw new InputError([{ file, field: 'files', message: `checksums do not match the bundle: ${bad.slice(0, 5).join(', ')}${bad.length > 5 ? ', …' : ''}` }]);
      }
    }
    // 3. Already there? Same content is fine (a CI job re-run); different content is refused.
    const dest = join(root, version);
    if (existsSync(dest)) {
      const existing = readRelease(ctx, version);
      if (sameFiles(existing.manifest, manifest)) return { release: existing, created: false };
      throw new UserError(`release ${version} already exists with different content; releases are immutable`, { hint: 'publish the change under a new version' });
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
    try {
      renameSync(out, dest);
    } catch (e) {
      // Another `release add` of the same version won the race: judge against what it stored.
      if (existsSync(dest)) {
        const existing = readRelease(ctx, version);
        if (sameFiles(existing.manifest, manifest)) return { release: existing, created: false };
        throw new UserError(`release ${version} already exists with different content; releases are immutable`);
      }
      throw e;
    }
    chmodSync(dest, 0o555);
    return { release: readRelease(ctx, version), created: true };
  } catch (e) {
    throw full(e);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

function copyTree(from: string, to: string, files: string[]): void {
  for (const f of files) {
    const dst = join(to, f);
    mkdirSync(join(dst, '..'), { recursive: true });
    writeFileSync(dst, readFileSync(join(from, f)), { mode: statSync(join(from, f)).mode & 0o777 });
  }
}

/** A stored release, its archive checked against the recorded sha256 (bytes on disk can rot). */
export function readRelease(ctx: Pick<Context, 'home'>, version: string): StoredRelease {
  if (!isValidVersion(version)) throw new UserError(`"${version}" is not a valid release version`);
  const dir = join(releasesDir(ctx), version);
  if (!existsSync(join(dir, 'release.json'))) {
    throw new UserError(`no release ${version} in ${releasesDir(ctx)}`, { hint: `add it first: jfleet release add PATH --version ${version}` });
  }
  const info = releaseInfoSchema.parse(JSON.parse(readFileSync(join(dir, 'release.json'), 'utf8')));
  const manifest = manifestSchema.parse(JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8')));
  return { info, manifest, dir, archivePath: join(dir, info.archive) };
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
