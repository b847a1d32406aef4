/**
 * Handlers for `jfleet lab up|down|status`. A lab from `lab up` is persistent: it outlives the
 * command (its devices are detached) and is stopped by `lab down`, by pid.
 */
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { Context } from '../../context.js';
import { ExitCode, UserError } from '../../errors.js';
import { printJson } from '../shared.js';
import { when } from '../render/speech.js';

function requireRoot(ctx: Context, what: string): void {
  if (process.getuid?.() !== 0) {
    throw new UserError(ctx.t('lab.needsRoot', { what }), {
      exitCode: ExitCode.usage,
      hint: ctx.t('lab.needsRootHint', { what }),
    });
  }
}

async function ensureSshd(ctx: Context): Promise<void> {
  if (existsSync('/usr/sbin/sshd')) return;
  ctx.stderr.write(`jfleet: ${ctx.t('lab.installingSshd')}\n`);
  // The runner's own commands go through the local transport, like every other command.
  const { LocalTransport } = await import('../../transport/local.js');
  const local = new LocalTransport('localhost', { ...ctx.env, DEBIAN_FRONTEND: 'noninteractive' });
  // a fresh machine has empty package lists: update first, then install
  const r = await local.exec('apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends openssh-server >/dev/null', {
    signal: ctx.signal,
  });
  if (r.exitCode !== 0 || !existsSync('/usr/sbin/sshd')) {
    throw new UserError(ctx.t('lab.installFailed', { reason: String(r.stderr).trim().split('\n').pop() ?? '' }), {
      hint: ctx.t('lab.installFailedHint'),
    });
  }
}

export async function labUpCommand(ctx: Context, opts: { devices: number; passwordOnly?: number; json?: boolean }): Promise<void> {
  requireRoot(ctx, 'up');
  await ensureSshd(ctx);
  const { startLab } = await import('../../lab/lab.js');
  const n = opts.devices;
  const pw = Math.min(opts.passwordOnly ?? 0, n);
  const lab = await startLab({ devices: n, persistent: true, passwordOnly: Array.from({ length: pw }, (_, i) => n - pw + i) });
  const info = {
    id: lab.id,
    dir: lab.dir,
    inventory: lab.inventoryDir,
    keyFile: lab.keyFile,
    home: lab.home,
    password: pw ? lab.password : undefined,
    env: { JFLEET_INVENTORY: lab.inventoryDir, JFLEET_KEY_FILE: lab.keyFile },
    devices: lab.devices.map((d) => ({
      id: d.id,
      address: d.address,
      port: d.port,
      village: d.village.code,
      villageName: d.village.name,
      district: d.village.district,
      hostKey: d.hostKey,
      passwordOnly: d.passwordOnly,
    })),
  };
  if (opts.json) {
    printJson(ctx, info);
    return;
  }
  // startLab brings up opts.devices (at least one) devices or throws
  const first = lab.devices[0]!;
  const last = lab.devices.at(-1)!;
  const districts = new Set(lab.devices.map((d) => d.village.district)).size;
  ctx.stdout.write(
    [
      ctx.t('lab.up', { id: lab.id, count: n, first: first.address, last: last.address, districts }),
      ctx.t('lab.inventory', { file: `${lab.inventoryDir}/packages.yaml` }),
      ...(pw
        ? [
            ctx.t('lab.passwordOnly', {
              ids: lab.devices
                .filter((d) => d.passwordOnly)
                .map((d) => d.id)
                .join(', '),
              password: lab.password,
            }),
          ]
        : []),
      '',
      ctx.t('lab.useIt', { inventory: lab.inventoryDir, keyFile: lab.keyFile }),
      '',
      ctx.t('lab.stopIt'),
      '',
    ].join('\n'),
  );
}

export async function labDownCommand(ctx: Context, id: string | undefined, opts: { json?: boolean }): Promise<void> {
  requireRoot(ctx, 'down');
  const { stopLabs } = await import('../../lab/lab.js');
  const stopped = await stopLabs((e) => (id ? e.id === id : e.ownerPid === null));
  if (id && !stopped.includes(id)) throw new UserError(ctx.t('lab.noLab', { id }), { hint: ctx.t('lab.seeStatus') });
  if (opts.json) printJson(ctx, { stopped });
  else ctx.stdout.write(`${stopped.length ? ctx.t('lab.stopped', { ids: stopped.join(', ') }) : ctx.t('lab.noneToStop')}\n`);
}

function listening(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, host);
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

export async function labStatusCommand(ctx: Context, opts: { json?: boolean }): Promise<void> {
  const { listLabs } = await import('../../lab/lab.js');
  const labs = listLabs();
  const rows = await Promise.all(
    labs.map(async (l) => {
      let addrs: Array<{ address: string; port?: number }> = [];
      try {
        addrs = (JSON.parse(readFileSync(join(l.dir, 'lab.json'), 'utf8')) as { devices: Array<{ address: string; port?: number }> }).devices;
      } catch {
        /* starting or gone */
      }
      let up = 0;
      for (let i = 0; i < addrs.length; i += 50)
        up += (await Promise.all(addrs.slice(i, i + 50).map((a) => listening(a.address, a.port ?? 22)))).filter(Boolean).length;
      return {
        id: l.id,
        devices: l.devices,
        up,
        owner: l.ownerPid === null ? ctx.t('lab.ownerLabUp') : ctx.t('lab.ownerPid', { pid: l.ownerPid }),
        stale: l.stale,
        inventory: l.inventoryDir,
        dir: l.dir,
        createdAt: l.createdAt,
      };
    }),
  );
  if (opts.json) {
    printJson(ctx, { labs: rows });
    return;
  }
  if (!rows.length) {
    ctx.stdout.write(`${ctx.t('lab.noneRunning')}\n`);
    return;
  }
  for (const r of rows) {
    ctx.stdout.write(
      `${r.id}  ${ctx.t('lab.statusLine', { up: r.up, count: r.devices, owner: r.owner })}${r.stale ? ` ${ctx.t('lab.stale')}` : ''}  ${when(ctx, r.createdAt)}\n  ${ctx.t('lab.inventory', { file: r.inventory })}\n`,
    );
  }
}
