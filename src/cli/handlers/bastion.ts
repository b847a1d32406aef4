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

function ports(ctx: Context, list: string): number[] {
  const out = list.split(',').map((p) => Number(p.trim()));
  if (!out.length || out.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) throw new UserError(ctx.t('bastion.portsInvalid', { list }));
  return out;
}

function checkSocketDir(ctx: Context, dir: string): string {
  if (!/^\/[A-Za-z0-9_./-]{1,200}$/.test(dir) || dir.split('/').includes('..'))
    throw new UserError(ctx.t('bastion.socketDirInvalid', { dir: dir.slice(0, 80) }));
  return dir.replace(/\/+$/, '');
}

function readKeyFile(ctx: Context, file: string, flag: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n')[0] ?? '';
  } catch (e) {
    throw new UserError(ctx.t('bastion.cannotRead', { flag, file, reason: (e as NodeJS.ErrnoException).code ?? (e as Error).message }));
  }
}

export async function bastionInitCommand(
  ctx: Context,
  opts: RootOpts & { apply?: boolean; ports: string; maxStartups: string; operator?: string; operatorKey?: string },
): Promise<void> {
  if (!/^\d{1,5}:\d{1,3}:\d{1,5}$/.test(opts.maxStartups)) throw new UserError(ctx.t('bastion.maxStartupsInvalid', { value: opts.maxStartups }));
  if (opts.operator !== undefined && !/^[a-z_][a-z0-9_-]{0,31}$/.test(opts.operator))
    throw new UserError(ctx.t('bastion.operatorInvalid', { value: opts.operator }));
  if (opts.operatorKey && !opts.operator) throw new UserError(ctx.t('bastion.operatorKeyNeedsOperator'));
  const layout = { ports: ports(ctx, opts.ports), socketDir: checkSocketDir(ctx, opts.socketDir), maxStartups: opts.maxStartups, operator: opts.operator };
  if (!opts.apply) {
    if (opts.json) return printJson(ctx, { applied: false, layout: layoutText(layout) });
    ctx.stdout.write(layoutText(layout));
    return;
  }
  const operatorKey = opts.operatorKey ? readKeyFile(ctx, opts.operatorKey, '--operator-key') : undefined;
  const written = applyInit({ ...layout, root: opts.root, operatorKey });
  if (opts.json) return printJson(ctx, { applied: true, root: opts.root, written });
  for (const f of written) println(ctx, ctx.t('bastion.wrote', { file: f }));
  println(ctx, ctx.t('bastion.applied', { root: opts.root }));
}

export async function bastionAddCommand(ctx: Context, id: string, opts: RootOpts & { key?: string; keyFile?: string }): Promise<void> {
  if (!opts.key && !opts.keyFile) throw new UserError(ctx.t('bastion.addNeedsKey'));
  const key = opts.key ?? readKeyFile(ctx, opts.keyFile ?? '', '--key-file');
  const r = addDevice({ root: opts.root, socketDir: checkSocketDir(ctx, opts.socketDir), id, publicKey: key });
  if (opts.json) return printJson(ctx, { id, ...r });
  println(ctx, ctx.t('bastion.added', { id, user: r.user, socketDir: r.socketDir }));
}

export async function bastionRevokeCommand(ctx: Context, id: string, opts: RootOpts): Promise<void> {
  const r = revokeDevice({ root: opts.root, socketDir: checkSocketDir(ctx, opts.socketDir), id });
  if (!r.existed) throw new UserError(ctx.t('bastion.noAccount', { id, user: r.user }));
  if (opts.json) return printJson(ctx, { id, ...r });
  println(ctx, ctx.t('bastion.revoked', { id, user: r.user, killed: r.killed }));
}
