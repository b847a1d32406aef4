/**
 * Steps: pure plans from desired state and facts to the actions needed, or to none with a
 * reason. An empty plan when the facts already match is idempotency. Values reach commands
 * only through quote()/commandLine(); desired values are validated before they are used.
 */
import { createHash } from 'node:crypto';
import { createTwoFilesPatch } from 'diff';
import { commandLine, quote } from '../transport/shell.js';
import {
  activeFact,
  debPackagesFact,
  directoryFact,
  fileFact,
  hostnameFact,
  linkFact,
  req,
  systemFact,
  userFact,
  type ActiveFact,
  type DebPackagesFact,
  type DirectoryFact,
  type FileFact,
  type HostnameFact,
  type LinkFact,
  type SystemFact,
  sshdConfigFact,
  type SshdConfigFact,
  type UserFact,
} from './facts.js';
import type { Action, Diff, StepContext, StepKind, StepPlan } from './types.js';

// ---------- helpers ----------

export const ABS_PATH_RE = /^\/(?:[A-Za-z0-9._@+-]+\/)*[A-Za-z0-9._@+-]+$/;
export const HOST_LABEL_RE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const NAME_RE = /^[a-z_][a-z0-9_-]{0,31}$/;
const MODE_RE = /^0?[0-7]{3,4}$/;
const DEB_NAME_RE = /^[a-z0-9][a-z0-9+.-]+$/;
const UNIT_RE = /^[A-Za-z0-9@._:-]+\.(service|timer|target|socket|path|mount)$/;

class Invalid extends Error {}

function check(ok: boolean, message: string): void {
  if (!ok) throw new Invalid(message);
}

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function dirname(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** Deterministic temp name in the target's own directory, so rename is atomic and a re-run reuses it. */
export function tmpPath(path: string): string {
  return `${dirname(path)}/.${basename(path)}.jfleet-tmp`;
}

function normMode(m: string): string {
  return m.padStart(4, '0');
}

const ok = (reason: string): StepPlan => ({ status: 'ok', reason, actions: [], diffs: [] });
const fail = (reason: string): StepPlan => ({ status: 'fail', reason, actions: [], diffs: [] });
const skip = (reason: string): StepPlan => ({ status: 'skip', reason, actions: [], diffs: [] });

function isText(data: string | Uint8Array): data is string {
  return typeof data === 'string';
}

export function unifiedDiff(label: string, before: string, after: string): string {
  return createTwoFilesPatch(`${label} (before)`, `${label} (after)`, before, after, undefined, undefined, { context: 3 });
}

function describe(f: FileFact): string {
  if (f.kind === 'absent') return '(absent)';
  if (f.kind === 'wrong') return `(a ${f.actual})`;
  return f.content !== undefined ? f.content : `(${f.size} bytes, sha256 ${f.sha256.slice(0, 12)})`;
}

interface FileSpec {
  path: string;
  content: string | Uint8Array;
  mode: string;
  owner: string;
  group: string;
  /** a command run on the temp file before it replaces the target; "%s" is the temp path */
  validate?: string;
}

/** The plan for one managed file, shared by the file, hostname, timezone and release steps. */
export function planFile(spec: FileSpec, fact: FileFact): { actions: Action[]; diffs: Diff[]; changes: string[] } {
  const mode = normMode(spec.mode);
  const own = `${spec.owner}:${spec.group}`;
  const wantSha = sha256(spec.content);
  const actions: Action[] = [];
  const diffs: Diff[] = [];
  const changes: string[] = [];
  if (fact.kind === 'wrong') throw new Invalid(`${spec.path} is a ${fact.actual}, not a file; remove it by hand`);
  if (fact.kind === 'absent' || fact.sha256 !== wantSha) {
    const tmp = tmpPath(spec.path);
    changes.push(fact.kind === 'absent' ? `create ${spec.path}` : `update ${spec.path}`);
    diffs.push({
      label: spec.path,
      before: fact.kind === 'absent' ? '' : describe(fact),
      after: isText(spec.content) ? spec.content : `(${spec.content.byteLength} bytes, sha256 ${wantSha.slice(0, 12)})`,
    });
    actions.push({ kind: 'exec', command: `${commandLine(['mkdir', '-p', dirname(spec.path)])} && ${commandLine(['rm', '-f', tmp])}` });
    actions.push({ kind: 'put', path: tmp, data: spec.content, mode: parseInt(mode, 8) });
    const steps = [commandLine(['chown', own, tmp]), commandLine(['chmod', mode, tmp])];
    if (spec.validate) steps.push(spec.validate.split('%s').join(quote(tmp)));
    steps.push(commandLine(['mv', '-f', tmp, spec.path]));
    actions.push({ kind: 'exec', command: `{ ${steps.join(' && ')}; } || { rc=$?; rm -f ${quote(tmp)}; exit $rc; }` });
    return { actions, diffs, changes };
  }
  if (fact.mode !== mode) {
    changes.push(`mode of ${spec.path}`);
    diffs.push({ label: `${spec.path} mode`, before: fact.mode, after: mode });
    actions.push({ kind: 'exec', command: commandLine(['chmod', mode, spec.path]) });
  }
  if (`${fact.owner}:${fact.group}` !== own) {
    changes.push(`owner of ${spec.path}`);
    diffs.push({ label: `${spec.path} owner`, before: `${fact.owner}:${fact.group}`, after: own });
    actions.push({ kind: 'exec', command: commandLine(['chown', own, spec.path]) });
  }
  return { actions, diffs, changes };
}

function checkFileSpec(s: FileSpec): void {
  check(ABS_PATH_RE.test(s.path), `path ${JSON.stringify(s.path)} must be an absolute path of plain names`);
  check(MODE_RE.test(s.mode), `mode ${JSON.stringify(s.mode)} must be octal like 0644`);
  check(NAME_RE.test(s.owner) && NAME_RE.test(s.group), `owner/group must be user names`);
}

/** Turn a thrown Invalid (bad desired value) into a failed plan; other errors (a fact that failed) too. */
function guarded<D>(kind: StepKind<D>): StepKind<D> {
  return {
    kind: kind.kind,
    facts: (d) => {
      try {
        return kind.facts(d);
      } catch (e) {
        if (e instanceof Invalid) return [];
        throw e;
      }
    },
    plan: (d, ctx) => {
      try {
        return kind.plan(d, ctx);
      } catch (e) {
        return fail(e instanceof Error ? e.message : String(e));
      }
    },
  };
}

function changed(reason: string[], actions: Action[], diffs: Diff[], notify?: string[]): StepPlan {
  return { status: 'change', reason: reason.join('; '), actions, diffs, notify };
}

// ---------- file ----------

export interface FileDesired extends FileSpec {
  notify?: string[];
}

export const fileStep: StepKind<FileDesired> = guarded({
  kind: 'file',
  facts: (d) => {
    checkFileSpec(d);
    return [req(fileFact, { path: d.path })];
  },
  plan: (d, { facts }) => {
    checkFileSpec(d);
    const p = planFile(d, facts.get<FileFact>(req(fileFact, { path: d.path })));
    if (!p.actions.length) return ok(`${d.path} matches (sha256, ${normMode(d.mode)}, ${d.owner}:${d.group})`);
    return changed(p.changes, p.actions, p.diffs, d.notify);
  },
});

// ---------- directory ----------

export interface DirectoryDesired {
  path: string;
  mode: string;
  owner: string;
  group: string;
}

export const directoryStep: StepKind<DirectoryDesired> = guarded({
  kind: 'directory',
  facts: (d) => {
    check(ABS_PATH_RE.test(d.path), `path ${JSON.stringify(d.path)} must be an absolute path of plain names`);
    return [req(directoryFact, { path: d.path })];
  },
  plan: (d, { facts }) => {
    check(ABS_PATH_RE.test(d.path), `path ${JSON.stringify(d.path)} must be an absolute path of plain names`);
    check(MODE_RE.test(d.mode), `mode ${JSON.stringify(d.mode)} must be octal like 0755`);
    check(NAME_RE.test(d.owner) && NAME_RE.test(d.group), 'owner/group must be user names');
    const f = facts.get<DirectoryFact>(req(directoryFact, { path: d.path }));
    const mode = normMode(d.mode);
    const own = `${d.owner}:${d.group}`;
    if (f.kind === 'wrong') return fail(`${d.path} is a ${f.actual}, not a directory; remove it by hand`);
    if (f.kind === 'absent') {
      return changed(
        [`create ${d.path}`],
        [{ kind: 'exec', command: [commandLine(['mkdir', '-p', d.path]), commandLine(['chown', own, d.path]), commandLine(['chmod', mode, d.path])].join(' && ') }],
        [{ label: d.path, before: '(absent)', after: `directory ${mode} ${own}` }],
      );
    }
    const actions: Action[] = [];
    const diffs: Diff[] = [];
    if (f.mode !== mode) {
      actions.push({ kind: 'exec', command: commandLine(['chmod', mode, d.path]) });
      diffs.push({ label: `${d.path} mode`, before: f.mode, after: mode });
    }
    if (`${f.owner}:${f.group}` !== own) {
      actions.push({ kind: 'exec', command: commandLine(['chown', own, d.path]) });
      diffs.push({ label: `${d.path} owner`, before: `${f.owner}:${f.group}`, after: own });
    }
    if (!actions.length) return ok(`${d.path} exists (${mode}, ${own})`);
    return changed(diffs.map((x) => `fix ${x.label}`), actions, diffs);
  },
});

// ---------- link ----------

export interface LinkDesired {
  path: string;
  target: string;
  /** only create it when absent (e.g. a symlink another tool switches later) */
  onlyIfAbsent?: boolean;
  notify?: string[];
}

function linkActions(path: string, target: string): Action[] {
  const tmp = tmpPath(path);
  return [
    {
      kind: 'exec',
      command: `${commandLine(['mkdir', '-p', dirname(path)])} && ${commandLine(['ln', '-sfn', target, tmp])} && ${commandLine(['mv', '-Tf', tmp, path])}`,
    },
  ];
}

export const linkStep: StepKind<LinkDesired> = guarded({
  kind: 'link',
  facts: (d) => {
    check(ABS_PATH_RE.test(d.path), `path ${JSON.stringify(d.path)} must be an absolute path of plain names`);
    return [req(linkFact, { path: d.path })];
  },
  plan: (d, { facts }) => {
    check(ABS_PATH_RE.test(d.path), `path ${JSON.stringify(d.path)} must be an absolute path of plain names`);
    check(/^[A-Za-z0-9._@+/-]+$/.test(d.target), `link target ${JSON.stringify(d.target)} must be a plain path`);
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

// ---------- hostname ----------

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
  facts: () => [req(fileFact, { path: '/etc/hostname' }), req(fileFact, { path: HOSTS }), req(hostnameFact, {}), req(systemFact, {})],
  plan: (d, { facts }) => {
    check(HOST_LABEL_RE.test(d.name), `host name ${JSON.stringify(d.name)} must be one DNS label (a-z, 0-9, "-")`);
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

// ---------- timezone ----------

export interface TimezoneDesired {
  zone: string;
}

export const timezoneStep: StepKind<TimezoneDesired> = guarded({
  kind: 'timezone',
  facts: (d) => {
    check(/^[A-Za-z0-9_+-]+(?:\/[A-Za-z0-9_+-]+)*$/.test(d.zone), `time zone ${JSON.stringify(d.zone)} is not a zone name`);
    return [req(linkFact, { path: '/etc/localtime' }), req(fileFact, { path: '/etc/timezone' }), req(fileFact, { path: `/usr/share/zoneinfo/${d.zone}` })];
  },
  plan: (d, { facts }) => {
    check(/^[A-Za-z0-9_+-]+(?:\/[A-Za-z0-9_+-]+)*$/.test(d.zone), `time zone ${JSON.stringify(d.zone)} is not a zone name`);
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

// ---------- user ----------

export interface UserDesired {
  name: string;
  home: string;
  shell: string;
  groups: string[];
  /** no password can be used to log in (autologin and keys only) */
  locked: boolean;
}

export const userStep: StepKind<UserDesired> = guarded({
  kind: 'user',
  facts: (d) => {
    check(NAME_RE.test(d.name), `user name ${JSON.stringify(d.name)} is not a POSIX user name`);
    return [req(userFact, { name: d.name })];
  },
  plan: (d, { facts }) => {
    check(NAME_RE.test(d.name), `user name ${JSON.stringify(d.name)} is not a POSIX user name`);
    check(ABS_PATH_RE.test(d.home) && ABS_PATH_RE.test(d.shell), 'home and shell must be absolute paths');
    for (const g of d.groups) check(NAME_RE.test(g), `group ${JSON.stringify(g)} is not a group name`);
    const u = facts.get<UserFact>(req(userFact, { name: d.name }));
    const groups = [...d.groups].sort();
    if (u.kind === 'absent') {
      const cmds = [commandLine(['useradd', '--create-home', '--home-dir', d.home, '--shell', d.shell, '--user-group', ...(groups.length ? ['--groups', groups.join(',')] : []), d.name])];
      if (d.locked) cmds.push(commandLine(['usermod', '--lock', d.name]));
      return changed([`create user ${d.name}`], [{ kind: 'exec', command: cmds.join(' && ') }], [
        { label: `user ${d.name}`, before: '(absent)', after: `home ${d.home}, shell ${d.shell}, groups [${groups.join(',')}]${d.locked ? ', password locked' : ''}` },
      ]);
    }
    const actions: Action[] = [];
    const diffs: Diff[] = [];
    if (u.home !== d.home) {
      actions.push({ kind: 'exec', command: commandLine(['usermod', '--home', d.home, '--move-home', d.name]) });
      diffs.push({ label: `user ${d.name} home`, before: u.home, after: d.home });
    }
    if (u.shell !== d.shell) {
      actions.push({ kind: 'exec', command: commandLine(['usermod', '--shell', d.shell, d.name]) });
      diffs.push({ label: `user ${d.name} shell`, before: u.shell, after: d.shell });
    }
    // id -nG lists the primary group too; compare supplementary groups only.
    const have = u.groups.filter((g) => g !== d.name).sort();
    if (have.join(',') !== groups.join(',')) {
      actions.push({ kind: 'exec', command: commandLine(['usermod', '--groups', groups.join(','), d.name]) });
      diffs.push({ label: `user ${d.name} groups`, before: have.join(','), after: groups.join(',') });
    }
    if (d.locked && !u.locked) {
      actions.push({ kind: 'exec', command: commandLine(['usermod', '--lock', d.name]) });
      diffs.push({ label: `user ${d.name} password`, before: 'usable', after: 'locked' });
    }
    if (!actions.length) return ok(`user ${d.name} matches`);
    return changed(diffs.map((x) => `fix ${x.label}`), actions, diffs);
  },
});

// ---------- apt ----------

export interface AptDesired {
  packages: string[];
  /** seconds apt waits for another dpkg/apt run to release the lock */
  lockTimeoutSec?: number;
  /** attempts against transient mirror errors */
  attempts?: number;
}

export function aptInstallCommand(names: string[], lockTimeoutSec = 600, attempts = 3): string {
  const opts = ['-o', `DPkg::Lock::Timeout=${lockTimeoutSec}`, '-o', 'Acquire::Retries=3', '-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold'];
  const install = commandLine(['apt-get', ...opts, '-q', '-y', 'install', '--no-install-recommends', ...names]);
  const update = commandLine(['apt-get', ...opts, '-q', 'update']);
  // Transient mirror errors: refresh the lists and try again, a few times, backing off.
  return `export DEBIAN_FRONTEND=noninteractive; n=0; until ${install}; do n=$((n+1)); if [ $n -ge ${attempts} ]; then exit 100; fi; sleep $((n*5)); ${update} || true; done`;
}

export const aptStep: StepKind<AptDesired> = guarded({
  kind: 'apt',
  facts: (d) => {
    for (const n of d.packages) check(DEB_NAME_RE.test(n), `package name ${JSON.stringify(n)} is not a Debian package name`);
    return d.packages.length ? [req(debPackagesFact, { names: d.packages })] : [];
  },
  plan: (d, { facts }) => {
    for (const n of d.packages) check(DEB_NAME_RE.test(n), `package name ${JSON.stringify(n)} is not a Debian package name`);
    if (!d.packages.length) return ok('no packages listed');
    const have = facts.get<DebPackagesFact>(req(debPackagesFact, { names: d.packages }));
    const missing = d.packages.filter((n) => !have[n]?.installed);
    if (!missing.length) return ok(`${d.packages.length} packages installed`);
    return changed([`install ${missing.join(' ')}`], [{ kind: 'exec', command: aptInstallCommand(missing, d.lockTimeoutSec, d.attempts) }], [
      { label: 'packages', before: missing.map((n) => `${n} (absent)`).join('\n'), after: missing.map((n) => `${n} (installed)`).join('\n') },
    ]);
  },
});

// ---------- deb files pushed over SFTP ----------

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
  facts: (d) => {
    for (const x of d.debs) check(DEB_NAME_RE.test(x.name), `package name ${JSON.stringify(x.name)} is not a Debian package name`);
    return d.debs.length ? [req(debPackagesFact, { names: d.debs.map((x) => x.name) })] : [];
  },
  plan: (d, { facts }) => {
    for (const x of d.debs) check(DEB_NAME_RE.test(x.name), `package name ${JSON.stringify(x.name)} is not a Debian package name`);
    if (!d.debs.length) return ok('no .deb files listed');
    const have = facts.get<DebPackagesFact>(req(debPackagesFact, { names: d.debs.map((x) => x.name) }));
    const todo = d.debs.filter((x) => !(have[x.name]?.installed && have[x.name].version === x.version));
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
      todo.map((x) => ({ label: `package ${x.name}`, before: have[x.name]?.installed ? have[x.name].version : '(absent)', after: x.version })),
    );
  },
});

// ---------- service ----------

export interface ServiceDesired {
  unit: string;
  /** the target whose .wants/ holds the enable link */
  wantedBy: string;
  /** on a booted device also start it; never on an offline root */
  started?: boolean;
}

function wantsLink(d: ServiceDesired): string {
  return `/etc/systemd/system/${d.wantedBy}.wants/${d.unit}`;
}

export const serviceStep: StepKind<ServiceDesired> = guarded({
  kind: 'service',
  facts: (d) => {
    check(UNIT_RE.test(d.unit) && UNIT_RE.test(d.wantedBy), `unit names ${JSON.stringify(d.unit)}/${JSON.stringify(d.wantedBy)} are not systemd unit names`);
    return [req(linkFact, { path: wantsLink(d) }), req(systemFact, {}), req(activeFact, { unit: d.unit })];
  },
  plan: (d, { facts }) => {
    check(UNIT_RE.test(d.unit) && UNIT_RE.test(d.wantedBy), `unit names ${JSON.stringify(d.unit)}/${JSON.stringify(d.wantedBy)} are not systemd unit names`);
    const link = facts.get<LinkFact>(req(linkFact, { path: wantsLink(d) }));
    const sys = facts.get<SystemFact>(req(systemFact, {}));
    const act = facts.get<ActiveFact>(req(activeFact, { unit: d.unit }));
    const actions: Action[] = [];
    const diffs: Diff[] = [];
    const reasons: string[] = [];
    if (link.kind !== 'link') {
      // systemctl enable only writes links: it works on an offline root too.
      actions.push({ kind: 'exec', command: commandLine(['systemctl', 'enable', d.unit]) });
      diffs.push({ label: `${d.unit} enabled`, before: 'no', after: 'yes' });
      reasons.push(`enable ${d.unit}`);
    }
    if (d.started && sys.booted && !act.active) {
      actions.push({ kind: 'exec', command: commandLine(['systemctl', 'start', d.unit]) });
      diffs.push({ label: `${d.unit} active`, before: act.state, after: 'active' });
      reasons.push(`start ${d.unit}`);
    }
    if (!actions.length) return ok(`${d.unit} enabled${d.started ? (sys.booted ? ' and active' : ' (systemd not running: not started)') : ''}`);
    return changed(reasons, actions, diffs);
  },
});

// ---------- initial kiosk release ----------

export interface ReleaseBaseDesired {
  root: string;
  version: string;
  /** relative path -> content; manifest.json is derived */
  files: Record<string, string>;
  notify?: string[];
}

export function releaseManifest(version: string, files: Record<string, string>): string {
  const sums: Record<string, string> = {};
  for (const k of Object.keys(files).sort()) sums[k] = sha256(files[k]);
  return JSON.stringify({ version, files: sums }, null, 2) + '\n';
}

export const releaseBaseStep: StepKind<ReleaseBaseDesired> = guarded({
  kind: 'release-base',
  facts: (d) => {
    check(ABS_PATH_RE.test(d.root), 'release root must be an absolute path');
    return [req(linkFact, { path: `${d.root}/current` })];
  },
  plan: (d, { facts }) => {
    check(ABS_PATH_RE.test(d.root), 'release root must be an absolute path');
    check(/^[A-Za-z0-9][A-Za-z0-9.+_-]*$/.test(d.version), `release version ${JSON.stringify(d.version)} is not plain`);
    for (const k of Object.keys(d.files)) check(ABS_PATH_RE.test(`/${k}`) && !k.split('/').includes('..'), `release file ${JSON.stringify(k)} is not a plain relative path`);
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
    return changed([`install release ${d.version}`], actions, [{ label: `${d.root}/current`, before: '(absent)', after: `-> releases/${d.version}` }], d.notify);
  },
});

// ---------- sshd settings ----------

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
    const k = m[1].toLowerCase();
    if (k === 'match') break;
    if (!(k in out)) out[k] = m[2];
  }
  return out;
}

export const sshdStep: StepKind<SshdDesired> = guarded({
  kind: 'sshd',
  facts: () => [req(sshdConfigFact, {})],
  plan: (d, { facts }) => {
    for (const [k, v] of Object.entries(d.settings)) check(/^[A-Za-z]+$/.test(k) && /^[A-Za-z0-9_.,:@/-]+$/.test(v), `sshd setting ${JSON.stringify(k)} ${JSON.stringify(v)} is not plain`);
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
    const reasons = diffs.length > p.diffs.length ? diffs.slice(0, -p.diffs.length).map((x) => `${x.label} ${x.before} -> ${x.after}`) : [`put the managed block first in ${f.path}`];
    return changed(reasons, p.actions, diffs, d.notify);
  },
});

export const STEP_KINDS: Record<string, StepKind<any>> = Object.fromEntries(
  [fileStep, directoryStep, linkStep, hostnameStep, timezoneStep, userStep, aptStep, debStep, serviceStep, releaseBaseStep, sshdStep].map((k) => [k.kind, k]),
);

export type { StepContext };
