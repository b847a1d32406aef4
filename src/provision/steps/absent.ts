/**
 * Step kind `absent`: files and links that must not exist (what an earlier recipe installed and
 * this one replaces, e.g. the getty and lightdm autologin of the X kiosk). Pure.
 */
import { commandLine } from '../../transport/shell.js';
import { linkFact, req, type LinkFact } from '../facts.js';
import type { StepKind } from '../types.js';
import { ABS_PATH_RE, changed, check, fail, guarded, ok } from './common.js';

export interface AbsentDesired {
  paths: string[];
  notify?: string[];
}

export const absentStep: StepKind<AbsentDesired> = guarded({
  kind: 'absent',
  validate: (d) => {
    check(Array.isArray(d.paths) && d.paths.length > 0, 'absent needs a list of paths');
    for (const p of d.paths) check(ABS_PATH_RE.test(p), `path ${JSON.stringify(p)} must be an absolute path of plain names`);
  },
  facts: (d) => d.paths.map((path) => req(linkFact, { path })),
  plan: (d, { facts }) => {
    const present: string[] = [];
    for (const path of d.paths) {
      const f = facts.get<LinkFact>(req(linkFact, { path }));
      if (f.kind === 'wrong' && f.actual === 'directory') return fail(`${path} is a directory; remove it by hand`);
      if (f.kind !== 'absent') present.push(path);
    }
    if (!present.length) return ok(`${d.paths.length === 1 ? d.paths[0] : `${d.paths.length} paths`} absent`);
    return changed(
      present.map((p) => `remove ${p}`),
      [{ kind: 'exec', command: commandLine(['rm', '-f', '--', ...present]) }],
      present.map((p) => ({ label: p, before: '(present)', after: '(absent)' })),
      d.notify,
    );
  },
});
