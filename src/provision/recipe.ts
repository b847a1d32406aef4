/**
 * Recipes as data: schema, layering (profile < district < village < package vars), template
 * rendering and variable rules. Pure: the loader (recipe-load.ts) reads the files and hands
 * their text here.
 */
import { z } from 'zod';
import type { Package } from '../inventory/schema.js';
import type { Village } from '../inventory/villages.js';
import { STEP_KINDS } from './steps/index.js';

const varsSchema = z.record(z.string(), z.string());

export const overrideSchema = z
  .object({
    vars: varsSchema.optional(),
    packages: z.array(z.string()).optional(),
    packages_add: z.array(z.string()).optional(),
    packages_remove: z.array(z.string()).optional(),
    debs: z.array(z.object({ name: z.string(), version: z.string(), file: z.string() }).strict()).optional(),
    disable: z.array(z.string()).optional(),
  })
  .strict();
export type RecipeOverride = z.infer<typeof overrideSchema>;

export const stepSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9-]*$/),
    title: z.string(),
    kind: z.string().refine((k) => Object.hasOwn(STEP_KINDS, k), 'unknown step kind'),
    when: z.enum(['key_login_proven', 'tunnel']).optional(),
    with: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

const RULE_NAMES = [
  'hostlabel',
  'zone',
  'username',
  'hostport',
  'url',
  'secureurl',
  'hhmm',
  'duration',
  'version',
  'yesno',
  'windowsize',
  'aptproxy',
  'renderer',
  'seconds',
  'count',
] as const;

export const recipeSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9-]*$/),
    version: z.string().regex(/^\d+\.\d+\.\d+$/),
    vars: varsSchema.default({}),
    rules: z.record(z.string(), z.enum(RULE_NAMES)).default({}),
    packages: z.array(z.string()).default([]),
    /** packages that must not be installed (purged by the apt step) */
    packages_remove: z.array(z.string()).default([]),
    debs: z.array(z.object({ name: z.string(), version: z.string(), file: z.string() }).strict()).default([]),
    handlers: z.record(z.string(), z.object({ title: z.string(), command: z.string() }).strict()).default({}),
    steps: z.array(stepSchema),
  })
  .strict();
export type RecipeData = z.infer<typeof recipeSchema>;

/** A loaded recipe: its data, its layers, and the bytes of the files it names. */
export interface Recipe {
  dir: string;
  data: RecipeData;
  profiles: Record<string, RecipeOverride>;
  districts: Record<string, RecipeOverride>;
  villages: Record<string, RecipeOverride>;
  /** relative path (as named in the recipe) -> text */
  files: Record<string, string>;
  /** .deb file name as named -> bytes */
  debFiles: Record<string, Uint8Array>;
}

export interface ResolvedStep {
  id: string;
  title: string;
  kind: string;
  when?: 'key_login_proven' | 'tunnel';
  desired: unknown;
}

export interface ResolvedRecipe {
  name: string;
  version: string;
  vars: Record<string, string>;
  steps: ResolvedStep[];
  handlers: Record<string, { title: string; command: string }>;
}

export class RecipeError extends Error {}

const RULES: Record<(typeof RULE_NAMES)[number], { re: RegExp; says: string }> = {
  hostlabel: { re: /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, says: 'one DNS label (a-z, 0-9, "-")' },
  zone: { re: /^[A-Za-z0-9_+-]+(?:\/[A-Za-z0-9_+-]+)*$/, says: 'a time zone name like Asia/Jakarta' },
  username: { re: /^[a-z_][a-z0-9_-]{0,31}$/, says: 'a POSIX user name' },
  hostport: { re: /^(?:[A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):\d{1,5}$/, says: 'host:port like 127.0.0.1:8080' },
  // No quotes, backslashes, "$" or backquotes: the value lands in an environment file.
  url: { re: /^https?:\/\/[A-Za-z0-9._~:/?#[\]@!&*+,;=%-]+$/, says: 'an http(s) URL without quotes, spaces, "$" or backslashes' },
  // A page that uses the camera must be a secure origin (getUserMedia): https, or plain http
  // only to this device itself. (And to 198.18.0.0/15, RFC 2544's benchmark range: the booted
  // test tier's portal, never a village's; LAB.md.)
  secureurl: {
    re: /^(?:https:\/\/[A-Za-z0-9._~:/?#[\]@!&*+,;=%-]+|http:\/\/(?:localhost|127(?:\.\d{1,3}){3}|\[::1\]|198\.1[89](?:\.\d{1,3}){2})(?::\d{1,5})?(?:\/[A-Za-z0-9._~:/?#[\]@!&*+,;=%-]*)?)$/,
    says: 'an https URL (the camera needs a secure page; plain http only to http://localhost), without quotes, spaces, "$" or backslashes',
  },
  hhmm: { re: /^(?:[01]\d|2[0-3]):[0-5]\d$/, says: 'a time HH:MM' },
  yesno: { re: /^(?:yes|no)$/, says: 'yes or no' },
  windowsize: { re: /^(?:\d{3,5}x\d{3,5})?$/, says: 'WIDTHxHEIGHT like 1920x1080, or empty' },
  renderer: { re: /^(?:auto|gles2|pixman|vulkan)$/, says: 'auto, gles2, pixman or vulkan' },
  seconds: { re: /^[1-9]\d{0,2}$/, says: 'whole seconds from 1 to 999' },
  count: { re: /^[1-9]\d?$/, says: 'a whole number from 1 to 99' },
  duration: { re: /^\d{1,4}(?:s|min|h)?$/, says: 'a duration like 20min' },
  version: { re: /^[A-Za-z0-9][A-Za-z0-9.+_-]*$/, says: 'a release version' },
  aptproxy: { re: /^(?:DIRECT|http:\/\/[A-Za-z0-9.-]+(?::\d{1,5})?\/?)$/, says: 'DIRECT or an http://host:port apt proxy' },
};

/** Render "{{ name }}" placeholders; an unknown name is an error, never an empty string. */
export function renderTemplate(text: string, vars: Record<string, string>, where: string): string {
  return text.replace(/\{\{\s*([A-Za-z0-9_.]+)\s*\}\}/g, (_m, name: string) => {
    const v = vars[name];
    if (v === undefined) throw new RecipeError(`${where}: unknown template variable {{ ${name} }}`);
    return v;
  });
}

function render(value: unknown, vars: Record<string, string>, where: string): unknown {
  if (typeof value === 'string') return renderTemplate(value, vars, where);
  if (Array.isArray(value)) return value.map((v) => render(v, vars, where));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, render(v, vars, where)]));
  return value;
}

export function villageSlug(code: string): string {
  return code.replace(/\./g, '-');
}

export interface ResolveOptions {
  profile?: string;
  /** a package with reach: tunnel: its tunnel's settings (the `when: tunnel` steps and the tunnel.* variables) */
  tunnel?: TunnelVars;
}

/** What the tunnel steps render from (inventory/bastions.ts tunnelSettings, flattened). */
export interface TunnelVars {
  host: string;
  port: number;
  /** every port the device dials, in order (it falls back to the next; the one that last logged in goes first on the device) */
  ports: number[];
  user: string;
  socket: string;
  interval: number;
  count: number;
  /** the kiosk's TCP keepalive time (s; 0: off) and what its sysctl drop-in sets */
  tcp: number;
  tcpKernel: { time: number; intvl: number; probes: number };
  knownHosts: string;
}

/** The sentence for a profile the recipe does not have (the --profile flag's, checked before any device; a package's recipe_profile's, per device). */
export function noProfile(recipe: Recipe, name: string): string {
  return `recipe ${recipe.data.name} has no profile "${name}" (have: ${Object.keys(recipe.profiles).join(', ') || 'none'})`;
}

/** The layers that apply to one package, in order. */
export function layersFor(recipe: Recipe, pkg: Package, districtCode: string, opts: ResolveOptions): RecipeOverride[] {
  const layers: RecipeOverride[] = [];
  if (opts.profile) {
    const p = Object.hasOwn(recipe.profiles, opts.profile) ? recipe.profiles[opts.profile] : undefined;
    if (!p) throw new RecipeError(noProfile(recipe, opts.profile));
    layers.push(p);
  }
  const district = recipe.districts[districtCode];
  if (district) layers.push(district);
  const village = recipe.villages[pkg.village];
  if (village) layers.push(village);
  return layers;
}

/**
 * The recipe for one package: layers merged, variables rendered and checked, steps rendered.
 * Package vars are taken literally (never rendered), then checked against the rules.
 */
export function resolveRecipe(recipe: Recipe, pkg: Package, village: Village | undefined, opts: ResolveOptions = {}): ResolvedRecipe {
  const d = recipe.data;
  const districtCode = village?.districtCode ?? pkg.village.split('.').slice(0, 3).join('.');
  // a lab device (tag "lab") gets the lab profile when the recipe has one and nothing else is asked
  const profile = opts.profile ?? pkg.vars?.recipe_profile ?? (pkg.tags.includes('lab') && recipe.profiles.lab ? 'lab' : undefined);
  const layers = layersFor(recipe, pkg, districtCode, { profile });
  let packages = [...d.packages];
  let remove = [...d.packages_remove];
  let debs = [...d.debs];
  const disabled = new Set<string>();
  const rawVars: Record<string, string> = { ...d.vars };
  for (const l of layers) {
    Object.assign(rawVars, l.vars ?? {});
    if (l.packages) packages = [...l.packages];
    if (l.packages_add) packages.push(...l.packages_add.filter((p) => !packages.includes(p)));
    if (l.packages_remove) remove = [...l.packages_remove];
    if (l.debs) debs = [...l.debs];
    for (const s of l.disable ?? []) disabled.add(s);
  }
  const builtins: Record<string, string> = {
    'package.id': pkg.id,
    'village.code': pkg.village,
    'village.slug': villageSlug(pkg.village),
    'village.name': village?.name ?? pkg.village,
    'district.code': districtCode,
    'district.name': village?.district ?? districtCode,
    'recipe.name': d.name,
    'recipe.version': d.version,
  };
  if (opts.tunnel) {
    const t = opts.tunnel;
    Object.assign(builtins, {
      'tunnel.host': t.host,
      'tunnel.port': String(t.port),
      // the dialing order, space-separated for the device's jfleet-tunnel program (a sh word list)
      'tunnel.ports': t.ports.join(' '),
      'tunnel.user': t.user,
      'tunnel.socket': t.socket,
      'tunnel.alive_interval': String(t.interval),
      'tunnel.alive_count': String(t.count),
      // the carrier's NAT binding kept by the kernel's TCP keepalive (the sysctl drop-in), or off with tcp: 0
      'tunnel.tcp_keepalive': t.tcp > 0 ? 'yes' : 'no',
      'tunnel.tcp_keepalive_time': String(t.tcpKernel.time),
      'tunnel.tcp_keepalive_intvl': String(t.tcpKernel.intvl),
      'tunnel.tcp_keepalive_probes': String(t.tcpKernel.probes),
      'tunnel.known_hosts': t.knownHosts,
      // a fixed spread per device (0-30 s) before each start, so a fleet coming back after an outage does not stampede
      'tunnel.jitter': String([...pkg.id].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7) % 31),
    });
  }
  const vars: Record<string, string> = { ...builtins };
  for (const [k, v] of Object.entries(rawVars)) vars[k] = renderTemplate(v, vars, `recipe vars.${k}`);
  for (const [k, v] of Object.entries(pkg.vars ?? {})) vars[k] = v;
  for (const [k, rule] of Object.entries(d.rules)) {
    const v = vars[k];
    const r = RULES[rule];
    if (v === undefined) throw new RecipeError(`variable ${k} is not set`);
    if (!r.re.test(v))
      throw new RecipeError(
        `variable ${k} = ${JSON.stringify(v)} must be ${r.says}${pkg.vars && k in pkg.vars ? ` (from the inventory entry of ${pkg.id})` : ''}`,
      );
  }
  // every URL variable also gives its origin (scheme://host[:port]), e.g. for browser policy
  for (const [k, rule] of Object.entries(d.rules)) {
    if (rule !== 'url' && rule !== 'secureurl') continue;
    try {
      vars[`${k}.origin`] = new URL(vars[k]!).origin;
    } catch {
      throw new RecipeError(`variable ${k} = ${JSON.stringify(vars[k])} is not a URL`);
    }
  }
  const steps: ResolvedStep[] = [];
  for (const s of d.steps) {
    if (disabled.has(s.id)) continue;
    // the tunnel's steps belong to tunnelled packages only (a direct package's plan does not show them)
    if (s.when === 'tunnel' && !opts.tunnel) continue;
    let desired: Record<string, unknown> = render(s.with, vars, `step ${s.id}`) as Record<string, unknown>;
    if (s.kind === 'apt' && desired.packages === undefined) desired = { ...desired, packages, remove: remove.filter((p) => !packages.includes(p)) };
    if (s.kind === 'deb' && desired.debs === undefined) {
      desired = {
        ...desired,
        debs: debs.map((x) => {
          const data = recipe.debFiles[x.file];
          if (!data) throw new RecipeError(`step ${s.id}: .deb file ${x.file} was not loaded`);
          return { name: x.name, version: x.version, file: x.file.slice(x.file.lastIndexOf('/') + 1), data };
        }),
      };
    }
    if (s.kind === 'file' && typeof desired.source === 'string') {
      const src = desired.source;
      const text = recipe.files[src];
      if (text === undefined) throw new RecipeError(`step ${s.id}: file ${src} was not loaded`);
      const { source: _s, ...rest } = desired;
      desired = { owner: 'root', group: 'root', ...rest, content: renderTemplate(text, vars, src) };
    }
    if (s.kind === 'release-base' && desired.files && typeof desired.files === 'object') {
      const files: Record<string, string> = {};
      for (const [rel, src] of Object.entries(desired.files as Record<string, string>)) {
        const text = recipe.files[src];
        if (text === undefined) throw new RecipeError(`step ${s.id}: file ${src} was not loaded`);
        files[rel] = renderTemplate(text, vars, src);
      }
      desired = { ...desired, files };
    }
    steps.push({ id: s.id, title: s.title, kind: s.kind, when: s.when, desired });
  }
  return { name: d.name, version: d.version, vars, steps, handlers: d.handlers };
}

/** File names a recipe's steps and layers refer to, so the loader knows what to read. */
export function referencedFiles(data: RecipeData): string[] {
  const out = new Set<string>();
  for (const s of data.steps) {
    if (typeof s.with.source === 'string') out.add(s.with.source);
    if (s.with.files && typeof s.with.files === 'object')
      for (const v of Object.values(s.with.files as Record<string, unknown>)) if (typeof v === 'string') out.add(v);
  }
  return [...out];
}
