/** Step kind `hostname`: the host name: /etc/hostname, the 127.0.1.1 line of /etc/hosts, and the running name. Pure. */
import { commandLine } from '../../transport/shell.js';
import { fileFact, hostnameFact, req, systemFact, type FileFact, type HostnameFact, type SystemFact } from '../facts.js';
import type { StepKind } from '../types.js';
import { HOST_LABEL_RE, changed, check, fail, guarded, ok, planFile } from './common.js';

export interface HostnameDesired {
  name: string;
}

const HOSTS = '/etc/hosts';

/** /etc/hosts with exactly one 127.0.1.1 line naming the host, other lines kept. */
export function hostsContent(current: string, name: string): string {
  const kept = current.split('\n').filter((l, i, a) => !/^127\.0\.1\.1\s/.test(l) && !(i === a.length - 1 && l === ''));
  const line = `127.0.1.1\t${name}`;
  const at = kept.findIndex((l) => /^127\.0\.0\.1\s/.test(l));
  kept.splice(at >= 0 ? at + 1 : 0, 0, line);
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
