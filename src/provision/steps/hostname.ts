/** Step kind `hostname`: the host name: /etc/hostname, the 127.0.1.1 line of /etc/hosts, and the running name. Pure. */
import { commandLine } from '../../transport/shell.js';
import { fileFact, hostnameFact, req, systemFact, type FileFact, type HostnameFact, type SystemFact } from '../facts.js';
import type { StepKind } from '../types.js';
import { HOST_LABEL_RE, changed, check, fail, guarded, ok, planFile } from './common.js';

export interface HostnameDesired {
  name: string;
}

const HOSTS = '/etc/hosts';

/** The lines a Debian system needs in /etc/hosts (netbase's defaults), by address and names. */
const NEEDED: ReadonlyArray<{ addr: string; names: string[] }> = [
  { addr: '127.0.0.1', names: ['localhost'] },
  { addr: '::1', names: ['localhost', 'ip6-localhost', 'ip6-loopback'] },
  { addr: 'ff02::1', names: ['ip6-allnodes'] },
  { addr: 'ff02::2', names: ['ip6-allrouters'] },
];

/**
 * /etc/hosts with exactly one 127.0.1.1 line naming the host, and what a Debian system needs
 * kept or restored (localhost on 127.0.0.1 and ::1, the ff02 lines): a missing file (an image
 * made by mmdebstrap has none) or one holding only the kiosk's name must not lose localhost.
 * Other lines are kept as they are; a needed name missing from its address's line is appended.
 */
export function hostsContent(current: string, name: string): string {
  const kept = current.split('\n').filter((l, i, a) => !/^127\.0\.1\.1\s/.test(l) && !(i === a.length - 1 && l === ''));
  const fields = (l: string) => l.replace(/#.*/, '').trim().split(/\s+/);
  const missingTail: string[] = [];
  for (const need of NEEDED) {
    const at = kept.findIndex((l) => fields(l)[0] === need.addr);
    if (at < 0) {
      const l = `${need.addr}\t${need.names.join(' ')}`;
      if (need.addr === '127.0.0.1') kept.unshift(l);
      else missingTail.push(l);
      continue;
    }
    const have = fields(kept[at]!).slice(1);
    const add = need.names.filter((n) => !have.includes(n));
    if (add.length) {
      const [body = '', ...comment] = kept[at]!.split('#');
      kept[at] = `${body.trimEnd()} ${add.join(' ')}${comment.length ? ` #${comment.join('#')}` : ''}`;
    }
  }
  const line = `127.0.1.1\t${name}`;
  const at = kept.findIndex((l) => /^127\.0\.0\.1\s/.test(l));
  kept.splice(at >= 0 ? at + 1 : 0, 0, line);
  if (missingTail.length) kept.push(...(kept.length && kept[kept.length - 1] !== '' ? [''] : []), ...missingTail);
  return kept.join('\n') + '\n';
}

export const hostnameStep: StepKind<HostnameDesired> = guarded({
  kind: 'hostname',
  validate: (d) => check(HOST_LABEL_RE.test(d.name), `host name ${JSON.stringify(d.name)} must be one DNS label (a-z, 0-9, "-")`),
  facts: () => [req(fileFact, { path: '/etc/hostname' }), req(fileFact, { path: HOSTS }), req(hostnameFact, {}), req(systemFact, {})],
  plan: (d, { facts }) => {
    const etc = facts.get<FileFact>(req(fileFact, { path: '/etc/hostname' }));
    const hosts = facts.get<FileFact>(req(fileFact, { path: HOSTS }));
    const runtime = facts.get<HostnameFact>(req(hostnameFact, {}));
    const sys = facts.get<SystemFact>(req(systemFact, {}));
    if (hosts.kind === 'file' && hosts.content === undefined) return fail(`${HOSTS} is too big to edit safely`);
    const a = planFile({ path: '/etc/hostname', content: d.name + '\n', mode: '0644', owner: 'root', group: 'root' }, etc);
    const currentHosts = hosts.kind === 'file' ? (hosts.content ?? '') : '';
    const b = planFile({ path: HOSTS, content: hostsContent(currentHosts, d.name), mode: '0644', owner: 'root', group: 'root' }, hosts);
    const actions = [...a.actions, ...b.actions];
    const diffs = [...a.diffs, ...b.diffs];
    const reasons = [...a.changes, ...b.changes];
    // On an offline root (an image, a chroot) the running kernel's name is not the device's: leave it.
    if (sys.booted && runtime.runtime !== d.name) {
      actions.push({ kind: 'exec', command: commandLine(['hostname', d.name]) });
      diffs.push({ label: 'hostname (running)', before: runtime.runtime, after: d.name });
      reasons.push('set the running host name');
    }
    if (!actions.length) return ok(`host name is ${d.name}${sys.booted ? '' : ' (static; systemd not running)'}`);
    return changed(reasons, actions, diffs);
  },
});
