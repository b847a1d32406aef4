/**
 * conf-backed configuration in $JFLEET_HOME/config.json (mode 0600), with JFLEET_* environment
 * overrides for CI. Effectful; the schema and key table are in schema.ts.
 */
import { chmodSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from '../context.js';
import { InputError, issueMessage, UserError } from '../errors.js';
import { configKeys, configSchema, type Config, type ConfigKey } from './schema.js';

export const CONFIG_NAME = 'config';

export function configFile(home: string): string {
  return join(home, `${CONFIG_NAME}.json`);
}

type ConfStore = {
  store: Record<string, unknown>;
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  delete(key: string): void;
  path: string;
};

/** Opens the conf store under JFLEET_HOME (created 0700 if missing; the file is 0600). */
export async function openConfigStore(ctx: Pick<Context, 'home'>): Promise<ConfStore> {
  const { default: Conf } = await import('conf');
  mkdirSync(ctx.home, { recursive: true, mode: 0o700 });
  readConfigStore(ctx); // a file conf would choke on (nested 10,000 deep) is refused first, in one line
  try {
    return new Conf({
      projectName: 'jfleet',
      cwd: ctx.home,
      configName: CONFIG_NAME,
      configFileMode: 0o600,
      clearInvalidConfig: false,
      projectSuffix: '',
    }) as unknown as ConfStore;
  } catch (e) {
    throw new UserError(`${configFile(ctx.home)}: cannot read the config: ${(e as Error).message.split('\n')[0]}`, {
      hint: { kind: 'config-file-broken' },
      cause: e,
    });
  }
}

function setIn(obj: Record<string, unknown>, key: string, value: unknown) {
  const parts = key.split('.');
  const leaf = parts.pop() ?? ''; // split() gives at least one part
  let cur = obj;
  for (const p of parts) {
    if (typeof cur[p] !== 'object' || cur[p] === null) cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[leaf] = value;
}

export function getIn(obj: unknown, key: string): unknown {
  let cur = obj;
  for (const p of key.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

export interface ConfigSource {
  config: Config;
  /** where each set key's value comes from */
  origin: Map<string, 'env' | 'file'>;
  file: string;
}

/**
 * The stored values as conf wrote them, read without conf: every command reads the config, and
 * importing conf (with ajv) costs about 80 ms of start-up on this machine; only set and unset need
 * its atomic, 0600 writes. No file yet is an empty config.
 */
function readConfigStore(ctx: Pick<Context, 'home'>): { store: Record<string, unknown>; path: string } {
  const path = configFile(ctx.home);
  const unreadable = (why: string, cause?: unknown) =>
    new UserError(`${path}: cannot read the config: ${why.split('\n')[0]}`, { hint: { kind: 'config-file-broken' }, cause });
  let store: unknown;
  try {
    const text = readFileSync(path, 'utf8');
    store = text.trim() === '' ? {} : JSON.parse(text);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { store: {}, path };
    throw unreadable((e as Error).message, e);
  }
  if (typeof store !== 'object' || store === null || Array.isArray(store)) throw unreadable('not a JSON object');
  if (nestedDeeperThan(store, 64)) throw unreadable('nested too deeply (more than 64 levels)');
  return { store: store as Record<string, unknown>, path };
}

/** Whether `v` nests deeper than `max` (counted without recursion: 10,000 levels overflow the stack). */
function nestedDeeperThan(v: unknown, max: number): boolean {
  const todo: Array<[unknown, number]> = [[v, 0]];
  while (todo.length) {
    const [cur, depth] = todo.pop()!;
    if (typeof cur !== 'object' || cur === null) continue;
    if (depth >= max) return true;
    for (const c of Object.values(cur)) todo.push([c, depth + 1]);
  }
  return false;
}

/** The stored values with env overrides applied, validated; origin says where each came from. */
export async function loadConfigWithOrigin(ctx: Pick<Context, 'home' | 'env'>): Promise<ConfigSource> {
  return readConfigWithOrigin(ctx);
}

/** loadConfigWithOrigin, synchronously (the file is small and read without conf). */
export function readConfigWithOrigin(ctx: Pick<Context, 'home' | 'env'>): ConfigSource {
  const store = readConfigStore(ctx);
  const raw = structuredClone(store.store) as Record<string, unknown>;
  const origin = new Map<string, 'env' | 'file'>();
  const keys = configKeys();
  for (const k of keys) if (getIn(raw, k.key) !== undefined) origin.set(k.key, 'file');
  const fileCheck = configSchema.safeParse(raw);
  if (!fileCheck.success)
    throw configIssues(
      store.path,
      fileCheck.error.issues.map((i) => ({ key: i.path.join('.'), message: issueMessage(i) })),
    );
  for (const k of keys) {
    const v = ctx.env[k.env];
    if (v !== undefined && v !== '') {
      setIn(raw, k.key, v);
      origin.set(k.key, 'env');
    }
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    throw configIssues(
      'environment',
      parsed.error.issues.map((i) => {
        const key = i.path.join('.');
        return { key: keys.find((k) => k.key === key)?.env ?? key, message: issueMessage(i) };
      }),
    );
  }
  return { config: parsed.data, origin, file: store.path };
}

function configIssues(file: string, list: Array<{ key: string; message: string }>): InputError {
  return new InputError(
    list.map((i) => ({ file, field: i.key, message: i.message })),
    { hint: { kind: 'config-env-invalid' } },
  );
}

/** The configuration every command reads: file values, then JFLEET_* overrides. */
export async function loadConfig(ctx: Pick<Context, 'home' | 'env'>): Promise<Config> {
  return readConfigWithOrigin(ctx).config;
}

/**
 * What main() installs as ctx.config: the configuration read once, on first use, and then the
 * same value (or the same located error) for the rest of the command. One policy: a config that
 * does not load stops the command that reads it, with its file:field error and exit 2.
 */
export function configReader(ctx: Pick<Context, 'home' | 'env'>): () => Config {
  let read: { ok: true; value: Config } | { ok: false; error: unknown } | undefined;
  return () => {
    if (!read) {
      try {
        read = { ok: true, value: readConfigWithOrigin(ctx).config };
      } catch (error) {
        read = { ok: false, error };
      }
    }
    if (read.ok) return read.value;
    throw read.error;
  };
}

export const DEFAULT_FORKS = 50;

/**
 * How many devices a fleet command works on at once: the --forks flag, else the config's
 * "forks" (or JFLEET_FORKS), else 50.
 */
export async function resolveForks(ctx: Pick<Context, 'config'>, flag?: number): Promise<number> {
  if (flag) return flag;
  return ctx.config().forks ?? DEFAULT_FORKS;
}

export function findKey(key: string): ConfigKey {
  const k = configKeys().find((x) => x.key === key);
  if (!k) {
    throw new UserError(`unknown config key "${key}"`, {
      hint: `known keys: ${configKeys()
        .map((x) => x.key)
        .join(', ')}`,
    });
  }
  return k;
}

/** Validates and stores one value (the file stays 0600). */
export async function setConfigValue(ctx: Pick<Context, 'home' | 'env'>, key: string, value: string): Promise<unknown> {
  const k = findKey(key);
  const parsed = k.schema.safeParse(value);
  if (!parsed.success) throw new InputError([{ field: key, message: parsed.error.issues[0] ? issueMessage(parsed.error.issues[0]) : 'invalid value' }]);
  const store = await openConfigStore(ctx);
  store.set(key, parsed.data);
  chmodSync(store.path, 0o600);
  return parsed.data;
}

export async function unsetConfigValue(ctx: Pick<Context, 'home' | 'env'>, key: string): Promise<void> {
  findKey(key);
  const store = await openConfigStore(ctx);
  store.delete(key);
}
