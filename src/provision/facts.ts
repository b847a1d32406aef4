/**
 * Facts: each a remote shell snippet plus a pure parser that tells "absent" from "wrong kind"
 * from a value. Every argument reaches the shell through quote(). Pure module.
 */
import { createHash } from 'node:crypto';
import { quote } from '../transport/shell.js';
import type { FactDef, FactRequest } from './types.js';

/** Files at most this big are read whole so --diff can show their before/after. */
export const CONTENT_LIMIT = 65536;

export type FileFact =
  | { kind: 'absent' }
  | { kind: 'wrong'; actual: string }
  | { kind: 'file'; mode: string; owner: string; group: string; size: number; sha256: string; content?: string };

export type DirectoryFact = { kind: 'absent' } | { kind: 'wrong'; actual: string } | { kind: 'directory'; mode: string; owner: string; group: string };

export type LinkFact = { kind: 'absent' } | { kind: 'wrong'; actual: string } | { kind: 'link'; target: string };

export interface HostnameFact {
  /** the running kernel's host name */
  runtime: string;
}

export interface SystemFact {
  /** systemd is PID 1 (sd_booted: /run/systemd/system exists) */
  booted: boolean;
  /** `systemctl is-system-running`: running, degraded, offline... */
  state: string;
}

export type UserFact = { kind: 'absent' } | { kind: 'user'; uid: number; gid: number; home: string; shell: string; locked: boolean; groups: string[] };

export interface DebInfo {
  installed: boolean;
  /** dpkg's status abbreviation, e.g. "ii" */
  status: string;
  version: string;
}
export type DebPackagesFact = Record<string, DebInfo>;

export interface ActiveFact {
  active: boolean;
  state: string;
  /**
   * systemd evaluated the unit's Condition…= settings at its last start and one was false (e.g.
   * ConditionVirtualization=!container of systemd-timesyncd in a container): starting it again
   * does nothing, so it is not a change to make.
   */
  conditionUnmet?: boolean;
}

function lines(out: string): string[] {
  const l = out.split('\n');
  if (l.length && l[l.length - 1] === '') l.pop();
  return l;
}

function kindWord(w: string): string {
  return w === 'link' ? 'symbolic link' : w === 'other' ? 'special file' : w;
}

const STAT = "stat -c '%a %U %G %s'";

/**
 * The file probe on a shell word that is already safe (a quoted path, or "$var"). Small files
 * come back whole (base64) and are hashed here, so the device forks only stat and base64.
 */
function fileProbe(p: string): string {
  return (
    `if [ -L ${p} ]; then echo link; elif [ -f ${p} ]; then set -- $(${STAT} ${p}); echo "file $*"; ` +
    `if [ "$4" -le ${CONTENT_LIMIT} ]; then printf 'c '; base64 -w0 < ${p}; echo; else printf 'h '; sha256sum < ${p}; fi; ` +
    `elif [ -d ${p} ]; then echo directory; elif [ -e ${p} ]; then echo other; else echo absent; fi`
  );
}

export const fileFact: FactDef<{ path: string }, FileFact> = {
  name: 'file',
  command: ({ path }) => fileProbe(quote(path)),
  parse: (raw) => {
    const l = lines(raw.out);
    const head = (l[0] ?? '').split(' ');
    const [word = ''] = head;
    if (word === 'absent') return { kind: 'absent' };
    const [, mode, owner, group, size] = head;
    if (word !== 'file' || mode === undefined || owner === undefined || group === undefined || size === undefined) {
      if (['link', 'directory', 'other'].includes(word)) return { kind: 'wrong', actual: kindWord(word) };
      throw new Error(`file fact: unexpected output ${JSON.stringify(raw.out.slice(0, 80))}`);
    }
    const second = l[1] ?? '';
    if (second.startsWith('c ')) {
      const bytes = Buffer.from(second.slice(2), 'base64');
      return {
        kind: 'file',
        mode: mode.padStart(4, '0'),
        owner,
        group,
        size: Number(size),
        sha256: createHash('sha256').update(bytes).digest('hex'),
        content: bytes.toString('utf8'),
      };
    }
    const sha256 = second.slice(2, 66);
    if (!second.startsWith('h ') || !/^[0-9a-f]{64}$/.test(sha256)) throw new Error('file fact: missing content or sha256');
    return { kind: 'file', mode: mode.padStart(4, '0'), owner, group, size: Number(size), sha256 };
  },
};

export const directoryFact: FactDef<{ path: string }, DirectoryFact> = {
  name: 'directory',
  command: ({ path }) => {
    const p = quote(path);
    return `if [ -L ${p} ]; then echo link; elif [ -d ${p} ]; then printf 'directory '; ${STAT} ${p}; elif [ -e ${p} ]; then echo file; else echo absent; fi`;
  },
  parse: (raw) => {
    const head = (lines(raw.out)[0] ?? '').split(' ');
    const [word = '', mode, owner, group] = head;
    if (word === 'absent') return { kind: 'absent' };
    if (word === 'directory' && mode !== undefined && owner !== undefined && group !== undefined)
      return { kind: 'directory', mode: mode.padStart(4, '0'), owner, group };
    if (word === 'link' || word === 'file') return { kind: 'wrong', actual: kindWord(word) };
    throw new Error(`directory fact: unexpected output ${JSON.stringify(raw.out.slice(0, 80))}`);
  },
};

export const linkFact: FactDef<{ path: string }, LinkFact> = {
  name: 'link',
  command: ({ path }) => {
    const p = quote(path);
    return `if [ -L ${p} ]; then echo link; readlink ${p}; elif [ -d ${p} ]; then echo directory; elif [ -e ${p} ]; then echo file; else echo absent; fi`;
  },
  parse: (raw) => {
    const l = lines(raw.out);
    if (l[0] === 'absent') return { kind: 'absent' };
    if (l[0] === 'link') return { kind: 'link', target: l[1] ?? '' };
    if (l[0] === 'directory' || l[0] === 'file') return { kind: 'wrong', actual: l[0] };
    throw new Error(`link fact: unexpected output ${JSON.stringify(raw.out.slice(0, 80))}`);
  },
};

export const hostnameFact: FactDef<Record<string, never>, HostnameFact> = {
  name: 'hostname',
  command: () => 'hostname',
  parse: (raw) => ({ runtime: lines(raw.out)[0] ?? '' }),
};

export const systemFact: FactDef<Record<string, never>, SystemFact> = {
  name: 'system',
  // without systemd as PID 1 there is nothing to ask systemctl (and it costs a process)
  command: () => 'if [ -d /run/systemd/system ]; then echo booted; systemctl is-system-running 2>/dev/null || true; else echo offline-root; echo offline; fi',
  parse: (raw) => {
    const l = lines(raw.out);
    return { booted: l[0] === 'booted', state: l[1] ?? 'unknown' };
  },
};

export const userFact: FactDef<{ name: string }, UserFact> = {
  name: 'user',
  command: ({ name }) => {
    const n = quote(name);
    return `if getent passwd ${n}; then getent shadow ${n} | cut -d: -f2 | cut -c1; id -nG ${n}; else echo absent; fi`;
  },
  parse: (raw, { name }) => {
    const l = lines(raw.out);
    if (l[0] === 'absent') return { kind: 'absent' };
    const f = (l[0] ?? '').split(':');
    // name:password:uid:gid:gecos:home:shell; the length check makes the defaults unreachable
    const [login, , uid = '', gid = '', , home = '', shell = ''] = f;
    if (f.length < 7 || login !== name) throw new Error(`user fact: unexpected passwd line for ${name}`);
    const pw = l[1] ?? '';
    const groups = (l[2] ?? '').split(' ').filter((g) => g !== '');
    return {
      kind: 'user',
      uid: Number(uid),
      gid: Number(gid),
      home,
      shell,
      locked: pw === '!' || pw === '*',
      groups,
    };
  },
};

export const debPackagesFact: FactDef<{ names: string[] }, DebPackagesFact> = {
  name: 'debs',
  command: ({ names }) => `dpkg-query -W -f='\${Package}\\t\${db:Status-Abbrev}\\t\${Version}\\n' ${names.map(quote).join(' ')} 2>/dev/null; true`,
  parse: (raw, { names }) => {
    const res: DebPackagesFact = {};
    for (const n of names) res[n] = { installed: false, status: '', version: '' };
    for (const line of lines(raw.out)) {
      const [pkg = '', status = '', version = ''] = line.split('\t');
      const [name = ''] = pkg.split(':');
      const st = status.trim();
      if (name in res) res[name] = { installed: st.startsWith('ii'), status: st, version };
    }
    return res;
  },
};

export const activeFact: FactDef<{ unit: string }, ActiveFact> = {
  name: 'active',
  command: ({ unit }) =>
    `if [ -d /run/systemd/system ]; then systemctl show -p ActiveState -p ConditionResult -p ConditionTimestampMonotonic ${quote(unit)} 2>/dev/null || true; else echo offline; fi`,
  parse: (raw) => {
    const l = lines(raw.out);
    if (l[0] === 'offline') return { active: false, state: 'offline' };
    const p = new Map(l.map((x) => [x.slice(0, x.indexOf('=')), x.slice(x.indexOf('=') + 1)]));
    const state = p.get('ActiveState') || 'unknown';
    const evaluated = (p.get('ConditionTimestampMonotonic') ?? '0') !== '0';
    const conditionUnmet = state !== 'active' && evaluated && p.get('ConditionResult') === 'no';
    return { active: state === 'active', state, ...(conditionUnmet ? { conditionUnmet } : {}) };
  },
};

// biome-ignore lint/suspicious/noExplicitAny: a registry of facts of different value types, each typed at its definition
export const FACTS: Record<string, FactDef<any, any>> = Object.fromEntries(
  [fileFact, directoryFact, linkFact, hostnameFact, systemFact, userFact, debPackagesFact, activeFact].map((f) => [f.name, f]),
);

export function req<A extends Record<string, unknown>>(fact: FactDef<A, unknown>, args: A): FactRequest {
  return { fact: fact.name, args, key: `${fact.name}:${JSON.stringify(args)}` };
}

export interface SshdConfigFact {
  /** the config file the running sshd was started with (-f), else /etc/ssh/sshd_config */
  path: string;
  file: FileFact;
}

/**
 * The sshd serving this very session: the topmost sshd among this shell's ancestors (the
 * listener). Builtins only. /run/sshd.pid is not trusted: another sshd may have written it.
 */
export const SSHD_LISTENER_SH =
  'p=$$; l=; while [ "$p" -gt 1 ] 2>/dev/null; do c=; read -r c < /proc/$p/comm 2>/dev/null; [ "$c" = sshd ] && l=$p; ' +
  'pp=; read -r _ _ _ pp _ < /proc/$p/stat 2>/dev/null || break; p=$pp; done';

/**
 * Which config file the sshd serving us reads (its -f, else /etc/ssh/sshd_config), and that
 * file: hardening must edit the one in use. sshd rewrites its process title ("sshd: /usr/sbin/sshd
 * -D -f FILE [listener] ..."), so -f is looked for with NULs or spaces between arguments.
 */
export const sshdConfigFact: FactDef<Record<string, never>, SshdConfigFact> = {
  name: 'sshd-config',
  command: () =>
    `cfg=/etc/ssh/sshd_config; ${SSHD_LISTENER_SH}; ` +
    `if [ -n "$l" ]; then c=$(tr '\\0' ' ' < /proc/$l/cmdline | sed -n 's/^.* -f \\([^ ]*\\).*$/\\1/p'); if [ -n "$c" ]; then cfg=$c; fi; fi; ` +
    `echo "$cfg"; ${fileProbe('"$cfg"')}`,
  parse: (raw) => {
    const nl = raw.out.indexOf('\n');
    const path = raw.out.slice(0, nl);
    if (!path.startsWith('/')) throw new Error(`sshd-config fact: unexpected output ${JSON.stringify(raw.out.slice(0, 80))}`);
    return { path, file: fileFact.parse({ rc: raw.rc, out: raw.out.slice(nl + 1) }, { path }) };
  },
};

FACTS[sshdConfigFact.name] = sshdConfigFact;
