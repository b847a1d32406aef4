import { resolve } from 'node:path';
import type { Context } from '../../context.js';
import { ExitCode, ExitStatus, redactUrlCredentials } from '../../errors.js';
import { printJson } from '../shared.js';
import { findKey, getIn, loadConfigWithOrigin, setConfigValue, unsetConfigValue } from '../../config/config.js';
import { configKeys, maskSecret, type ConfigKey } from '../../config/schema.js';
import { type CatalogTree, catalogText } from '../../i18n/catalog.js';
import en from '../../i18n/locales/en.js';

const PATH_KEYS = new Set(['inventory', 'keyFile', 'api.caFile']);

function shown(k: ConfigKey, v: unknown): unknown {
  if (v === undefined) return undefined;
  if (k.secret) return maskSecret(String(v));
  return typeof v === 'string' ? redactUrlCredentials(v) : v; // api.url may carry user:password@
}

export async function configList(ctx: Context, opts: { json?: boolean }): Promise<void> {
  const { config, origin, file } = await loadConfigWithOrigin(ctx);
  const rows = configKeys().map((k) => ({
    key: k.key,
    value: shown(k, getIn(config, k.key)),
    source: origin.get(k.key) ?? 'default',
    env: k.env,
    secret: k.secret,
    // --json is the same in every language: the English description, from the source catalog
    description: catalogText(en as CatalogTree, k.about) ?? '',
    about: k.about,
  }));
  if (opts.json) {
    printJson(ctx, { file, keys: rows.map(({ about: _, ...row }) => row) });
    return;
  }
  const w = Math.max(...rows.map((r) => r.key.length));
  for (const r of rows) {
    const val = r.value === undefined ? ctx.t('config.notSetValue') : String(r.value);
    ctx.stdout.write(`${r.key.padEnd(w)}  ${val}${r.source === 'env' ? `  ${ctx.t('config.fromEnv', { env: r.env })}` : ''}\n`);
    // what the key is for, in the run's language, under its value
    ctx.stdout.write(`${' '.repeat(w + 2)}${ctx.t(r.about)}\n`);
  }
  ctx.stdout.write(`${ctx.t('config.file', { file })}\n`);
}

export async function configGet(ctx: Context, key: string, opts: { json?: boolean }): Promise<void> {
  const k = findKey(key);
  const { config } = await loadConfigWithOrigin(ctx);
  const v = shown(k, getIn(config, key));
  if (opts.json) printJson(ctx, { key, value: v ?? null });
  else if (v !== undefined) ctx.stdout.write(`${String(v)}\n`);
  if (v === undefined) throw new ExitStatus(ExitCode.notSet, opts.json ? '' : ctx.t('config.notSet', { key }));
}

export async function configSet(ctx: Context, key: string, value: string): Promise<void> {
  const k = findKey(key);
  // a schedule is checked as the daemon will read it, before it is written
  if ((key === 'schedule.sweep' || key === 'schedule.report') && !(key === 'schedule.report' && value.trim() === 'none')) {
    const { validateCron } = await import('../../schedule/cron.js');
    validateCron(value.trim(), key);
  }
  const stored = await setConfigValue(ctx, key, PATH_KEYS.has(key) ? resolve(ctx.cwd, value) : value);
  ctx.stdout.write(`${key} = ${String(shown(k, stored))}\n`);
  if (ctx.env[k.env]) ctx.stderr.write(`jfleet: ${ctx.t('config.envOverrides', { env: k.env })}\n`);
}

export async function configUnset(ctx: Context, key: string): Promise<void> {
  await unsetConfigValue(ctx, key);
  ctx.stdout.write(`${ctx.t('config.unset', { key })}\n`);
}
