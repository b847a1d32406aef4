/** Step kind `file`: a managed file: content, mode and owner. Pure. */
import { fileFact, req, type FileFact } from '../facts.js';
import { changed, checkFileSpec, guarded, normMode, ok, planFile, type FileSpec } from './common.js';
import type { StepKind } from '../types.js';

export interface FileDesired extends FileSpec {
  notify?: string[];
}

export const fileStep: StepKind<FileDesired> = guarded({
  kind: 'file',
  validate: (d) => checkFileSpec(d),
  facts: (d) => [req(fileFact, { path: d.path })],
  plan: (d, { facts }) => {
    const p = planFile(d, facts.get<FileFact>(req(fileFact, { path: d.path })));
    if (!p.actions.length) return ok(`${d.path} matches (sha256, ${normMode(d.mode)}, ${d.owner}:${d.group})`);
    return changed(p.changes, p.actions, p.diffs, d.notify);
  },
});
