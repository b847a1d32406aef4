/**
 * The release manifest, as stored with a bundle and as it lies on a device
 * (/opt/jfleet-kiosk/releases/<version>/manifest.json): { version, files: { relpath: sha256 } }.
 * Pure: schemas, validation and rendering of the check lists; hashing happens in release.ts.
 */
import { z } from 'zod';

/** Versions end up in paths and remote commands: a conservative alphabet, no "." or ".." alone. */
export const VERSION_RE = /^[0-9A-Za-z][0-9A-Za-z._+-]{0,63}$/;
export const SHA256_RE = /^[0-9a-f]{64}$/;
/** Relative paths inside a bundle: no absolute path, no "..", no control characters or newlines. */
const RELPATH_RE = /^(?!\/)(?!.*(?:^|\/)\.\.?(?:\/|$))[^\u0000-\u001f\u007f\\]{1,255}$/;

export const manifestSchema = z
  .object({
    version: z.string().regex(VERSION_RE, 'must be letters, digits, ".", "_", "+" or "-", starting with a letter or digit'),
    files: z.record(z.string().regex(RELPATH_RE, 'must be a relative path inside the bundle'), z.string().regex(SHA256_RE, 'must be a sha256 hex digest')),
  })
  .passthrough();
export type Manifest = z.infer<typeof manifestSchema>;

/** What jfleet keeps next to a stored bundle. */
export const releaseInfoSchema = z.object({
  version: z.string().regex(VERSION_RE),
  archive: z.string(),
  archiveSha256: z.string().regex(SHA256_RE),
  archiveBytes: z.number().int().nonnegative(),
  files: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  addedAt: z.string(),
  source: z.string(),
  hasCheck: z.boolean(),
});
export type ReleaseInfo = z.infer<typeof releaseInfoSchema>;

export const MANIFEST_FILE = 'manifest.json';
/** An optional executable in a bundle that the health gate runs on the device (exit 0 = healthy). */
export const CHECK_FILE = 'check';
/** The kiosk app every release must carry. */
export const INDEX_FILE = 'www/index.html';

const utf8Bytes = (s: string): number => new TextEncoder().encode(s).length;

/** Bounds on a path inside a bundle: one name, and the whole path (what a stored manifest admits). */
export const MAX_NAME_BYTES = 255;
export const MAX_PATH_BYTES = 255;

/**
 * A bundle entry's name as it may be shown on one terminal line: control characters (C0, DEL,
 * C1) as \xNN and a backslash doubled, so a hostile name can neither break nor recolour the line.
 */
export function showName(name: string): string {
  return name.replace(/[\u0000-\u001f\u007f-\u009f\\]/g, (c) => (c === '\\' ? '\\\\' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

/**
 * Why `path` (relative, "/"-separated, no "./" prefix or trailing "/") may not be a bundle
 * entry, or undefined when it may. The same names are then safe as files on the controller
 * and the device, as manifest keys, in `sha256sum -c` lines and in a one-line message.
 */
export function bundlePathProblem(path: string): string | undefined {
  if (path === '') return 'has an empty name';
  if (path.startsWith('/')) return 'is an absolute path';
  if (/[\u0000-\u001f\u007f-\u009f]/.test(path)) return 'has a control character (newline, ESC, ...) in its name';
  if (path.includes('\\')) return 'has a backslash in its name';
  if (path.includes('\ufffd')) return 'has a name that is not valid UTF-8';
  for (const part of path.split('/')) {
    if (part === '') return 'has an empty path component ("//")';
    if (part === '..' || part === '.') return `has a "${part}" path component`;
    const n = utf8Bytes(part);
    if (n > MAX_NAME_BYTES) return `has a name of ${n} bytes (at most ${MAX_NAME_BYTES})`;
  }
  const n = utf8Bytes(path);
  if (n > MAX_PATH_BYTES) return `has a path of ${n} bytes (at most ${MAX_PATH_BYTES})`;
  return undefined;
}

export function isValidVersion(v: string): boolean {
  return VERSION_RE.test(v);
}

/** The manifest as written into the bundle: keys sorted, so the same content gives the same bytes. */
export function renderManifest(m: Manifest): string {
  const files: Record<string, string> = {};
  for (const k of Object.keys(m.files).sort()) files[k] = m.files[k]!; // k is one of m.files' own keys
  return JSON.stringify({ version: m.version, files }, null, 2) + '\n';
}

/**
 * Lines for `sha256sum -c` on the device: "<sha>  ./<path>". The expected sums come from the
 * controller's own copy of the manifest (sent over stdin), not from the archive being checked.
 */
export function checksumLines(m: Manifest): string {
  return Object.keys(m.files)
    .sort()
    .map((p) => `${m.files[p]}  ./${p}\n`)
    .join('');
}

export function sameFiles(a: Manifest, b: Manifest): boolean {
  const ka = Object.keys(a.files).sort();
  const kb = Object.keys(b.files).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a.files[k] === b.files[k]);
}
