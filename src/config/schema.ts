/**
 * The user configuration: one zod schema, the single source of keys, types, defaults and
 * which values are secret. Pure. What each key means is said in the catalogs
 * (src/i18n/locales/, `config.about.<key>`), in English and Bahasa Indonesia.
 *
 * Adding a key (other capabilities may): add a leaf below with `.meta(about('config.about.KEY'))`
 * (`about('config.about.KEY', true)` for tokens and passwords), and its description under `config.about` in en.ts
 * and id.ts. `jfleet config get|set|list` and the JFLEET_<KEY> environment override
 * (api.url → JFLEET_API_URL, keyFile → JFLEET_KEY_FILE) pick it up from here.
 */
import { z } from 'zod';
import { kexListProblem } from '../transport/kex.js';
import { isTimeZone } from '../i18n/format.js';
import type { MessageKey } from '../i18n/catalog.js';

/** A catalog message that says what a config key is for. */
export type ConfigAboutKey = Extract<MessageKey, `config.about.${string}`>;

/** A key's meta: the message describing it, and whether its value is a secret. */
const about = (key: ConfigAboutKey, secret = false) => ({ about: key, secret });

// Plain text for paths and names in config: no control characters.
const pathText = z
  .string()
  .min(1)
  .max(4096)
  .regex(/^[^\u0000-\u001f\u007f]*$/, 'must not contain control characters');
const cron = z
  .string()
  .trim()
  .regex(/^(\S+\s+){4,5}\S+$/, 'must be a cron expression with 5 or 6 fields, e.g. "*/15 * * * *"');

export const configSchema = z.object({
  lang: z.enum(['en', 'id'], { error: 'must be en or id' }).optional().meta(about('config.about.lang')),
  timeZone: z
    .string()
    .trim()
    .refine((v) => isTimeZone(v), 'must be an IANA time zone, e.g. Asia/Jakarta')
    .optional()
    .meta(about('config.about.timeZone')),
  inventory: pathText.optional().meta(about('config.about.inventory')),
  forks: z.coerce
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(1000, 'must be at most 1000')
    .optional()
    .meta(about('config.about.forks')),
  keyFile: pathText.optional().meta(about('config.about.keyFile')),
  sshKex: z
    .string()
    .trim()
    .regex(
      /^[a-z0-9@.+-]+(\s*,\s*[a-z0-9@.+-]+)*$/,
      'must be a comma-separated list of SSH key-exchange algorithm names, e.g. "curve25519-sha256,ecdh-sha2-nistp256"',
    )
    .refine((v) => !/^[a-z0-9@.+-]+(\s*,\s*[a-z0-9@.+-]+)*$/.test(v) || kexListProblem(v) === null, {
      error: (iss) => kexListProblem(String(iss.input)) ?? 'invalid key-exchange list',
    })
    .optional()
    .meta(about('config.about.sshKex')),
  sshCompression: z.enum(['zlib', 'none'], { error: 'must be zlib or none' }).optional().meta(about('config.about.sshCompression')),
  api: z
    .object({
      url: z
        .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
        .optional()
        .meta(about('config.about.api.url')),
      token: z
        .string()
        .min(1)
        .max(4096)
        .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
        .optional()
        .meta(about('config.about.api.token', true)),
      caFile: pathText.optional().meta(about('config.about.api.caFile')),
    })
    .default({}),
  schedule: z
    .object({
      sweep: cron.optional().meta(about('config.about.schedule.sweep')),
      // "none": schedule run makes no reports (as its --report none)
      report: z
        .union([z.literal('none'), cron])
        .optional()
        .meta(about('config.about.schedule.report')),
    })
    .default({}),
});

export type Config = z.infer<typeof configSchema>;

export interface ConfigKey {
  /** dotted key, e.g. "api.url" */
  key: string;
  /** environment override, e.g. JFLEET_API_URL */
  env: string;
  /** the catalog message saying what the key is for */
  about: ConfigAboutKey;
  secret: boolean;
  schema: z.ZodType;
}

function unwrap(s: z.ZodType): z.ZodType {
  let cur = s as z.ZodType & { unwrap?: () => z.ZodType; def?: { innerType?: z.ZodType } };
  for (;;) {
    if (cur instanceof z.ZodOptional || cur instanceof z.ZodNullable) cur = cur.unwrap() as typeof cur;
    else if (cur instanceof z.ZodDefault) cur = cur.def.innerType as typeof cur;
    else return cur;
  }
}

export function envNameFor(key: string): string {
  return (
    'JFLEET_' +
    key
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .replace(/\./g, '_')
      .toUpperCase()
  );
}

/** Every leaf key of the schema, in declaration order. */
export function configKeys(schema: z.ZodObject = configSchema): ConfigKey[] {
  const out: ConfigKey[] = [];
  const walk = (obj: z.ZodObject, prefix: string) => {
    for (const [name, child] of Object.entries(obj.shape)) {
      const key = prefix + name;
      const inner = unwrap(child as z.ZodType);
      if (inner instanceof z.ZodObject) {
        walk(inner, key + '.');
        continue;
      }
      const meta = ((child as z.ZodType).meta() ?? inner.meta()) as { about?: ConfigAboutKey; secret?: boolean } | undefined;
      if (!meta?.about) throw new Error(`config key ${key} has no .meta(about(...)) naming its description in the catalogs`);
      out.push({ key, env: envNameFor(key), about: meta.about, secret: Boolean(meta.secret), schema: child as z.ZodType });
    }
  };
  walk(schema, '');
  return out;
}

/** "abcd…wxyz"-style mask: enough to tell two tokens apart, never enough to use one. */
export function maskSecret(v: string): string {
  if (v.length <= 8) return '********';
  return `${v.slice(0, 2)}******${v.slice(-2)}`;
}
