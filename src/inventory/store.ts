/**
 * Writing the inventory: serialised by a lock (src/store/lock.ts; .packages.yaml.lock beside the
 * file), validated before anything is written, and atomic (temporary file in the same directory,
 * fsync, rename, fsync of the directory), so concurrent writers both land and a crash mid-write
 * leaves the previous file intact. Edits go through the YAML Document API, so comments and the order of
 * untouched entries survive.
 *
 * The atomic write is writeAtomic (src/atomic-file.ts): every byte or nothing, so a full disk is
 * an error and the previous file, never a truncated one. Its temp names carry the writer's pid,
 * so stale temp files from a killed writer are recognised and cleaned here, under the lock.
 */
import { accessSync, constants, mkdirSync, readdirSync, unlinkSync } from 'node:fs';
import { readInputFile } from '../input-file.js';
import { basename, dirname, join } from 'node:path';
import { TEMP_RE, writeAtomic, writeFailure } from '../atomic-file.js';
import { acquireLockFile, pidAlive } from '../store/lock.js';
import { Document, isMap, isSeq, type YAMLMap, type YAMLSeq } from 'yaml';
import { InputError, StorageError, UserError, ExitCode } from '../errors.js';
import { packagesFile } from './paths.js';
import { crossCheck, parseInventoryDocument, type ParsedInventory } from './load.js';
import { bastionsFile, loadBastions, reachIssues } from './bastions.js';
import { packageSchema, type Package } from './schema.js';
import { issueMessage, issuePath } from '../errors.js';
import { loadVillages, type VillageReference } from './villages.js';

export const INVENTORY_HEADER =
  ' jfleet inventory: one entry per kiosk package. Reviewable by hand and in git;\n' +
  ' jfleet keeps comments and order when it edits this file. Check it with: jfleet inventory check';

export interface UpdateResult {
  file: string;
  before: Package[];
  after: Package[];
  added: Package[];
  removed: Package[];
  changed: Package[];
  /** false when the update changed nothing (or dryRun) */
  written: boolean;
  text: string;
}

export interface UpdateOptions {
  dryRun?: boolean;
  ref?: VillageReference;
}

/** The interface other capabilities use: locked, validated, atomic, comment-preserving. */
export async function updateInventory(dir: string, fn: (packages: Package[]) => Package[] | void): Promise<void> {
  await applyInventoryUpdate(dir, fn);
}

/** Fixed field order for entries jfleet writes, so files diff well. */
const FIELD_ORDER = [
  'id',
  'village',
  'address',
  'port',
  'user',
  'hardware',
  'tags',
  'hostKey',
  'jump',
  'reach',
  'bastion',
  'tunnel',
  'identityFile',
  'vars',
  'custodian',
  'registeredAt',
] as const;

/** The YAML form of a package: canonical key order, empty hardware/tags left out. */
export function toPlain(p: Package): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of FIELD_ORDER) {
    const v = (p as Record<string, unknown>)[k];
    if (v === undefined) continue;
    if (k === 'tags' && Array.isArray(v) && v.length === 0) continue;
    if ((k === 'hardware' || k === 'vars' || k === 'custodian') && typeof v === 'object' && v && Object.keys(v).length === 0) continue;
    out[k] = v;
  }
  return out;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

// Writers in this process queue per file; queued edits are applied together under one lock,
// one read and one write (a fleet pinning host keys as it connects makes bursts of edits).
// Each edit is still checked on its own: a bad one is refused without holding back the others.
interface Job {
  fn: (packages: Package[]) => Package[] | void;
  ref: VillageReference;
  resolve: (r: UpdateResult) => void;
  reject: (e: unknown) => void;
}
const pending = new Map<string, Job[]>();
const draining = new Set<string>();

export async function applyInventoryUpdate(dir: string, fn: (packages: Package[]) => Package[] | void, opts: UpdateOptions = {}): Promise<UpdateResult> {
  const file = packagesFile(dir);
  const ref = opts.ref ?? loadVillages();
  if (opts.dryRun) return dryRun(file, fn, ref);
  return new Promise<UpdateResult>((resolve, reject) => {
    const q = pending.get(file) ?? [];
    q.push({ fn, ref, resolve, reject });
    pending.set(file, q);
    if (!draining.has(file)) void drain(dir, file);
  });
}

async function drain(dir: string, file: string): Promise<void> {
  draining.add(file);
  try {
    for (;;) {
      const jobs = pending.get(file) ?? [];
      pending.delete(file);
      if (jobs.length === 0) return;
      await runBatch(dir, file, jobs);
    }
  } finally {
    draining.delete(file);
  }
}

/** A file-system failure the user can act on (permissions, full disk, read-only) as one line. */
function fsError(e: unknown, file: string): unknown {
  if (e instanceof UserError) return e; // already one line (writeAtomic)
  const code = (e as NodeJS.ErrnoException)?.code;
  const known: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on the device',
    EDQUOT: 'disk quota exceeded',
    ENOTDIR: 'a path component is not a directory',
    EISDIR: 'is a directory',
    EEXIST: 'exists and is not a directory',
  };
  if (code && known[code])
    return new (['EROFS', 'ENOSPC', 'EDQUOT'].includes(code) ? StorageError : UserError)(
      `cannot write ${file}: ${known[code]} (${code}); nothing was changed`,
      { cause: e },
    );
  return e;
}

function readText(file: string): string {
  // a regular file within the input size limit, like every load (a FIFO is refused, not waited on)
  return readInputFile(file) ?? '';
}

/** Runs one caller's edit against a list: validated result, or the issues that stop it. */
function applyOne(job: Pick<Job, 'fn' | 'ref'>, current: Package[], file: string): Package[] {
  const working = structuredClone(current);
  const proposed = job.fn(working) ?? working;
  const after: Package[] = [];
  const issues: InputError['issues'] = [];
  proposed.forEach((p, i) => {
    const r = packageSchema.safeParse(p);
    if (r.success) after.push(r.data);
    else for (const iss of r.error.issues) issues.push({ file, field: `packages[${i}].${issuePath(iss).join('.') || '(item)'}`, message: issueMessage(iss) });
  });
  if (!issues.length) issues.push(...crossCheck(after, file, () => undefined, job.ref));
  if (!issues.length) issues.push(...afterReachIssues(after, file));
  if (issues.length) throw new InputError(issues, { hint: 'nothing was written' });
  return after;
}

/**
 * A tunnelled package must name a bastion of bastions.yaml, as the loader checks: held here too,
 * so no edit writes a file the next load refuses (read only when some package uses reach).
 */
function afterReachIssues(after: Package[], file: string): InputError['issues'] {
  if (!after.some((p) => p.reach !== undefined || p.bastion !== undefined || p.tunnel !== undefined)) return [];
  const dir = dirname(file);
  const b = loadBastions(dir);
  if (b.issues.length) return b.issues;
  return reachIssues(
    after,
    b.exists ? b.bastions : null,
    file,
    () => undefined,
    (i) => i,
    bastionsFile(dir),
  );
}

function diff(before: Package[], after: Package[]) {
  const old = new Map(before.map((p) => [p.id, p]));
  const ids = new Set(after.map((p) => p.id));
  return {
    added: after.filter((p) => !old.has(p.id)),
    changed: after.filter((p) => old.has(p.id) && !same(toPlain(old.get(p.id)!), toPlain(p))),
    removed: before.filter((p) => !ids.has(p.id)),
  };
}

async function dryRun(file: string, fn: Job['fn'], ref: VillageReference): Promise<UpdateResult> {
  const text = readText(file);
  const cur = parseInventoryDocument(text, file, ref);
  if (cur.issues.length) throw new InputError(cur.issues, { hint: { kind: 'fix-inventory-file', file } });
  const after = applyOne({ fn, ref }, cur.packages, file);
  const newText = render(cur, text, after) ?? text;
  return { file, before: cur.packages, after, ...diff(cur.packages, after), written: false, text: newText };
}

async function runBatch(dir: string, file: string, jobs: Job[]): Promise<void> {
  let release: (() => Promise<void>) | undefined;
  const outcome = new Map<Job, { ok: true; value: UpdateResult } | { ok: false; error: unknown }>();
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    accessSync(dir, constants.W_OK); // a read-only file system fails here, not after waiting for the lock
    release = await lockInventory(file);
    cleanStaleTemps(file);
    const text = readText(file);
    const cur = parseInventoryDocument(text, file, jobs[0]!.ref); // the caller never runs an empty batch
    if (cur.issues.length) throw new InputError(cur.issues, { hint: { kind: 'fix-inventory-file', file } });
    let state = cur.packages;
    const done: Array<{ job: Job; before: Package[]; after: Package[] }> = [];
    for (const job of jobs) {
      try {
        const after = applyOne(job, state, file);
        done.push({ job, before: state, after });
        state = after;
      } catch (error) {
        outcome.set(job, { ok: false, error });
      }
    }
    const newText = render(cur, text, state);
    const written = newText !== undefined && newText !== text;
    if (written) writeAtomic(file, newText, { mode: 0o600 }); // custodians' personal data
    for (const d of done)
      outcome.set(d.job, { ok: true, value: { file, before: d.before, after: d.after, ...diff(d.before, d.after), written, text: newText ?? text } });
  } catch (e) {
    const error = fsError(e, file);
    for (const job of jobs) if (!outcome.has(job) || outcome.get(job)!.ok) outcome.set(job, { ok: false, error });
  } finally {
    if (release) await release().catch(() => undefined);
  }
  // settle after the lock is released, so a caller that continues sees a quiet directory
  for (const job of jobs) {
    const o = outcome.get(job)!;
    if (o.ok) job.resolve(o.value);
    else job.reject(o.error);
  }
}

/** The new file text for `after` on top of the parsed document; undefined when nothing changes. */
function render(cur: ParsedInventory, text: string, after: Package[]): string | undefined {
  const before = cur.packages;
  const { added, changed } = diff(before, after);
  const sameOrder = before.length === after.length && before.every((p, i) => p.id === after[i]?.id);
  if (sameOrder && added.length === 0 && changed.length === 0) return undefined;
  const doc = text.trim() === '' || !isMap(cur.doc.contents) ? newDocument() : cur.doc;
  let seq = doc.get('packages', true) as YAMLSeq | undefined;
  if (!seq || !isSeq(seq)) {
    seq = doc.createNode([]) as YAMLSeq;
    doc.set('packages', seq);
  }
  const oldNodes = new Map<string, { node: unknown; pkg: Package }>();
  before.forEach((p, i) => {
    oldNodes.set(p.id, { node: cur.nodes[i], pkg: p });
  });
  seq.items = after.map((p) => {
    const old = oldNodes.get(p.id);
    if (!old) return doc.createNode(toPlain(p));
    if (same(toPlain(old.pkg), toPlain(p))) return old.node;
    if (isMap(old.node)) {
      patchMap(doc, old.node as YAMLMap, toPlain(old.pkg), toPlain(p));
      return old.node;
    }
    return doc.createNode(toPlain(p));
  }) as typeof seq.items;
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

function newDocument(): Document {
  const doc = new Document({ packages: [] });
  doc.commentBefore = INVENTORY_HEADER;
  return doc;
}

/** Changes only the keys whose values differ, so comments on untouched keys stay. */
function patchMap(doc: Document, node: YAMLMap, oldPlain: Record<string, unknown>, newPlain: Record<string, unknown>) {
  for (const [k, v] of Object.entries(newPlain)) {
    const oldV = oldPlain[k];
    if (same(oldV, v)) continue;
    const child = node.get(k, true);
    if (isMap(child) && v && typeof v === 'object' && !Array.isArray(v) && oldV && typeof oldV === 'object') {
      patchMap(doc, child as YAMLMap, oldV as Record<string, unknown>, v as Record<string, unknown>);
    } else {
      node.set(k, doc.createNode(v));
    }
  }
  for (const k of Object.keys(oldPlain)) if (!(k in newPlain)) node.delete(k);
}

/** A write takes milliseconds; a writer that died is taken over at once (its pid is gone). */
const LOCK_WAIT_MS = 30_000;

/** The lock file of an inventory file: beside it, since one inventory may serve several homes. */
export function inventoryLockFile(file: string): string {
  return join(dirname(file), `.${basename(file)}.lock`);
}

/** Waits for the inventory lock (another jfleet writing); a lock left by a killed writer is taken over. */
export async function lockInventory(file: string): Promise<() => Promise<void>> {
  const lockFile = inventoryLockFile(file);
  try {
    const held = await acquireLockFile(lockFile, 'inventory writer', { wait: true, waitMs: LOCK_WAIT_MS, pollMs: 20 });
    return () => held.release();
  } catch (e) {
    if (e instanceof UserError && e.exitCode === ExitCode.locked) {
      throw new UserError(`${file} is locked by another jfleet run that is still writing`, { exitCode: ExitCode.locked, hint: 'try again in a moment' });
    }
    // the lock could not be created (a full or read-only disk): the user's file is the inventory
    if (e instanceof StorageError && e.file === lockFile) throw writeFailure(e.cause, file);
    throw e;
  }
}

/** Removes temp files left by writers that were killed (their pid is gone). Called under the lock. */
function cleanStaleTemps(file: string) {
  const dir = dirname(file);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    const m = TEMP_RE.exec(n);
    if (!m || m[1] !== basename(file)) continue;
    const pid = Number(m[2]);
    if (pid === process.pid || pidAlive(pid)) continue;
    try {
      unlinkSync(join(dir, n));
    } catch {
      /* raced with another cleaner */
    }
  }
}
