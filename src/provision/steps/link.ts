/** Step kind `link`: a symbolic link to a target. Pure. */
import { linkFact, req, type LinkFact } from '../facts.js';
import type { StepKind } from '../types.js';
import { ABS_PATH_RE, changed, check, fail, guarded, linkActions, ok } from './common.js';

export interface LinkDesired {
  path: string;
  target: string;
  /** only create it when absent (e.g. a symlink another tool switches later) */
  onlyIfAbsent?: boolean;
  notify?: string[];
}

export const linkStep: StepKind<LinkDesired> = guarded({
  kind: 'link',
  validate: (d) => {
    check(ABS_PATH_RE.test(d.path), `path ${JSON.stringify(d.path)} must be an absolute path of plain names`);
    check(/^[A-Za-z0-9._@+/-]+$/.test(d.target), `link target ${JSON.stringify(d.target)} must be a plain path`);
  },
  facts: (d) => [req(linkFact, { path: d.path })],
  plan: (d, { facts }) => {
    const f = facts.get<LinkFact>(req(linkFact, { path: d.path }));
    if (f.kind === 'wrong') return fail(`${d.path} is a ${f.actual}, not a symbolic link; remove it by hand`);
    if (f.kind === 'link' && (f.target === d.target || d.onlyIfAbsent)) return ok(`${d.path} -> ${f.target}`);
    return changed(
      [f.kind === 'absent' ? `link ${d.path} -> ${d.target}` : `relink ${d.path}`],
      linkActions(d.path, d.target),
      [{ label: d.path, before: f.kind === 'link' ? `-> ${f.target}` : '(absent)', after: `-> ${d.target}` }],
      d.notify,
    );
  },
});
