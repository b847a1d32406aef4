/**
 * Files the user names on the command line for jfleet to write (--junit, --map, --rejected,
 * schedule install's --dir/--crontab, central serve's --db): checked at the command boundary,
 * before any work, so a wrong path is one line (exit 2) and nothing is touched: not a device, not
 * the inventory, not a browser. The decision is outputProblem() in output-path.ts; this file
 * gathers the facts it decides on (real paths, inodes, permissions) and the things to guard.
 */
import { accessSync, constants, lstatSync, readdirSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Context } from '../context.js';
import { UserError } from '../errors.js';
import { resolveInventoryDir } from '../inventory/paths.js';
import { REFERENCE_DIR } from '../inventory/villages.js';
import { DEFAULT_RECIPE_DIR } from '../provision/recipe-load.js';
import { cannotWrite, outputProblem, WRITE_REASONS, type Guard, type OutputFacts } from './output-path.js';

export interface OutputSpec {
  /** the flag, for the message: "--junit" */
  flag: string;
  /** the path as given (relative to the working directory) */
  file: string;
  /** the writer creates missing parent directories (schedule install, central --db) */
  createDirs?: boolean;
}

export interface GuardSpec {
  /** the --inventory flag of the command (resolved as every command resolves it) */
  inventory?: string;
  /** further inventory directories in play (a resumed rollout's own) */
  inventories?: Array<string | null | undefined>;
  /** files the command reads: { path, what: "the CSV being imported (--from)" } */
  inputs?: Array<{ path: string; what: string }>;
  /** directories under JFLEET_HOME an output may name (the central server's database) */
  homeExcept?: string[];
}

/** Hard links are looked for only in this many directory entries per guarded tree. */
const WALK_LIMIT = 20_000;

/**
 * Throws a one-line UserError (exit 2) for the first output that must not or cannot be written:
 * one of jfleet's inputs or state (also through a symbolic or hard link), a directory, an
 * unwritable or missing place, or a file another output flag names too.
 */
export function assertOutputs(ctx: Pick<Context, 'cwd' | 'env' | 'home' | 'config'>, outputs: OutputSpec[], spec: GuardSpec = {}): void {
  if (outputs.length === 0) return;
  const guards = guardsFor(ctx, spec);
  const seen: OutputFacts[] = [];
  for (const o of outputs) {
    const f = factsOf(resolve(ctx.cwd, o.file), o, guards);
    const why = outputProblem(f, guards, seen);
    if (why) throw new UserError(cannotWrite(o.flag, f.file, why));
    seen.push(f);
  }
}

/** A file-system error on writing `file` (after the check: a race, a full disk) as the same one line; anything unexpected as it is. */
export function writeError(e: unknown, file: string, flag: string): unknown {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code && WRITE_REASONS[code]) return new UserError(cannotWrite(flag, file, WRITE_REASONS[code]), { cause: e });
  return e;
}

function guardsFor(ctx: Pick<Context, 'cwd' | 'env' | 'home' | 'config'>, spec: GuardSpec): Guard[] {
  const guards: Guard[] = [];
  for (const i of spec.inputs ?? []) {
    const abs = resolve(ctx.cwd, i.path);
    guards.push({ what: i.what, path: realish(abs), tree: false, id: idOf(abs) });
  }
  const cfg = ctx.config();
  const keyFile = ctx.env.JFLEET_KEY_FILE || str(cfg.keyFile);
  if (keyFile) for (const k of [keyFile, `${keyFile}.pub`]) guards.push(fileGuard(resolve(ctx.cwd, k), `jfleet's SSH key (keyFile ${keyFile})`));
  const caFile = ctx.env.JFLEET_API_CA_FILE || str(cfg.api?.caFile);
  if (caFile) guards.push(fileGuard(resolve(ctx.cwd, caFile), `the central API's CA certificate (api.caFile ${caFile})`));
  const dirs = new Set([
    resolveInventoryDir(ctx, spec.inventory),
    ...(spec.inventories ?? []).filter((d): d is string => Boolean(d)).map((d) => resolve(ctx.cwd, d)),
  ]);
  for (const d of dirs) guards.push({ what: `the inventory directory (${d})`, path: realish(d), tree: true });
  const ref = REFERENCE_DIR.replace(/\/+$/, '');
  guards.push({ what: `jfleet's village reference data (${ref})`, path: realish(ref), tree: true });
  const recipe = DEFAULT_RECIPE_DIR.replace(/\/+$/, '');
  guards.push({ what: `jfleet's shipped kiosk recipe (${recipe})`, path: realish(recipe), tree: true });
  guards.push({
    what: `JFLEET_HOME (${ctx.home}), where jfleet keeps its config, keys and state`,
    path: realish(ctx.home),
    tree: true,
    except: (spec.homeExcept ?? []).map((x) => realish(resolve(ctx.home, x))),
  });
  return guards;
}

function fileGuard(abs: string, what: string): Guard {
  return { what, path: realish(abs), tree: false, id: idOf(abs) };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function idOf(path: string): string | undefined {
  try {
    const st = statSync(path, { throwIfNoEntry: false });
    return st && !st.isDirectory() ? `${st.dev}:${st.ino}` : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The real path of `p`, also when it does not exist (yet): symbolic links followed, a dangling
 * one to where it points (writing through it creates that file), a missing tail appended to its
 * parent's real path.
 */
export function realish(p: string, hops = 0): string {
  try {
    return realpathSync(p);
  } catch {
    let link: string | undefined;
    try {
      if (hops < 40 && lstatSync(p).isSymbolicLink()) link = readlinkSync(p);
    } catch {
      /* not there at all: fall through to the parent */
    }
    if (link !== undefined) return realish(resolve(dirname(p), link), hops + 1);
    const parent = dirname(p);
    return parent === p ? p : join(realish(parent, hops), basename(p));
  }
}

function errno(e: unknown): string {
  return (e as NodeJS.ErrnoException)?.code ?? 'EIO';
}

function factsOf(file: string, o: OutputSpec, guards: Guard[]): OutputFacts {
  const real = realish(file);
  const f: OutputFacts = { flag: o.flag, file, real };
  let st;
  try {
    st = statSync(real, { throwIfNoEntry: false });
  } catch (e) {
    f.problem = errno(e);
    return f;
  }
  if (st?.isDirectory()) {
    f.isDirectory = true;
    return f;
  }
  if (st) {
    f.id = `${st.dev}:${st.ino}`;
    if (st.nlink > 1)
      f.hardLinks = findLinks(
        st.dev,
        st.ino,
        guards.filter((g) => g.tree).map((g) => g.path),
      );
    try {
      accessSync(real, constants.W_OK);
      accessSync(dirname(real), constants.W_OK); // atomic writers replace the file by renaming into the directory
    } catch (e) {
      f.problem = errno(e);
    }
    return f;
  }
  f.problem = dirProblem(dirname(real), Boolean(o.createDirs));
  return f;
}

/** Why no file can be created in `dir` (missing, not a directory, not writable), or undefined. */
function dirProblem(dir: string, createDirs: boolean): string | undefined {
  try {
    let d = dir;
    let st = statSync(d, { throwIfNoEntry: false });
    // A writer that creates its directories needs only the nearest existing one to be writable.
    while (!st && createDirs && dirname(d) !== d) {
      d = dirname(d);
      st = statSync(d, { throwIfNoEntry: false });
    }
    if (!st) return 'ENOENT';
    if (!st.isDirectory()) return 'ENOTDIR';
    accessSync(d, constants.W_OK);
    return undefined;
  } catch (e) {
    return errno(e);
  }
}

/** Other names of dev:ino inside `roots` (not following symbolic links), bounded by WALK_LIMIT entries per root. */
function findLinks(dev: number, ino: number, roots: string[]): string[] {
  const found: string[] = [];
  for (const root of roots) {
    const stack = [root];
    let seen = 0;
    while (stack.length && seen < WALK_LIMIT) {
      const dir = stack.pop()!;
      let entries;
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        continue;
      }
      for (const e of entries) {
        if (++seen > WALK_LIMIT) break;
        const p = join(dir, e.name);
        if (e.isDirectory()) stack.push(p);
        else if (e.isFile()) {
          try {
            const s = lstatSync(p);
            if (s.dev === dev && s.ino === ino) found.push(p);
          } catch {
            /* gone meanwhile */
          }
        }
      }
    }
  }
  return found;
}
