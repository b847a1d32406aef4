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

export function isValidVersion(v: string): boolean {
  return VERSION_RE.test(v);
}

/** The manifest as written into the bundle: keys sorted, so the same content gives the same bytes. */
export function renderManifest(m: Manifest): string {
  const files: Record<string, string> = {};
  for (const k of Object.keys(m.files).sort()) files[k] = m.files[k];
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
