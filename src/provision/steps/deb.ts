/** Step kind `deb`: .deb files pushed over SFTP and installed from the device's cache. Pure. */
import { commandLine } from '../../transport/shell.js';
import { debPackagesFact, req, type DebPackagesFact } from '../facts.js';
import type { Action, StepKind } from '../types.js';
import { DEB_NAME_RE, changed, check, guarded, ok, tmpPath } from './common.js';

export interface DebFile {
  name: string;
  version: string;
  /** file name on the device under /var/cache/jfleet/debs */
  file: string;
  data: Uint8Array;
}

export interface DebDesired {
  debs: DebFile[];
}

export const DEB_CACHE = '/var/cache/jfleet/debs';

export const debStep: StepKind<DebDesired> = guarded({
  kind: 'deb',
  validate: (d) => {
    for (const x of d.debs) check(DEB_NAME_RE.test(x.name), `package name ${JSON.stringify(x.name)} is not a Debian package name`);
  },
  facts: (d) => (d.debs.length ? [req(debPackagesFact, { names: d.debs.map((x) => x.name) })] : []),
  plan: (d, { facts }) => {
    if (!d.debs.length) return ok('no .deb files listed');
    const have = facts.get<DebPackagesFact>(req(debPackagesFact, { names: d.debs.map((x) => x.name) }));
    const todo = d.debs.filter((x) => !(have[x.name]?.installed && have[x.name]?.version === x.version));
    if (!todo.length) return ok(`${d.debs.length} .deb packages at their versions`);
    const actions: Action[] = [];
    for (const x of todo) {
      check(/^[A-Za-z0-9][A-Za-z0-9._+~-]*\.deb$/.test(x.file), `.deb file name ${JSON.stringify(x.file)} is not plain`);
      const dest = `${DEB_CACHE}/${x.file}`;
      const tmp = tmpPath(dest);
      actions.push({ kind: 'exec', command: `${commandLine(['mkdir', '-p', DEB_CACHE])} && ${commandLine(['rm', '-f', tmp])}` });
      actions.push({ kind: 'put', path: tmp, data: x.data, mode: 0o644 });
      actions.push({ kind: 'exec', command: commandLine(['mv', '-f', tmp, dest]) });
    }
    const files = todo.map((x) => `${DEB_CACHE}/${x.file}`);
    // apt-get installs local files (resolving their dependencies) and waits for the dpkg lock.
    actions.push({
      kind: 'exec',
      command: `export DEBIAN_FRONTEND=noninteractive; ${commandLine(['apt-get', '-o', 'DPkg::Lock::Timeout=600', '-q', '-y', '--no-download', 'install', ...files])} || ${commandLine(['dpkg', '-i', ...files])}`,
    });
    return changed(
      todo.map((x) => `install ${x.name} ${x.version} from ${x.file}`),
      actions,
      todo.map((x) => {
        const h = have[x.name];
        return { label: `package ${x.name}`, before: h?.installed ? h.version : '(absent)', after: x.version };
      }),
    );
  },
});
