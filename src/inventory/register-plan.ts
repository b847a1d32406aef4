/**
 * Planning a registration (from flags, the wizard, or CSV rows): resolve the village, validate
 * every field, match rows to packages already registered (so importing the same file twice
 * changes nothing), check uniqueness, and generate ids. Pure: no I/O.
 */
import type { InputIssue } from '../errors.js';
import type { Bastion } from './bastions.js';
import { packageSchema, type Package } from './schema.js';
import { issueMessage } from '../errors.js';
import { normalizeName } from './selector.js';
import type { Village, VillageReference } from './villages.js';
import { distance } from 'fastest-levenshtein';

/** The registration fields; also the CSV header names and (with "--", "_" → "-") the flags. */
export const REG_FIELDS = [
  'id',
  'village',
  'address',
  'port',
  'user',
  'serial',
  'mac',
  'model',
  'tags',
  'jump',
  'reach',
  'bastion',
  'custodian_name',
  'custodian_phone',
] as const;
export type RegField = (typeof REG_FIELDS)[number];
export const REQUIRED_FIELDS: RegField[] = ['village', 'address'];

export type RegValues = Partial<Record<RegField, string>>;

export interface RegistrationRow {
  /** line in the source file (CSV), when there is one */
  line?: number;
  values: RegValues;
}

export interface PlanOptions {
  ref: VillageReference;
  now: Date;
  /** where rows come from: a CSV path, or undefined for flags/wizard */
  file?: string;
  /** how a field is named to the user: "mac" in a CSV, "--mac" for flags */
  label?: (f: RegField) => string;
  /**
   * The bastions a row with reach/bastion may name (bastions.yaml beside packages.yaml): the
   * file's path for messages and its bastions, or list null when the file does not exist.
   * Left out: no bastions.yaml.
   */
  bastions?: BastionChoice;
}

export interface BastionChoice {
  file: string;
  list: Bastion[] | null;
}

export interface RowOutcome {
  row: RegistrationRow;
  status: 'add' | 'unchanged' | 'invalid';
  pkg?: Package;
  /** for unchanged: the id of the package the row already is */
  existingId?: string;
  issues: InputIssue[];
}

export interface RegistrationPlan {
  outcomes: RowOutcome[];
  /** existing packages followed by the added ones, in row order */
  packages: Package[];
  issues: InputIssue[];
}

export const flagLabel = (f: RegField) => `--${f.replace(/_/g, '-')}`;
export const csvLabel = (f: RegField) => f;

// zod path of a package → the registration field it came from
const PATH_TO_FIELD: Record<string, RegField> = {
  id: 'id',
  village: 'village',
  address: 'address',
  port: 'port',
  user: 'user',
  'hardware.serial': 'serial',
  'hardware.mac': 'mac',
  'hardware.model': 'model',
  tags: 'tags',
  jump: 'jump',
  reach: 'reach',
  bastion: 'bastion',
  'custodian.name': 'custodian_name',
  'custodian.phone': 'custodian_phone',
};

const CONTROL_RE = /[\u0000-\u001f\u007f]/;

export function splitTags(v: string | undefined): string[] {
  if (v === undefined) return [];
  return v
    .split(/[;|,\s]+/)
    .map((t) => t.trim())
    .filter(Boolean);
}

/** A village from a code (35.09.13.2006) or a unique name; else an error message with suggestions. */
export function resolveVillage(ref: VillageReference, input: string): { village?: Village; message?: string } {
  const v = input.trim();
  if (/^[0-9.]+$/.test(v)) {
    const hit = ref.byCode.get(v);
    if (hit) return { village: hit };
    if (!/^35\.09\.\d{2}\.\d{4}$/.test(v)) return { message: `"${v}" is not a Kemendagri village code like 35.09.13.2006` };
    return { message: `unknown village code ${v} (find codes with: jfleet villages NAME)` };
  }
  const n = normalizeName(v);
  const exact = ref.villages.filter((x) => normalizeName(x.name) === n || normalizeName(`${x.name} ${x.district}`) === n);
  if (exact.length === 1) return { village: exact[0] };
  if (exact.length > 1) {
    return { message: `village name "${v}" is ambiguous: ${exact.map((x) => `${x.code} (${x.district})`).join(', ')}; use the code` };
  }
  const near = ref.villages
    .map((x) => ({ x, d: distance(normalizeName(x.name), n) }))
    .filter((c) => c.d <= 2)
    .sort((a, b) => a.d - b.d)
    .slice(0, 3);
  const hint = near.length ? ` (did you mean ${near.map((c) => `${c.x.name} ${c.x.code}`).join(', ')}?)` : ' (see: jfleet villages)';
  return { message: `unknown village "${v}"${hint}` };
}

export function slug(s: string): string {
  const out = s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return out || 'kiosk';
}

/** "<village>-<n>", or "<district>-<village>-<n>" when the village name exists in several districts. */
export function generateId(ref: VillageReference, village: Village, taken: Set<string>): string {
  const base = idBase(ref, village);
  // resume at the last number handed out from this set for this base: ids are only ever added
  // to `taken`, so a row never rescans every id before it (linear, not quadratic)
  let next = nextNumber.get(taken);
  if (!next) nextNumber.set(taken, (next = new Map()));
  for (let n = next.get(base) ?? 1; ; n++) {
    const id = `${base}-${n}`;
    if (!taken.has(id)) {
      // the caller may not take it (a row that clashes): the next call starts here again
      next.set(base, n);
      return id;
    }
  }
}

const nextNumber = new WeakMap<Set<string>, Map<string, number>>();
const sharedNames = new WeakMap<VillageReference, Map<string, number>>();

function idBase(ref: VillageReference, village: Village): string {
  let counts = sharedNames.get(ref);
  if (!counts) {
    counts = new Map();
    for (const x of ref.villages) counts.set(normalizeName(x.name), (counts.get(normalizeName(x.name)) ?? 0) + 1);
    sharedNames.set(ref, counts);
  }
  const shared = (counts.get(normalizeName(village.name)) ?? 0) > 1;
  return shared ? `${slug(village.district)}-${slug(village.name)}` : slug(village.name);
}

/** The package a row describes (id may be a placeholder), or the issues that stop it. */
export function rowToCandidate(row: RegistrationRow, opts: PlanOptions): { pkg?: Package; village?: Village; issues: InputIssue[] } {
  const label = opts.label ?? csvLabel;
  const at = (field: RegField, message: string): InputIssue => ({ file: opts.file, line: row.line, field: label(field), message });
  const issues: InputIssue[] = [];
  const v: RegValues = {};
  for (const f of REG_FIELDS) {
    const raw = row.values[f];
    if (raw === undefined) continue;
    if (CONTROL_RE.test(raw)) {
      issues.push(at(f, 'must not contain control characters'));
      continue;
    }
    const t = raw.trim();
    if (t !== '') v[f] = t;
  }
  for (const f of REQUIRED_FIELDS) if (v[f] === undefined && !issues.some((i) => i.field === label(f))) issues.push(at(f, 'is required'));
  let village: Village | undefined;
  if (v.village !== undefined) {
    const r = resolveVillage(opts.ref, v.village);
    if (r.village) village = r.village;
    else issues.push(at('village', r.message!));
  }
  const route = reachOf(v, opts.bastions ?? { file: 'bastions.yaml', list: null });
  for (const [field, message] of route.issues) issues.push(at(field, message));
  if (issues.length) return { issues };
  const candidate: Record<string, unknown> = {
    id: v.id ?? 'placeholder',
    village: village!.code,
    address: v.address,
    port: v.port,
    user: v.user,
    hardware: { serial: v.serial, mac: v.mac, model: v.model },
    tags: splitTags(v.tags),
    jump: v.jump,
    reach: route.bastion ? 'tunnel' : undefined,
    bastion: route.bastion,
    custodian: v.custodian_name || v.custodian_phone ? { name: v.custodian_name, phone: v.custodian_phone } : undefined,
    registeredAt: opts.now.toISOString(),
  };
  const parsed = packageSchema.safeParse(candidate);
  if (!parsed.success) {
    for (const iss of parsed.error.issues) {
      const path = iss.path.filter((p) => typeof p === 'string').join('.');
      const field = PATH_TO_FIELD[path] ?? PATH_TO_FIELD[String(iss.path[0])] ?? (path as RegField);
      const value = iss.path[0] === 'tags' && typeof iss.path[1] === 'number' ? ` ("${splitTags(v.tags)[iss.path[1]]}")` : '';
      issues.push(at(field, issueMessage(iss) + value));
    }
    return { issues };
  }
  return { pkg: parsed.data, village, issues };
}

/**
 * How a row's package is reached: direct (the default, not written), or tunnel through a bastion
 * of bastions.yaml. A bastion alone means tunnel; tunnel without one takes the only bastion there
 * is. The same rules the inventory loader holds a tunnelled package to (reachIssues).
 */
export function reachOf(v: RegValues, bastions: BastionChoice): { bastion?: string; issues: Array<[RegField, string]> } {
  const issues: Array<[RegField, string]> = [];
  const reach = v.reach?.toLowerCase();
  if (reach !== undefined && reach !== 'direct' && reach !== 'tunnel') return { issues: [['reach', 'must be direct or tunnel']] };
  if (reach === 'direct' || (reach === undefined && v.bastion === undefined)) {
    if (v.bastion !== undefined) issues.push(['bastion', 'bastion is used only with reach: tunnel']);
    return { issues };
  }
  const ids = (bastions.list ?? []).map((b) => b.id);
  let bastion = v.bastion;
  if (bastion === undefined) {
    if (ids.length === 1) bastion = ids[0];
    else if (bastions.list === null) issues.push(['bastion', `reach: tunnel needs a bastion, and ${bastions.file} does not exist (docs/reach.md)`]);
    else if (ids.length === 0) issues.push(['bastion', `reach: tunnel needs a bastion, and ${bastions.file} defines none (docs/reach.md)`]);
    else issues.push(['bastion', `reach: tunnel needs a bastion: ${bastions.file} defines several (${ids.join(', ')}); name one`]);
  } else if (!ids.includes(bastion)) {
    issues.push([
      'bastion',
      bastions.list === null
        ? `bastion "${bastion}" is not defined: ${bastions.file} does not exist`
        : `unknown bastion "${bastion}" (${bastions.file} defines: ${ids.join(', ') || 'none'})`,
    ]);
  }
  if (v.jump !== undefined) issues.push(['jump', 'a tunnelled package is reached through its bastion, not a jump host: remove jump or set reach: direct']);
  return issues.length ? { issues } : { bastion, issues };
}

/** Fields the row gave that differ from the package already registered. */
function differences(values: RegValues, pkg: Package, cand: Package): string[] {
  const out: string[] = [];
  const row: RegValues = {};
  for (const [k, v] of Object.entries(values) as Array<[RegField, string | undefined]>) if (v !== undefined && v.trim() !== '') row[k] = v;
  const cmp = (given: unknown, name: string, a: unknown, b: unknown) => {
    if (given !== undefined && JSON.stringify(a) !== JSON.stringify(b)) out.push(name);
  };
  cmp(row.village, 'village', cand.village, pkg.village);
  cmp(row.address, 'address', cand.address.toLowerCase(), pkg.address.toLowerCase());
  cmp(row.port, 'port', cand.port, pkg.port);
  cmp(row.user, 'user', cand.user, pkg.user);
  cmp(row.serial, 'serial', cand.hardware.serial, pkg.hardware.serial);
  cmp(row.mac, 'mac', cand.hardware.mac, pkg.hardware.mac);
  cmp(row.model, 'model', cand.hardware.model, pkg.hardware.model);
  cmp(row.tags, 'tags', [...cand.tags].sort(), [...pkg.tags].sort());
  cmp(row.jump, 'jump', cand.jump, pkg.jump);
  cmp(row.reach, 'reach', cand.reach ?? 'direct', pkg.reach ?? 'direct');
  // a bastion the row named, or the only one its reach: tunnel took
  cmp(row.bastion ?? row.reach, 'bastion', cand.bastion, pkg.bastion);
  return out;
}

/**
 * Plans registering rows on top of the existing packages. A row that names (by id, else by
 * address:port) a package already registered with the same values is "unchanged"; with other
 * values it is an error (jfleet never silently overwrites a package).
 */
export function planRegistrations(existing: Package[], rows: RegistrationRow[], opts: PlanOptions): RegistrationPlan {
  const label = opts.label ?? csvLabel;
  const byId = new Map(existing.map((p) => [p.id, p]));
  const byAddr = new Map(existing.map((p) => [`${p.address.toLowerCase()}:${p.port}`, p]));
  const claimed = new Map<string, { line?: number; id?: string }>(); // uniqueness key → who holds it
  for (const p of existing) {
    for (const k of uniqueKeys(p)) claimed.set(k, { id: p.id });
  }
  const taken = new Set(existing.map((p) => p.id));
  const outcomes: RowOutcome[] = [];
  const added: Package[] = [];
  const seenInFile = new Map<string, number | undefined>();

  for (const row of rows) {
    const at = (field: RegField, message: string): InputIssue => ({ file: opts.file, line: row.line, field: label(field), message });
    const { pkg, issues } = rowToCandidate(row, opts);
    if (!pkg) {
      outcomes.push({ row, status: 'invalid', issues });
      continue;
    }
    const givenId = row.values.id?.trim() ? pkg.id : undefined;
    const addrKey = `${pkg.address.toLowerCase()}:${pkg.port}`;
    // the same row twice in one file
    const rowKey = givenId ? `id:${givenId}` : `addr:${addrKey}`;
    if (seenInFile.has(rowKey)) {
      const prev = seenInFile.get(rowKey);
      outcomes.push({
        row,
        status: 'invalid',
        issues: [at(givenId ? 'id' : 'address', `duplicate of ${prev !== undefined ? `line ${prev}` : 'an earlier entry'}`)],
      });
      continue;
    }
    seenInFile.set(rowKey, row.line);

    const match = givenId ? byId.get(givenId) : byAddr.get(addrKey);
    if (match) {
      const diff = differences(row.values, match, pkg);
      if (diff.length === 0) {
        outcomes.push({ row, status: 'unchanged', existingId: match.id, issues: [] });
        continue;
      }
      outcomes.push({
        row,
        status: 'invalid',
        issues: [
          at(
            diff[0] as RegField,
            `package ${match.id} is already registered with a different ${diff.join(', ')}; remove it first (jfleet inventory remove ${match.id}) or edit packages.yaml`,
          ),
        ],
      });
      continue;
    }
    const id = givenId ?? generateId(opts.ref, opts.ref.byCode.get(pkg.village)!, taken);
    const full: Package = { ...pkg, id };
    const clash: InputIssue[] = [];
    for (const k of uniqueKeys(full)) {
      const holder = claimed.get(k);
      if (!holder) continue;
      const field = k.startsWith('id:') ? 'id' : k.startsWith('addr:') ? 'address' : k.startsWith('serial:') ? 'serial' : 'mac';
      const who =
        holder.id !== undefined && holder.line === undefined ? `package ${holder.id}` : holder.line !== undefined ? `line ${holder.line}` : 'an earlier entry';
      clash.push(at(field, `duplicate ${field === 'address' ? 'address:port' : field} ${k.slice(k.indexOf(':') + 1)} (already used by ${who})`));
    }
    if (clash.length) {
      outcomes.push({ row, status: 'invalid', issues: clash });
      continue;
    }
    for (const k of uniqueKeys(full)) claimed.set(k, { line: row.line, id });
    taken.add(id);
    added.push(full);
    outcomes.push({ row, status: 'add', pkg: full, issues: [] });
  }
  return { outcomes, packages: [...existing, ...added], issues: outcomes.flatMap((o) => o.issues) };
}

function uniqueKeys(p: Package): string[] {
  const keys = [`id:${p.id}`, `addr:${p.address.toLowerCase()}:${p.port}`];
  if (p.hardware.serial) keys.push(`serial:${p.hardware.serial}`);
  if (p.hardware.mac) keys.push(`mac:${p.hardware.mac}`);
  return keys;
}
