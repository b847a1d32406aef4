/** Step kind `directory`: a directory with its mode and owner. Pure. */
import { commandLine } from '../../transport/shell.js';
import { directoryFact, req, type DirectoryFact } from '../facts.js';
import type { Action, Diff, StepKind } from '../types.js';
import { ABS_PATH_RE, MODE_RE, NAME_RE, changed, check, fail, guarded, normMode, ok } from './common.js';

export interface DirectoryDesired {
  path: string;
  mode: string;
  owner: string;
  group: string;
}

export const directoryStep: StepKind<DirectoryDesired> = guarded({
  kind: 'directory',
  validate: (d) => {
    check(ABS_PATH_RE.test(d.path), `path ${JSON.stringify(d.path)} must be an absolute path of plain names`);
    check(MODE_RE.test(d.mode), `mode ${JSON.stringify(d.mode)} must be octal like 0755`);
    check(NAME_RE.test(d.owner) && NAME_RE.test(d.group), 'owner/group must be user names');
  },
  facts: (d) => [req(directoryFact, { path: d.path })],
  plan: (d, { facts }) => {
    const f = facts.get<DirectoryFact>(req(directoryFact, { path: d.path }));
    const mode = normMode(d.mode);
    const own = `${d.owner}:${d.group}`;
    if (f.kind === 'wrong') return fail(`${d.path} is a ${f.actual}, not a directory; remove it by hand`);
    if (f.kind === 'absent') {
      return changed(
        [`create ${d.path}`],
        [
          {
            kind: 'exec',
            command: [commandLine(['mkdir', '-p', d.path]), commandLine(['chown', own, d.path]), commandLine(['chmod', mode, d.path])].join(' && '),
          },
        ],
        [{ label: d.path, before: '(absent)', after: `directory ${mode} ${own}` }],
      );
    }
    const actions: Action[] = [];
    const diffs: Diff[] = [];
    if (f.mode !== mode) {
      actions.push({ kind: 'exec', command: commandLine(['chmod', mode, d.path]) });
      diffs.push({ label: `${d.path} mode`, before: f.mode, after: mode });
    }
    if (`${f.owner}:${f.group}` !== own) {
      actions.push({ kind: 'exec', command: commandLine(['chown', own, d.path]) });
      diffs.push({ label: `${d.path} owner`, before: `${f.owner}:${f.group}`, after: own });
    }
    if (!actions.length) return ok(`${d.path} exists (${mode}, ${own})`);
    return changed(
      diffs.map((x) => `fix ${x.label}`),
      actions,
      diffs,
    );
  },
});
