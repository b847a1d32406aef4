/**
 * One device of a wave (effects): inspect, transfer, install, switch, gate; on a failed gate or
 * an error after the switch, roll back to the previous release and gate that too. Every
 * transition is stored before the next step; the outcome is emitted as one device event.
 */
import type { Package } from '../inventory/schema.js';
import type { Transport } from '../transport/types.js';
import { TransportError } from '../transport/types.js';
import { quote } from '../transport/shell.js';
import * as device from './device.js';
import type { DeviceEvent, RolloutSink } from './events.js';
import type { DeviceState } from './machine.js';
import type { StoredRelease } from './release.js';
import type { RolloutStore } from './store.js';

export interface DeviceCtx {
  connect: (pkg: Package) => Promise<Transport>;
  layoutFor: (pkg: Package) => device.KioskLayout;
  gateTimeoutMs: number;
  settleMs: number;
  /** how a device failure reads (failureMessage of the context) */
  describeFailure: (e: unknown) => string;
}

export function classify(e: unknown, describe: (e: unknown) => string): { state: DeviceState; error: string } {
  if (e instanceof TransportError && (e.kind === 'unreachable' || e.kind === 'timeout' || e.kind === 'protocol')) {
    return { state: 'pending', error: `unreachable: ${describe(e)}` };
  }
  return { state: 'failed', error: describe(e) };
}

/** Does the device still answer a trivial command? */
async function answers(dc: DeviceCtx, pkg: Package): Promise<boolean> {
  try {
    const r = await (await dc.connect(pkg)).exec('echo ok', { timeoutMs: 10_000 });
    return r.exitCode === 0 && r.stdout.trim() === 'ok';
  } catch {
    return false;
  }
}

export async function updateOne(
  store: RolloutStore,
  emit: RolloutSink,
  id: number,
  wave: number,
  pkg: Package | undefined,
  deviceId: string,
  rel: StoredRelease,
  archive: Buffer,
  dc: DeviceCtx,
): Promise<void> {
  const started = Date.now();
  const version = rel.info.version;
  store.setDevice(id, deviceId, 'updating');
  const finish = (state: DeviceState, fields: { previous?: string | null; error?: string | null }, shown: DeviceEvent['shown'], reason = '') => {
    const ms = Date.now() - started;
    store.setDevice(id, deviceId, state, { ...fields, ms });
    emit({
      event: 'device',
      rollout: id,
      wave: wave + 1,
      device: deviceId,
      state,
      previous: fields.previous ?? null,
      error: fields.error ?? null,
      ms,
      release: version,
      shown,
      reason,
    });
  };
  if (!pkg) {
    finish('skipped', { error: 'no longer in the inventory' }, 'skipped', 'no longer in the inventory');
    return;
  }
  const layout = dc.layoutFor(pkg);
  let previous: string | null = store.device(id, deviceId)?.previous ?? null;
  let switched = false;
  try {
    const t = await dc.connect(pkg);
    const info = await device.inspect(t, layout, version);
    if (info.current !== version) previous = info.current;
    else previous = previous ?? info.previous; // a killed run had switched already
    if (previous) store.setDevice(id, deviceId, 'updating', { previous });
    const complete = info.hasRelease && (await device.releaseComplete(t, layout, rel.manifest));
    if (!complete) {
      await device.transfer(t, layout, version, archive, info);
      await device.install(t, layout, rel.manifest, rel.info.archiveSha256);
    }
    await device.switchTo(t, layout, version);
    switched = true;
    const g = await device.gate(t, layout, version, { timeoutMs: dc.gateTimeoutMs, settleMs: dc.settleMs, pidsBefore: info.pids || undefined, pkg });
    if (g.ok) {
      await device.prune(t, layout);
      finish('updated', { previous }, 'updated');
      return;
    }
    const why = `health gate failed on ${version}: ${g.problems.join('; ')}`;
    await rollback(why, g.problems.join('; '));
  } catch (e) {
    const c = classify(e, dc.describeFailure);
    // An SFTP or channel error is ambiguous: a dropped link (pending) or the device refusing the
    // write, e.g. a full disk (failed). Ask the device: if it still answers, it is a failure.
    if (c.state === 'pending' && e instanceof TransportError && e.kind === 'protocol' && (await answers(dc, pkg))) {
      c.state = 'failed';
      c.error = dc.describeFailure(e);
    }
    if (c.state === 'pending') {
      // The device dropped off mid-way: whatever it runs now, the next run redoes it from inspect.
      finish('pending', { previous, error: c.error }, 'pending', c.error);
    } else if (switched) {
      await rollback(`after the switch: ${c.error}`, c.error).catch((e2: unknown) => {
        const c2 = classify(e2, dc.describeFailure);
        finish(c2.state, { previous, error: `after the switch: ${c.error}; rollback: ${c2.error}` }, 'failed', `${c.error}; rollback: ${c2.error}`);
      });
    } else {
      // Not switched: the device still runs its release. Free what the attempt staged (a full
      // disk is a common cause); a later run starts the transfer over.
      await dc
        .connect(pkg)
        .then((t) => t.exec(`rm -rf ${quote(`${device.paths(layout).staging}/${version}`)}.*`, { timeoutMs: 30_000 }))
        .catch(() => undefined);
      finish('failed', { previous, error: c.error }, 'failed', c.error);
    }
  }

  /** Switch back to the previous release and check it like a new one. */
  async function rollback(why: string, short: string): Promise<void> {
    if (!previous || previous === version) {
      finish('failed', { previous, error: `${why}; no previous release to roll back to` }, 'failed', `${short}; no previous release`);
      return;
    }
    const t = await dc.connect(pkg!);
    const before = (await device.inspect(t, layout, previous)).pids;
    await device.switchTo(t, layout, previous, { keepPrevious: true });
    const back = await device.gate(t, layout, previous, { timeoutMs: dc.gateTimeoutMs, settleMs: dc.settleMs, pidsBefore: before || undefined, pkg: pkg! });
    if (back.ok) {
      finish('rolled_back', { previous, error: why }, 'rolled_back', short);
    } else {
      finish(
        'failed',
        { previous, error: `${why}; rollback to ${previous} failed its gate too: ${back.problems.join('; ')}` },
        'failed',
        `rollback to ${previous} unhealthy: ${back.problems.join('; ')}`,
      );
    }
  }
}
