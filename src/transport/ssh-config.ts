/**
 * How to reach a target: its own fields, then ~/.ssh/config (HostName, Port, IdentityFile,
 * ProxyJump) where they leave something open. `[user@]host[:port]` specs for jump hosts that
 * are not targets.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { DeviceTarget } from './types.js';

export type SshConfigLookup = (host: string) => Record<string, string | string[]>;

export interface ResolvedTarget {
  host: string;
  port: number;
  username: string;
  identityFiles: string[];
  jump?: string;
}

/** ~/.ssh/config host aliases, or null when there is no such file. */
export async function sshConfigLookup(home: string | undefined): Promise<SshConfigLookup | null> {
  const file = join(home ?? homedir(), '.ssh', 'config');
  if (!existsSync(file)) return null;
  const { default: SSHConfig } = await import('ssh-config');
  const cfg = SSHConfig.parse(readFileSync(file, 'utf8'));
  return (host: string) => cfg.compute(host);
}

export function expandTilde(p: string, home: string | undefined): string {
  return p.startsWith('~/') ? join(home ?? homedir(), p.slice(2)) : p;
}

/** `[user@]host[:port]` */
export function parseHostSpec(spec: string): { user?: string; host: string; port?: number } {
  const m = /^(?:([^@]+)@)?([^:]+)(?::(\d+))?$/.exec(spec.trim());
  if (!m) throw new Error(`bad host "${spec}"`);
  return { user: m[1], host: m[2]!, port: m[3] ? Number(m[3]) : undefined }; // group 2 is not optional
}

/** The target's fields, with ~/.ssh/config filling what they leave open. */
export function resolveTarget(pkg: DeviceTarget, lookup: SshConfigLookup | null, home: string | undefined): ResolvedTarget {
  const t: ResolvedTarget = { host: pkg.address, port: pkg.port, username: pkg.user, identityFiles: [], jump: pkg.jump };
  if (lookup) {
    const c = lookup(pkg.address);
    const one = (k: string) => (Array.isArray(c[k]) ? (c[k] as string[])[0] : (c[k] as string | undefined));
    if (one('HostName')) t.host = one('HostName')!;
    if (one('Port') && pkg.port === 22) t.port = Number(one('Port'));
    const ids = c.IdentityFile;
    if (ids) t.identityFiles.push(...(Array.isArray(ids) ? ids : [ids]).map((f) => expandTilde(f, home)));
    if (!t.jump && one('ProxyJump') && one('ProxyJump') !== 'none') t.jump = one('ProxyJump');
  }
  return t;
}
