/**
 * May jfleet write this output file? The decision, on facts gathered beforehand (output-file.ts
 * gathers them): never one of jfleet's own inputs or state (followed through symbolic and hard
 * links), never a directory, never where it cannot be written, never a file another output flag
 * of the same command names too. Pure: no file system here.
 */

/** Something jfleet reads or keeps, which no output flag may name. */
export interface Guard {
  /** a noun phrase for the message: "the inventory directory (/srv/inv)" */
  what: string;
  /** its real path (symbolic links resolved) */
  path: string;
  /** a directory: everything under it is guarded (except under `except`) */
  tree: boolean;
  /** real paths inside a tree that an output may name (e.g. the central server's own database dir) */
  except?: string[];
  /** dev:ino of a guarded file, so a hard link to it is recognised */
  id?: string;
}

/** One output file named on the command line, and what the file system says about it. */
export interface OutputFacts {
  flag: string;
  /** the path as written on the command line (resolved against the working directory) */
  file: string;
  /** its real path: symbolic links in it resolved, a file that does not exist yet taken as its parent's real path + name */
  real: string;
  /** the file exists and is a directory */
  isDirectory?: boolean;
  /** dev:ino of an existing file */
  id?: string;
  /** other names of the same inode found inside guarded trees (only looked for when the file has several links) */
  hardLinks?: string[];
  /** errno code that stops the file being created or replaced (ENOENT: no such directory, EACCES, EROFS...) */
  problem?: string;
}

export const WRITE_REASONS: Record<string, string> = {
  ENOENT: 'no such directory',
  ENOTDIR: 'a path component is not a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  EISDIR: 'is a directory',
  ENOSPC: 'no space left on the device',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
};

/** The one-line message every output flag uses when a file cannot or must not be written. */
export function cannotWrite(flag: string, file: string, reason: string): string {
  return `${flag}: cannot write ${file}: ${reason}`;
}

function inside(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith('/') ? dir : dir + '/');
}

/** The guard that holds `real`, if any. */
function guardOf(real: string, guards: Guard[]): Guard | undefined {
  return guards.find((g) => (g.tree ? inside(real, g.path) && !g.except?.some((x) => inside(real, x)) : real === g.path));
}

/** "in the inventory directory (...)" for a path under a tree, "the CSV being imported" for the guarded thing itself. */
function place(real: string, g: Guard): string {
  return g.tree && real !== g.path ? `in ${g.what}` : g.what;
}

/**
 * Why `out` must not be written, or undefined when it may be. `earlier` are the outputs of the
 * same command checked before it (two flags naming one file is refused).
 */
export function outputProblem(out: OutputFacts, guards: Guard[], earlier: OutputFacts[] = []): string | undefined {
  const direct = guardOf(out.real, guards);
  if (direct) return out.real === out.file ? `it is ${place(out.real, direct)}` : `it resolves to ${out.real}, ${place(out.real, direct)}`;
  if (out.id) {
    const same = guards.find((g) => !g.tree && g.id === out.id);
    if (same) return `it is a hard link to ${same.path}, ${same.what}`;
  }
  for (const link of out.hardLinks ?? []) {
    const g = guardOf(link, guards);
    if (g) return `it is a hard link to ${link}, ${place(link, g)}`;
  }
  const twin = earlier.find((o) => o.real === out.real || (out.id !== undefined && o.id === out.id));
  if (twin) return `${twin.flag} names the same file`;
  if (out.isDirectory) return WRITE_REASONS.EISDIR;
  if (out.problem) return WRITE_REASONS[out.problem] ?? out.problem;
  return undefined;
}
