/** Step kind `apt`: Debian packages from the mirror, installed with apt-get. Pure. */
import { commandLine } from '../../transport/shell.js';
import { debPackagesFact, req, type DebPackagesFact } from '../facts.js';
import type { StepKind } from '../types.js';
import { DEB_NAME_RE, changed, check, guarded, ok } from './common.js';

export interface AptDesired {
  packages: string[];
  /** seconds apt waits for another dpkg/apt run to release the lock */
  lockTimeoutSec?: number;
  /** attempts against transient mirror errors */
  attempts?: number;
}

export function aptInstallCommand(names: string[], lockTimeoutSec = 600, attempts = 3): string {
  const opts = [
    '-o',
    `DPkg::Lock::Timeout=${lockTimeoutSec}`,
    '-o',
    'Acquire::Retries=3',
    '-o',
    'Dpkg::Options::=--force-confdef',
    '-o',
    'Dpkg::Options::=--force-confold',
  ];
  const install = commandLine(['apt-get', ...opts, '-q', '-y', 'install', '--no-install-recommends', ...names]);
  const update = commandLine(['apt-get', ...opts, '-q', 'update']);
  // Transient mirror errors: refresh the lists and try again, a few times, backing off.
  return `export DEBIAN_FRONTEND=noninteractive; n=0; until ${install}; do n=$((n+1)); if [ $n -ge ${attempts} ]; then exit 100; fi; sleep $((n*5)); ${update} || true; done`;
}

export const aptStep: StepKind<AptDesired> = guarded({
  kind: 'apt',
  validate: (d) => {
    for (const n of d.packages) check(DEB_NAME_RE.test(n), `package name ${JSON.stringify(n)} is not a Debian package name`);
  },
  facts: (d) => (d.packages.length ? [req(debPackagesFact, { names: d.packages })] : []),
  plan: (d, { facts }) => {
    if (!d.packages.length) return ok('no packages listed');
    const have = facts.get<DebPackagesFact>(req(debPackagesFact, { names: d.packages }));
    const missing = d.packages.filter((n) => !have[n]?.installed);
    if (!missing.length) return ok(`${d.packages.length} packages installed`);
    return changed(
      [`install ${missing.join(' ')}`],
      [{ kind: 'exec', command: aptInstallCommand(missing, d.lockTimeoutSec, d.attempts) }],
      [{ label: 'packages', before: missing.map((n) => `${n} (absent)`).join('\n'), after: missing.map((n) => `${n} (installed)`).join('\n') }],
    );
  },
});
