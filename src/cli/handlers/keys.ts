/**
 * Handlers for `jfleet keys init|show` and `jfleet hostkey accept`: the fleet key jfleet logs in
 * with, and re-pinning a device's host key after a technician confirmed it.
 */
import { chmodSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { writeAtomicSet, writeFailure } from '../../atomic-file.js';
import type { Context } from '../../context.js';
import { homePaths } from '../../context.js';
import { UserError } from '../../errors.js';
import { generateEd25519 } from '../../transport/keygen.js';
import { fleetPoolOptions } from '../../fleet-pool.js';
import { updateInventory } from '../../inventory/store.js';
import { createPool } from '../../transport/pool.js';
import { printJson } from '../shared.js';
import { deviceError, findPackage } from './device.js';

/** What `ssh-keygen -lf` prints for a key: SHA256: and 43 characters of unpadded base64. */
const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

export interface HostkeyAcceptOptions {
  inventory?: string;
  json?: boolean;
  /** pin only if the device proves this fingerprint (for scripts) */
  expect?: string;
  /** pin whatever key the device proves, without asking */
  yes?: boolean;
}

/**
 * jfleet hostkey accept ID: re-pin after a technician confirmed the device was reinstalled. The
 * device must prove the key (a completed key exchange, not just an offer); the new pin is written
 * only after the old and new fingerprints were shown and confirmed, or when it equals --expect.
 */
export async function hostkeyAcceptCommand(ctx: Context, id: string, opts: HostkeyAcceptOptions): Promise<void> {
  const expected = opts.expect?.trim();
  if (expected !== undefined && !FINGERPRINT.test(expected)) {
    throw new UserError(ctx.t('keys.expectNotFingerprint', { value: JSON.stringify(expected.slice(0, 80)) }), {
      hint: ctx.t('keys.expectNotFingerprintHint'),
    });
  }
  const { pkg, all, dir } = findPackage(ctx, opts.inventory, id);
  const confirmByPrompt = expected === undefined && !opts.yes;
  if (confirmByPrompt) {
    const { requireFlags } = await import('../prompts.js');
    requireFlags(ctx, ['--expect SHA256:…'], ctx.t('keys.needsFingerprint', { id }), ctx.t('keys.needsFingerprintHint'));
  }
  const pool = createPool(ctx, fleetPoolOptions(ctx, { inventoryDir: dir, packages: all }));
  let proven: string;
  try {
    proven = await pool.provenHostKey(pkg);
  } catch (e) {
    throw deviceError(e);
  } finally {
    await pool.closeAll();
  }
  const old = pkg.hostKey ?? null;
  if (expected !== undefined && proven !== expected) {
    throw new UserError(ctx.t('keys.provesOther', { id, proven, expected }), {
      hint: ctx.t('keys.provesOtherHint'),
    });
  }
  if (old !== proven) {
    if (confirmByPrompt) {
      const out = opts.json ? ctx.stderr : ctx.stdout;
      out.write(`${id}: ${ctx.t('keys.pinnedNow', { key: old ?? ctx.t('keys.none') })}\n${id}: ${ctx.t('keys.deviceProves', { key: proven })}\n`);
      const { confirmOrYes } = await import('../prompts.js');
      await confirmOrYes(ctx, { message: ctx.t('keys.confirmPin', { key: proven, id }), what: ctx.t('keys.pinNeedsConfirmation') });
    }
    await updateInventory(dir, (pkgs) => {
      for (const p of pkgs) {
        if (p.id !== id) continue;
        // what was shown and confirmed must still be what is replaced
        if ((p.hostKey ?? null) !== old) throw new UserError(ctx.t('keys.pinChangedMeanwhile', { id, key: p.hostKey ?? ctx.t('keys.none') }));
        p.hostKey = proven;
      }
    });
  }
  if (opts.json) {
    printJson(ctx, { id, old, new: proven, changed: old !== proven });
    return;
  }
  if (old === proven) ctx.stdout.write(`${id}: ${ctx.t('keys.alreadyPinned', { key: proven })}\n`);
  else ctx.stdout.write(`${id}: ${old ? ctx.t('keys.pinnedWas', { key: proven, old }) : ctx.t('keys.pinnedFirst', { key: proven })}\n`);
}

/** jfleet keys init: the fleet key, ed25519, private half mode 0600 under JFLEET_HOME/keys. */
export async function keysInitCommand(ctx: Context, opts: { force?: boolean; json?: boolean }): Promise<void> {
  const dir = homePaths(ctx.home).keysDir;
  const file = homePaths(ctx.home).fleetKey;
  // an empty private key file is no key (a full disk under an older jfleet left one): replace it
  const existing = statSync(file, { throwIfNoEntry: false });
  if (existing && existing.size > 0 && !opts.force) {
    throw new UserError(ctx.t('keys.exists', { file }), {
      hint: ctx.t('keys.existsHint'),
    });
  }
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
  } catch (e) {
    throw writeFailure(e, file);
  }
  const k = generateEd25519(`jfleet@${ctx.env.HOSTNAME ?? 'fleet'}`);
  // Both halves are written in full before either replaces anything: a full disk leaves no key
  // file (or the old pair, with --force) and a retry after freeing space just works.
  writeAtomicSet([
    { file, data: k.privateKey, mode: 0o600 },
    { file: file + '.pub', data: k.publicKey + '\n', mode: 0o644 },
  ]);
  if (opts.json) {
    printJson(ctx, { privateKey: file, publicKey: k.publicKey, fingerprint: k.fingerprint });
    return;
  }
  ctx.stdout.write(`${ctx.t('keys.written', { file })}\n${k.fingerprint}\n${k.publicKey}\n`);
}

export async function keysShowCommand(ctx: Context, opts: { json?: boolean }): Promise<void> {
  const file = homePaths(ctx.home).fleetKey;
  let pub: string;
  try {
    pub = readFileSync(file + '.pub', 'utf8').trim();
  } catch {
    throw new UserError(ctx.t('keys.noKey', { file }), { hint: ctx.t('keys.noKeyHint') });
  }
  const { fingerprintOfPublicKey } = await import('../../transport/fingerprint.js');
  const fp = fingerprintOfPublicKey(pub);
  if (opts.json) printJson(ctx, { privateKey: file, publicKey: pub, fingerprint: fp });
  else ctx.stdout.write(`${fp}\n${pub}\n`);
}
