/** Step kind `apt`: Debian packages from the mirror, installed with apt-get. Pure. */
import { commandLine } from '../../transport/shell.js';
import { debPackagesFact, req, type DebPackagesFact } from '../facts.js';
import type { Action, Diff, StepKind } from '../types.js';
import { DEB_NAME_RE, changed, check, guarded, ok } from './common.js';

export interface AptDesired {
  packages: string[];
  /** packages that must not be installed (purged when they are) */
  remove?: string[];
  /** seconds apt waits for another dpkg/apt run to release the lock */
  lockTimeoutSec?: number;
  /** attempts against transient mirror errors */
  attempts?: number;
}

/**
 * Prints the names among its arguments the package lists offer no candidate for (unknown to the
 * mirror, or only a virtual name). One apt-cache call for all of them.
 */
const MISSING_SH =
  `jfleet_missing(){ apt-cache policy "$@" 2>/dev/null | awk -v want="$*" 'BEGIN{n=split(want,w," ");for(i=1;i<=n;i++)m[w[i]]=1} ` +
  `/^[^ ].*:$/{p=substr($0,1,length($0)-1)} /^  Candidate:/{if($2!="(none)")delete m[p]} END{for(k in m)printf "%s ",k}'; }`;

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
  const list = names.map((n) => commandLine([n])).join(' ');
  // Every name is looked up before anything is installed (refreshing the lists once if one is
  // not found: a fresh image has none), so a name the mirror does not have is one clear line
  // and nothing is half-installed. Then transient mirror errors: refresh and try again, backing off.
  const precheck =
    `${MISSING_SH}; m=$(jfleet_missing ${list}); if [ -n "$m" ]; then ${update} >/dev/null 2>&1 || true; m=$(jfleet_missing ${list}); fi; ` +
    `if [ -n "$m" ]; then echo "not in the package mirror: $m(checked with apt-cache policy after apt-get update; nothing was installed)" >&2; exit 100; fi`;
  // An install cut off earlier (a power cut, a dropped link, a command limit) leaves dpkg
  // "interrupted" and every apt-get refusing to run: finish configuring what was unpacked first.
  const resume = `if [ -n "$(dpkg --audit 2>/dev/null)" ]; then dpkg --force-confdef --force-confold --configure -a >&2 || true; fi`;
  return `export DEBIAN_FRONTEND=noninteractive; ${resume}; ${precheck}; n=0; until ${install}; do n=$((n+1)); if [ $n -ge ${attempts} ]; then exit 100; fi; sleep $((n*5)); ${update} || true; done`;
}

/** Purge packages an earlier recipe installed (the X stack the cage kiosk replaces). */
export function aptPurgeCommand(names: string[], lockTimeoutSec = 600): string {
  return `export DEBIAN_FRONTEND=noninteractive; ${commandLine(['apt-get', '-o', `DPkg::Lock::Timeout=${lockTimeoutSec}`, '-q', '-y', 'purge', ...names])}`;
}

export const aptStep: StepKind<AptDesired> = guarded({
  kind: 'apt',
  validate: (d) => {
    for (const n of [...d.packages, ...(d.remove ?? [])]) check(DEB_NAME_RE.test(n), `package name ${JSON.stringify(n)} is not a Debian package name`);
    for (const n of d.remove ?? []) check(!d.packages.includes(n), `package ${n} is both to install and to remove`);
  },
  facts: (d) => {
    const names = [...d.packages, ...(d.remove ?? [])];
    return names.length ? [req(debPackagesFact, { names })] : [];
  },
  plan: (d, { facts }) => {
    const names = [...d.packages, ...(d.remove ?? [])];
    if (!names.length) return ok('no packages listed');
    const have = facts.get<DebPackagesFact>(req(debPackagesFact, { names }));
    const missing = d.packages.filter((n) => !have[n]?.installed);
    // "rc" (removed, config left) is not installed; anything else dpkg knows is there to purge
    const extra = (d.remove ?? []).filter((n) => have[n]?.status && !have[n]!.status.startsWith('rc') && !have[n]!.status.startsWith('un'));
    if (!missing.length && !extra.length) return ok(`${d.packages.length} packages installed${d.remove?.length ? `, ${d.remove.length} absent` : ''}`);
    const reasons: string[] = [];
    const actions: Action[] = [];
    const diffs: Diff[] = [];
    if (missing.length) {
      reasons.push(`install ${missing.join(' ')}`);
      actions.push({ kind: 'exec', command: aptInstallCommand(missing, d.lockTimeoutSec, d.attempts) });
      diffs.push({ label: 'packages', before: missing.map((n) => `${n} (absent)`).join('\n'), after: missing.map((n) => `${n} (installed)`).join('\n') });
    }
    if (extra.length) {
      reasons.push(`purge ${extra.join(' ')}`);
      actions.push({ kind: 'exec', command: aptPurgeCommand(extra, d.lockTimeoutSec) });
      diffs.push({ label: 'packages removed', before: extra.map((n) => `${n} (installed)`).join('\n'), after: extra.map((n) => `${n} (purged)`).join('\n') });
    }
    return changed(reasons, actions, diffs);
  },
});
