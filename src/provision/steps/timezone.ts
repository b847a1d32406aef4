/** Step kind `timezone`: the time zone: /etc/localtime pointing into zoneinfo, and /etc/timezone. Pure. */
import { fileFact, linkFact, req, type FileFact, type LinkFact } from '../facts.js';
import type { StepKind } from '../types.js';
import { changed, check, fail, guarded, linkActions, ok, planFile } from './common.js';

export interface TimezoneDesired {
  zone: string;
}

export const timezoneStep: StepKind<TimezoneDesired> = guarded({
  kind: 'timezone',
  validate: (d) => check(/^[A-Za-z0-9_+-]+(?:\/[A-Za-z0-9_+-]+)*$/.test(d.zone), `time zone ${JSON.stringify(d.zone)} is not a zone name`),
  facts: (d) => [req(linkFact, { path: '/etc/localtime' }), req(fileFact, { path: '/etc/timezone' }), req(fileFact, { path: `/usr/share/zoneinfo/${d.zone}` })],
  plan: (d, { facts }) => {
    const zi = `/usr/share/zoneinfo/${d.zone}`;
    const data = facts.get<FileFact>(req(fileFact, { path: zi }));
    if (data.kind !== 'file') return fail(`time zone ${d.zone} is not installed (${zi} missing; install tzdata)`);
    const lt = facts.get<LinkFact>(req(linkFact, { path: '/etc/localtime' }));
    const tzf = facts.get<FileFact>(req(fileFact, { path: '/etc/timezone' }));
    const f = planFile({ path: '/etc/timezone', content: d.zone + '\n', mode: '0644', owner: 'root', group: 'root' }, tzf);
    const actions = [...f.actions];
    const diffs = [...f.diffs];
    const before = lt.kind === 'link' ? lt.target.replace(/^.*zoneinfo\//, '') : lt.kind === 'absent' ? '(none)' : '(a copied file)';
    if (!(lt.kind === 'link' && (lt.target === zi || lt.target === `..${zi}`))) {
      actions.push(...linkActions('/etc/localtime', zi));
      diffs.push({ label: 'timezone', before, after: d.zone });
    }
    if (!actions.length) return ok(`time zone is ${d.zone}`);
    return changed([`time zone ${before} -> ${d.zone}`], actions, diffs);
  },
});
