/**
 * Bootstrapping a factory-fresh device (effects): which key the fleet logs in with, the factory
 * password, and the one step that logs in with that password and installs the fleet key.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Context } from '../context.js';
import { homePaths } from '../context.js';
import { UserError } from '../errors.js';
import type { Package } from '../inventory/schema.js';
import { quote } from '../transport/shell.js';
import type { Pool } from '../transport/pool.js';
import { message, runAction, STEP_TIMEOUT_MS } from './apply.js';
import type { DeviceLog } from './device-log.js';
import type { StepResult } from './types.js';

/** The key the fleet logs in with: JFLEET_KEY_FILE, else config keyFile, else the fleet key. */
export function resolveKeyFile(ctx: Pick<Context, 'env' | 'home' | 'config'>): string {
  return ctx.env.JFLEET_KEY_FILE || ctx.config().keyFile || homePaths(ctx.home).fleetKey;
}

export function bootstrapPassword(ctx: Context, opts: { passwordFile?: string }): string {
  if (opts.passwordFile) {
    try {
      return readFileSync(opts.passwordFile, 'utf8').replace(/\r?\n$/, '');
    } catch (e) {
      throw new UserError(`cannot read the password file ${opts.passwordFile}: ${message(e)}`);
    }
  }
  const p = ctx.env.JFLEET_BOOTSTRAP_PASSWORD;
  if (p) return p;
  throw new UserError('--bootstrap needs the factory password', { hint: 'pass --password-file FILE or set JFLEET_BOOTSTRAP_PASSWORD' });
}

/** Log in with the factory password (through `pwPool`), install the fleet key, and report the pinned host key. */
export async function installFleetKey(pwPool: Pool, keyFile: string, pkg: Package, log: DeviceLog): Promise<{ step: StepResult; hostKey?: string }> {
  const step: StepResult = { id: 'bootstrap', title: 'install the fleet key', status: 'changed', reason: '', diffs: [], commands: [] };
  const pubFile = `${keyFile}.pub`;
  if (!existsSync(pubFile)) {
    return {
      step: { ...step, status: 'failed', reason: 'no public key', error: `bootstrap: the fleet public key ${pubFile} is missing (run: jfleet keys init)` },
    };
  }
  const pub = readFileSync(pubFile, 'utf8').trim().split('\n')[0] ?? '';
  if (!/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp\d+) [A-Za-z0-9+/=]+( [^\n]*)?$/.test(pub)) {
    return { step: { ...step, status: 'failed', reason: 'bad public key', error: `bootstrap: ${pubFile} is not an OpenSSH public key` } };
  }
  try {
    const t = await pwPool.get(pkg);
    const cmd = `umask 077; mkdir -p "$HOME/.ssh" && touch "$HOME/.ssh/authorized_keys" && { grep -qxF ${quote(pub)} "$HOME/.ssh/authorized_keys" || printf '%s\\n' ${quote(pub)} >> "$HOME/.ssh/authorized_keys"; }`;
    step.commands.push(cmd);
    await runAction(t, { kind: 'exec', command: cmd }, STEP_TIMEOUT_MS);
    await t.close();
    const hostKey = pwPool.pinned.get(pkg.id) ?? pkg.hostKey;
    step.reason = `logged in with the factory password, installed the fleet key${hostKey ? `, host key pinned (${hostKey})` : ''}`;
    step.diffs.push({ label: 'authorized_keys', before: '(fleet key absent)', after: pub.split(' ').slice(0, 2).join(' ').slice(0, 40) + '…' });
    log.line(`bootstrap: ${step.reason}`);
    return { step, hostKey };
  } catch (e) {
    const error = `bootstrap: ${message(e)}`;
    log.line(error);
    return { step: { ...step, status: 'failed', reason: 'bootstrap failed', error } };
  }
}
