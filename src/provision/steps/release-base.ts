/** Step kind `release-base`: the first kiosk release on a fresh device (rollouts own `current` from then on). Pure. */
import { linkFact, req, type LinkFact } from '../facts.js';
import type { Action, StepKind } from '../types.js';
import { ABS_PATH_RE, changed, check, fail, guarded, linkActions, ok, planFile, sha256 } from './common.js';

export interface ReleaseBaseDesired {
  root: string;
  version: string;
  /** relative path -> content; manifest.json is derived */
  files: Record<string, string>;
  notify?: string[];
}

export function releaseManifest(version: string, files: Record<string, string>): string {
  const sums: Record<string, string> = {};
  for (const k of Object.keys(files).sort()) sums[k] = sha256(files[k]!); // k is one of files' own keys
  return JSON.stringify({ version, files: sums }, null, 2) + '\n';
}

export const releaseBaseStep: StepKind<ReleaseBaseDesired> = guarded({
  kind: 'release-base',
  validate: (d) => {
    check(ABS_PATH_RE.test(d.root), 'release root must be an absolute path');
    check(/^[A-Za-z0-9][A-Za-z0-9.+_-]*$/.test(d.version), `release version ${JSON.stringify(d.version)} is not plain`);
    for (const k of Object.keys(d.files))
      check(ABS_PATH_RE.test(`/${k}`) && !k.split('/').includes('..'), `release file ${JSON.stringify(k)} is not a plain relative path`);
  },
  facts: (d) => [req(linkFact, { path: `${d.root}/current` })],
  plan: (d, { facts }) => {
    const cur = facts.get<LinkFact>(req(linkFact, { path: `${d.root}/current` }));
    if (cur.kind === 'link') return ok(`current release -> ${cur.target} (rollouts own it from here)`);
    if (cur.kind === 'wrong') return fail(`${d.root}/current is a ${cur.actual}, not a symbolic link`);
    const dir = `${d.root}/releases/${d.version}`;
    const all: Record<string, string> = { ...d.files, 'manifest.json': releaseManifest(d.version, d.files) };
    const actions: Action[] = [];
    for (const [rel, content] of Object.entries(all)) {
      actions.push(...planFile({ path: `${dir}/${rel}`, content, mode: '0644', owner: 'root', group: 'root' }, { kind: 'absent' }).actions);
    }
    actions.push(...linkActions(`${d.root}/current`, `releases/${d.version}`));
    return changed(
      [`install release ${d.version}`],
      actions,
      [{ label: `${d.root}/current`, before: '(absent)', after: `-> releases/${d.version}` }],
      d.notify,
    );
  },
});
