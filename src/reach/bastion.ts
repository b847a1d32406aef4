/**
 * jfleet bastion init|add|revoke, run as root ON the bastion (or on a bastion's root file system,
 * `root`, as the lab does). Accounts go through the shadow tools (groupadd/useradd/usermod with
 * --root), files through writeAtomic, and a revoked device's live sessions are ended by pid: the
 * processes running as its user inside this bastion's root, nothing found by name.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomic } from '../atomic-file.js';
import { UserError } from '../errors.js';
import { PUBLIC_KEY_RE, tunnelUser } from '../inventory/bastions.js';
import { PACKAGE_ID_RE } from '../inventory/schema.js';
import {
  AUTHORIZED_KEYS_DIR,
  DEVICES_GROUP,
  deviceAuthorizedKey,
  DROPIN_PATH,
  NOLOGIN,
  OPS_GROUP,
  sshdDropIn,
  TMPFILES_PATH,
  tmpfilesBase,
  tmpfilesDevice,
  tmpfilesDevicePath,
  type BastionLayoutOptions,
} from './layout.js';

export interface BastionRoot {
  /** the bastion's root file system ("/" on the bastion itself) */
  root: string;
  socketDir: string;
}

const inRoot = (root: string, p: string) => (root === '/' ? p : join(root, p));
const rootArgs = (root: string) => (root === '/' ? [] : ['--root', root]);

function run(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: string; message: string; code?: string };
    if (err.code === 'ENOENT') throw new UserError(`${cmd} is not installed on this machine (the bastion needs the shadow tools: apt-get install passwd)`);
    throw new UserError(`${cmd} ${args.join(' ')} failed: ${(err.stderr || err.message).trim().split('\n')[0]}`);
  }
}

/** name -> {uid, gid} from the root's /etc/passwd (or /etc/group for groups). */
function idOf(root: string, file: 'passwd' | 'group', name: string): number | undefined {
  let text = '';
  try {
    text = readFileSync(inRoot(root, `/etc/${file}`), 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f[2] !== undefined) return Number(f[2]);
  }
  return undefined;
}

function requireRoot(root: string): void {
  if (process.getuid?.() !== 0) throw new UserError('jfleet bastion must run as root on the bastion (it creates Unix users and sshd settings)');
  if (!existsSync(inRoot(root, '/etc/passwd'))) throw new UserError(`${root} does not look like a root file system (no etc/passwd)`);
}

function ensureGroup(root: string, name: string): number {
  if (idOf(root, 'group', name) === undefined) run('groupadd', [...rootArgs(root), '--system', name]);
  const gid = idOf(root, 'group', name);
  if (gid === undefined) throw new UserError(`group ${name} was not created in ${root}`);
  return gid;
}

function dirWith(path: string, mode: number, uid: number, gid: number): void {
  mkdirSync(path, { recursive: true });
  chownSync(path, uid, gid);
  chmodSync(path, mode);
}

export interface InitOptions extends BastionRoot, BastionLayoutOptions {
  /** the runner's login (group jfleet-ops, SFTP only) */
  operator?: string;
  /** its public key line */
  operatorKey?: string;
}

/** Apply the layout: groups, drop-in, tmpfiles, socket directory, operator. Idempotent. Returns the files written. */
export function applyInit(o: InitOptions): string[] {
  requireRoot(o.root);
  if (o.operatorKey !== undefined && !PUBLIC_KEY_RE.test(o.operatorKey.trim()))
    throw new UserError('--operator-key must name a file holding one OpenSSH public key line (e.g. ~/.jfleet/keys/fleet_ed25519.pub)');
  ensureGroup(o.root, DEVICES_GROUP);
  const ops = ensureGroup(o.root, OPS_GROUP);
  const written: string[] = [];
  const write = (p: string, text: string, mode: number) => {
    const file = inRoot(o.root, p);
    mkdirSync(join(file, '..'), { recursive: true });
    writeAtomic(file, text, { mode });
    written.push(p);
  };
  write(DROPIN_PATH, sshdDropIn(o), 0o644);
  write(TMPFILES_PATH, tmpfilesBase(o.socketDir), 0o644);
  dirWith(inRoot(o.root, AUTHORIZED_KEYS_DIR), 0o755, 0, 0);
  dirWith(inRoot(o.root, o.socketDir), 0o751, 0, ops);
  if (o.operator) {
    if (idOf(o.root, 'passwd', o.operator) === undefined)
      run('useradd', [...rootArgs(o.root), '--system', '--no-create-home', '--home-dir', '/nonexistent', '--shell', NOLOGIN, '--gid', OPS_GROUP, o.operator]);
    else run('usermod', [...rootArgs(o.root), '--append', '--groups', OPS_GROUP, o.operator]);
    // "*": no password, and not locked ("!"), which sshd without PAM would refuse key logins for
    run('usermod', [...rootArgs(o.root), '--password', '*', o.operator]);
    if (o.operatorKey) write(`${AUTHORIZED_KEYS_DIR}/${o.operator}`, `${o.operatorKey.trim()}\n`, 0o644);
  }
  return written;
}

function checkId(id: string): void {
  if (!PACKAGE_ID_RE.test(id)) throw new UserError(`"${id.slice(0, 80)}" is not a package id (lower-case letters, digits and "-")`);
}

/** A device's locked user, its key (forward only), its socket directory. Re-adding replaces the key and lifts a revoke. */
export function addDevice(o: BastionRoot & { id: string; publicKey: string }): { user: string; socketDir: string } {
  checkId(o.id);
  const key = o.publicKey.trim();
  if (!PUBLIC_KEY_RE.test(key)) throw new UserError('--key must be the device\'s tunnel public key line ("ssh-ed25519 AAAA…", /etc/jfleet/tunnel_ed25519.pub)');
  requireRoot(o.root);
  if (idOf(o.root, 'group', DEVICES_GROUP) === undefined || idOf(o.root, 'group', OPS_GROUP) === undefined)
    throw new UserError(`this bastion has no ${DEVICES_GROUP}/${OPS_GROUP} groups yet: run jfleet bastion init --apply first`);
  const user = tunnelUser(o.id);
  if (idOf(o.root, 'passwd', user) === undefined)
    run('useradd', [...rootArgs(o.root), '--system', '--no-create-home', '--home-dir', '/nonexistent', '--shell', NOLOGIN, '--gid', DEVICES_GROUP, user]);
  run('usermod', [...rootArgs(o.root), '--password', '*', '--expiredate', '', user]);
  const uid = idOf(o.root, 'passwd', user) ?? 0;
  const ops = idOf(o.root, 'group', OPS_GROUP) ?? 0;
  writeAtomic(inRoot(o.root, `${AUTHORIZED_KEYS_DIR}/${user}`), deviceAuthorizedKey(key, o.id), { mode: 0o644 });
  writeAtomic(inRoot(o.root, tmpfilesDevicePath(o.id)), tmpfilesDevice(o.socketDir, o.id, user), { mode: 0o644 });
  const dir = `${o.socketDir}/${o.id}`;
  // setgid: the socket sshd creates there belongs to jfleet-ops, which may then connect (mask 0117)
  dirWith(inRoot(o.root, dir), 0o2750, uid, ops);
  return { user, socketDir: dir };
}

/** The pids running as uid whose root is this bastion's root (by device and inode, not by path). */
function processesOf(uid: number, root: string): number[] {
  const r = statSync(root);
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const status = readFileSync(`/proc/${name}/status`, 'utf8');
      const m = /^Uid:\s+(\d+)\s+(\d+)/m.exec(status);
      if (!m || (Number(m[1]) !== uid && Number(m[2]) !== uid)) continue;
      const pr = statSync(`/proc/${name}/root`);
      if (pr.dev === r.dev && pr.ino === r.ino) out.push(Number(name));
    } catch {
      /* gone, or not ours to read */
    }
  }
  return out;
}

/**
 * Revoke: the key goes, the user is locked and expired (sshd refuses it with or without PAM), its
 * live sessions are killed (the device's tunnel drops at once) and its socket removed (an
 * operator opening it is refused). Returns how many processes were ended.
 */
export function revokeDevice(o: BastionRoot & { id: string }): { user: string; killed: number; existed: boolean } {
  checkId(o.id);
  requireRoot(o.root);
  const user = tunnelUser(o.id);
  const uid = idOf(o.root, 'passwd', user);
  if (uid === undefined) return { user, killed: 0, existed: false };
  rmSync(inRoot(o.root, `${AUTHORIZED_KEYS_DIR}/${user}`), { force: true });
  run('usermod', [...rootArgs(o.root), '--lock', '--expiredate', '1', user]);
  let killed = 0;
  for (let round = 0; round < 20; round++) {
    const pids = processesOf(uid, o.root);
    if (!pids.length) break;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
        killed++;
      } catch {
        /* already gone */
      }
    }
    execFileSync('sleep', ['0.05']);
  }
  rmSync(inRoot(o.root, tmpfilesDevicePath(o.id)), { force: true });
  rmSync(inRoot(o.root, `${o.socketDir}/${o.id}`), { recursive: true, force: true });
  return { user, killed, existed: true };
}
