/** Handlers for jfleet bastion init|add|revoke: parse, call src/reach/bastion.ts, say what was done. */
import { readFileSync } from 'node:fs';
import type { Context } from '../../context.js';
import { UserError } from '../../errors.js';
import { addDevice, applyInit, revokeDevice } from '../../reach/bastion.js';
import { layoutText } from '../../reach/layout.js';
import { printJson, println } from '../shared.js';

interface RootOpts {
  root: string;
  socketDir: string;
  json?: boolean;
}

function ports(list: string): number[] {
  const out = list.split(',').map((p) => Number(p.trim()));
  if (!out.length || out.some((p) => !Number.isInteger(p) || p < 1 || p > 65535))
    throw new UserError(`--ports takes ports 1-65535 separated by ",", not "${list}"`);
  return out;
}

function checkSocketDir(dir: string): string {
  if (!/^\/[A-Za-z0-9_./-]{1,200}$/.test(dir) || dir.split('/').includes('..'))
    throw new UserError(`--socket-dir must be an absolute path of letters, digits, _ . / -, not "${dir.slice(0, 80)}"`);
  return dir.replace(/\/+$/, '');
}

function readKeyFile(file: string, flag: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n')[0] ?? '';
  } catch (e) {
    throw new UserError(`${flag}: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export async function bastionInitCommand(
  ctx: Context,
  opts: RootOpts & { apply?: boolean; ports: string; maxStartups: string; operator?: string; operatorKey?: string },
): Promise<void> {
  if (!/^\d{1,5}:\d{1,3}:\d{1,5}$/.test(opts.maxStartups))
    throw new UserError(`--max-startups takes start:rate:full like 300:30:600, not "${opts.maxStartups}"`);
  if (opts.operator !== undefined && !/^[a-z_][a-z0-9_-]{0,31}$/.test(opts.operator))
    throw new UserError(`--operator must be a POSIX user name, not "${opts.operator}"`);
  if (opts.operatorKey && !opts.operator) throw new UserError('--operator-key needs --operator (the user it logs in as)');
  const layout = { ports: ports(opts.ports), socketDir: checkSocketDir(opts.socketDir), maxStartups: opts.maxStartups, operator: opts.operator };
  if (!opts.apply) {
    if (opts.json) return printJson(ctx, { applied: false, layout: layoutText(layout) });
    ctx.stdout.write(layoutText(layout));
    return;
  }
  const operatorKey = opts.operatorKey ? readKeyFile(opts.operatorKey, '--operator-key') : undefined;
  const written = applyInit({ ...layout, root: opts.root, operatorKey });
  if (opts.json) return printJson(ctx, { applied: true, root: opts.root, written });
  for (const f of written) println(ctx, `wrote ${f}`);
  println(ctx, `bastion layout applied under ${opts.root}; now: sshd -t && systemctl reload ssh`);
}

export async function bastionAddCommand(ctx: Context, id: string, opts: RootOpts & { key?: string; keyFile?: string }): Promise<void> {
  if (!opts.key && !opts.keyFile) throw new UserError('bastion add needs the kiosk tunnel public key: --key "ssh-ed25519 …" or --key-file FILE');
  const key = opts.key ?? readKeyFile(opts.keyFile ?? '', '--key-file');
  const r = addDevice({ root: opts.root, socketDir: checkSocketDir(opts.socketDir), id, publicKey: key });
  if (opts.json) return printJson(ctx, { id, ...r });
  println(ctx, `${id}: user ${r.user} may hold its tunnel at ${r.socketDir}/ssh.sock`);
}

export async function bastionRevokeCommand(ctx: Context, id: string, opts: RootOpts): Promise<void> {
  const r = revokeDevice({ root: opts.root, socketDir: checkSocketDir(opts.socketDir), id });
  if (!r.existed) throw new UserError(`${id} has no account on this bastion (user ${r.user}); nothing was changed`);
  if (opts.json) return printJson(ctx, { id, ...r });
  println(ctx, `${id}: revoked (user ${r.user} locked, key removed, ${r.killed} session process(es) ended, socket removed)`);
}
