/**
 * What every step kind shares: the value rules, the guard that validates a desired value once,
 * the plan of one managed file, and the plan helpers. Pure.
 */
import { createHash } from 'node:crypto';
import { createTwoFilesPatch } from 'diff';
import { commandLine, quote } from '../../transport/shell.js';
import type { FileFact } from '../facts.js';
import type { Action, Diff, FactRequest, StepContext, StepKind, StepPlan } from '../types.js';

export const ABS_PATH_RE = /^\/(?:[A-Za-z0-9._@+-]+\/)*[A-Za-z0-9._@+-]+$/;
export const HOST_LABEL_RE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
export const NAME_RE = /^[a-z_][a-z0-9_-]{0,31}$/;
export const MODE_RE = /^0?[0-7]{3,4}$/;
export const DEB_NAME_RE = /^[a-z0-9][a-z0-9+.-]+$/;
export const UNIT_RE = /^[A-Za-z0-9@._:-]+\.(service|timer|target|socket|path|mount)$/;

/** A desired value that must not be used (thrown by check()). */
export class Invalid extends Error {}

export function check(ok: boolean, message: string): void {
  if (!ok) throw new Invalid(message);
}

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function dirname(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** Deterministic temp name in the target's own directory, so rename is atomic and a re-run reuses it. */
export function tmpPath(path: string): string {
  return `${dirname(path)}/.${basename(path)}.jfleet-tmp`;
}

export function normMode(m: string): string {
  return m.padStart(4, '0');
}

export const ok = (reason: string): StepPlan => ({ status: 'ok', reason, actions: [], diffs: [] });
export const fail = (reason: string): StepPlan => ({ status: 'fail', reason, actions: [], diffs: [] });
export const skip = (reason: string): StepPlan => ({ status: 'skip', reason, actions: [], diffs: [] });

function isText(data: string | Uint8Array): data is string {
  return typeof data === 'string';
}

export function unifiedDiff(label: string, before: string, after: string): string {
  return createTwoFilesPatch(`${label} (before)`, `${label} (after)`, before, after, undefined, undefined, { context: 3 });
}

function describe(f: FileFact): string {
  if (f.kind === 'absent') return '(absent)';
  if (f.kind === 'wrong') return `(a ${f.actual})`;
  return f.content !== undefined ? f.content : `(${f.size} bytes, sha256 ${f.sha256.slice(0, 12)})`;
}

export interface FileSpec {
  path: string;
  content: string | Uint8Array;
  mode: string;
  owner: string;
  group: string;
  /** a command run on the temp file before it replaces the target; "%s" is the temp path */
  validate?: string;
}

/** The plan for one managed file, shared by the file, hostname, timezone and release steps. */
export function planFile(spec: FileSpec, fact: FileFact): { actions: Action[]; diffs: Diff[]; changes: string[] } {
  const mode = normMode(spec.mode);
  const own = `${spec.owner}:${spec.group}`;
  const wantSha = sha256(spec.content);
  const actions: Action[] = [];
  const diffs: Diff[] = [];
  const changes: string[] = [];
  if (fact.kind === 'wrong') throw new Invalid(`${spec.path} is a ${fact.actual}, not a file; remove it by hand`);
  if (fact.kind === 'absent' || fact.sha256 !== wantSha) {
    const tmp = tmpPath(spec.path);
    changes.push(fact.kind === 'absent' ? `create ${spec.path}` : `update ${spec.path}`);
    diffs.push({
      label: spec.path,
      before: fact.kind === 'absent' ? '' : describe(fact),
      after: isText(spec.content) ? spec.content : `(${spec.content.byteLength} bytes, sha256 ${wantSha.slice(0, 12)})`,
    });
    actions.push({ kind: 'exec', command: `${commandLine(['mkdir', '-p', dirname(spec.path)])} && ${commandLine(['rm', '-f', tmp])}` });
    actions.push({ kind: 'put', path: tmp, data: spec.content, mode: parseInt(mode, 8) });
    const steps = [commandLine(['chown', own, tmp]), commandLine(['chmod', mode, tmp])];
    if (spec.validate) steps.push(spec.validate.split('%s').join(quote(tmp)));
    steps.push(commandLine(['mv', '-f', tmp, spec.path]));
    actions.push({ kind: 'exec', command: `{ ${steps.join(' && ')}; } || { rc=$?; rm -f ${quote(tmp)}; exit $rc; }` });
    return { actions, diffs, changes };
  }
  if (fact.mode !== mode) {
    changes.push(`mode of ${spec.path}`);
    diffs.push({ label: `${spec.path} mode`, before: fact.mode, after: mode });
    actions.push({ kind: 'exec', command: commandLine(['chmod', mode, spec.path]) });
  }
  if (`${fact.owner}:${fact.group}` !== own) {
    changes.push(`owner of ${spec.path}`);
    diffs.push({ label: `${spec.path} owner`, before: `${fact.owner}:${fact.group}`, after: own });
    actions.push({ kind: 'exec', command: commandLine(['chown', own, spec.path]) });
  }
  return { actions, diffs, changes };
}

export function checkFileSpec(s: FileSpec): void {
  check(ABS_PATH_RE.test(s.path), `path ${JSON.stringify(s.path)} must be an absolute path of plain names`);
  check(MODE_RE.test(s.mode), `mode ${JSON.stringify(s.mode)} must be octal like 0644`);
  check(NAME_RE.test(s.owner) && NAME_RE.test(s.group), `owner/group must be user names`);
}

/** A step kind as written: its desired value validated once, then its facts and its plan. */
export interface StepDef<D> {
  kind: string;
  /** throws (through check()) on a desired value that must never reach a command */
  validate(desired: D): void;
  facts(desired: D): FactRequest[];
  plan(desired: D, ctx: StepContext): StepPlan;
}

/**
 * The step kind the engine calls: the desired value is validated once (the verdict kept for
 * that value, which facts() and then plan() both see); an invalid one gathers no facts and
 * plans a failure with the reason. Any other error while planning (a fact that failed) is a
 * failed plan too.
 */
export function guarded<D>(def: StepDef<D>): StepKind<D> {
  const verdicts = new WeakMap<object, Invalid | null>();
  const invalid = (d: D): Invalid | null => {
    const key = d as object;
    let v = verdicts.get(key);
    if (v === undefined) {
      try {
        def.validate(d);
        v = null;
      } catch (e) {
        if (!(e instanceof Invalid)) throw e;
        v = e;
      }
      verdicts.set(key, v);
    }
    return v;
  };
  return {
    kind: def.kind,
    validate: (d) => {
      const e = invalid(d);
      if (e) throw e;
    },
    facts: (d) => (invalid(d) ? [] : def.facts(d)),
    plan: (d, ctx) => {
      try {
        const e = invalid(d);
        if (e) return fail(e.message);
        return def.plan(d, ctx);
      } catch (e) {
        return fail(e instanceof Error ? e.message : String(e));
      }
    },
  };
}

export function changed(reason: string[], actions: Action[], diffs: Diff[], notify?: string[]): StepPlan {
  return { status: 'change', reason: reason.join('; '), actions, diffs, notify };
}

/** Point `path` at `target` atomically (a temp link renamed over it). */
export function linkActions(path: string, target: string): Action[] {
  const tmp = tmpPath(path);
  return [
    {
      kind: 'exec',
      command: `${commandLine(['mkdir', '-p', dirname(path)])} && ${commandLine(['ln', '-sfn', target, tmp])} && ${commandLine(['mv', '-Tf', tmp, path])}`,
    },
  ];
}
