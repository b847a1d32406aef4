/** Step kind `sshd`: sshd settings: a managed block first in sshd_config, validated with sshd -t before it replaces the file. Pure. */
import { req, sshdConfigFact, type SshdConfigFact } from '../facts.js';
import type { Diff, StepKind } from '../types.js';
import { changed, check, fail, guarded, ok, planFile } from './common.js';

export interface SshdDesired {
  /** sshd_config keywords and values, e.g. { PasswordAuthentication: "no" } */
  settings: Record<string, string>;
  notify?: string[];
}

export const SSHD_BEGIN = '# BEGIN jfleet managed settings (sshd takes the first value it reads: keep this block first)';
export const SSHD_END = '# END jfleet managed settings';

/** The config with our block first (replacing an earlier one), everything else kept. */
export function sshdContent(current: string, settings: Record<string, string>): string {
  const out: string[] = [];
  let inBlock = false;
  for (const l of current.split('\n')) {
    if (l === SSHD_BEGIN) inBlock = true;
    else if (l === SSHD_END) inBlock = false;
    else if (!inBlock) out.push(l);
  }
  const block = [SSHD_BEGIN, ...Object.entries(settings).map(([k, v]) => `${k} ${v}`), SSHD_END];
  const rest = out.join('\n');
  return block.join('\n') + '\n' + (rest === '' ? '' : rest.endsWith('\n') ? rest : rest + '\n');
}

/** The value sshd would use for each keyword: the first one outside Match blocks (Includes not followed). */
export function sshdEffective(content: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of content.split('\n')) {
    const l = raw.trim();
    if (l === '' || l.startsWith('#')) continue;
    const m = /^(\S+?)(?:\s*=\s*|\s+)(.*)$/.exec(l);
    if (!m) continue;
    // both groups take part in every match
    const k = m[1]!.toLowerCase();
    if (k === 'match') break;
    if (!(k in out)) out[k] = m[2]!;
  }
  return out;
}

export const sshdStep: StepKind<SshdDesired> = guarded({
  kind: 'sshd',
  validate: (d) => {
    for (const [k, v] of Object.entries(d.settings))
      check(/^[A-Za-z]+$/.test(k) && /^[A-Za-z0-9_.,:@/-]+$/.test(v), `sshd setting ${JSON.stringify(k)} ${JSON.stringify(v)} is not plain`);
  },
  facts: () => [req(sshdConfigFact, {})],
  plan: (d, { facts }) => {
    const f = facts.get<SshdConfigFact>(req(sshdConfigFact, {}));
    if (f.file.kind !== 'file') return fail(`sshd config ${f.path} is ${f.file.kind === 'absent' ? 'missing' : `a ${f.file.actual}`}`);
    if (f.file.content === undefined) return fail(`sshd config ${f.path} is too big to edit safely`);
    const before = sshdEffective(f.file.content);
    const content = sshdContent(f.file.content, d.settings);
    const p = planFile({ path: f.path, content, mode: f.file.mode, owner: f.file.owner, group: f.file.group, validate: '/usr/sbin/sshd -t -f %s' }, f.file);
    if (!p.actions.length) return ok(`${f.path} has the hardened settings first`);
    const diffs: Diff[] = Object.entries(d.settings)
      .filter(([k, v]) => before[k.toLowerCase()] !== v)
      .map(([k, v]) => ({ label: `sshd ${k}`, before: before[k.toLowerCase()] ?? '(default)', after: v }));
    diffs.push(...p.diffs);
    const reasons =
      diffs.length > p.diffs.length
        ? diffs.slice(0, -p.diffs.length).map((x) => `${x.label} ${x.before} -> ${x.after}`)
        : [`put the managed block first in ${f.path}`];
    return changed(reasons, p.actions, diffs, d.notify);
  },
});
