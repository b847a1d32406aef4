import { resolve } from 'node:path';
import { stringify } from 'yaml';
import type { Context } from '../../context.js';
import { CancelledError, InputError, UserError } from '../../errors.js';
import type { Translate } from '../../i18n/catalog.js';
import { issueText } from '../render/error-text.js';
import { printJson } from '../shared.js';
import { writeAtomic } from '../../atomic-file.js';
import { assertOutputs } from '../output-file.js';
import { askConfirm, askSearch, askSelect, askText, requireFlags } from '../prompts.js';
import { loadBastions, type Bastion } from '../../inventory/bastions.js';
import { csvLine, ERROR_COLUMN, parseRegistrationCsv, SEP_LINE } from '../../inventory/csv.js';
import { loadInventory } from '../../inventory/load.js';
import { resolveInventoryDir } from '../../inventory/paths.js';
import { csvLabel, flagLabel, generateId, REQUIRED_FIELDS, splitTags, type RegField, type RegValues, type RowOutcome } from '../../inventory/register-plan.js';
import { registerRows, type RegisterResult } from '../../inventory/registration.js';
import {
  addressSchema,
  macSchema,
  PACKAGE_ID_RE,
  portSchema,
  TAG_RE,
  userSchema,
  hardwareSchema,
  custodianSchema,
  type Package,
} from '../../inventory/schema.js';
import { rankVillages } from '../../inventory/search.js';
import { toPlain } from '../../inventory/store.js';
import { loadVillages, type VillageReference } from '../../inventory/villages.js';
import { readInputFile } from '../../input-file.js';

export interface RegisterOptions {
  inventory?: string;
  village?: string;
  address?: string;
  id?: string;
  port?: number;
  user?: string;
  serial?: string;
  mac?: string;
  model?: string;
  tag?: string[];
  jump?: string;
  reach?: string;
  bastion?: string;
  custodianName?: string;
  custodianPhone?: string;
  from?: string;
  skipInvalid?: boolean;
  rejected?: string;
  dryRun?: boolean;
  json?: boolean;
  yes?: boolean;
}

export async function registerCommand(ctx: Context, opts: RegisterOptions): Promise<void> {
  const dir = resolveInventoryDir(ctx, opts.inventory);
  if (opts.from) return importCsv(ctx, dir, opts);
  if (opts.skipInvalid || opts.rejected) throw new UserError(ctx.t('register.error.skipInvalidNeedsFrom'));

  const badTag = opts.tag?.find((t) => !TAG_RE.test(t));
  if (badTag !== undefined) {
    throw new InputError([{ field: '--tag', message: ctx.t('register.error.tagChars', { tag: badTag.replace(/[^\x20-\x7e]/g, '?') }) }], {
      hint: ctx.t('register.nothingWritten'),
    });
  }
  if (opts.reach !== undefined && !['direct', 'tunnel'].includes(opts.reach.trim().toLowerCase())) {
    // before the wizard asks anything: the planner would refuse it only after the summary
    throw new InputError([{ field: '--reach', message: ctx.t('errors.reach.directOrTunnel') }], { hint: ctx.t('register.nothingWritten') });
  }
  let values: RegValues = {
    id: opts.id,
    village: opts.village,
    address: opts.address,
    port: opts.port !== undefined ? String(opts.port) : undefined,
    user: opts.user,
    serial: opts.serial,
    mac: opts.mac,
    model: opts.model,
    tags: opts.tag?.join(','),
    jump: opts.jump,
    reach: opts.reach,
    bastion: opts.bastion,
    custodian_name: opts.custodianName,
    custodian_phone: opts.custodianPhone,
  };
  const missing = REQUIRED_FIELDS.filter((f) => !values[f]?.trim());
  if (missing.length) {
    requireFlags(ctx, missing.map(flagLabel), ctx.t('register.needsFlags'));
    values = await wizard(ctx, dir, values, Boolean(opts.yes));
  }
  const r = await registerRows({ dir, rows: [{ values }], label: flagLabel, now: ctx.clock.now(), dryRun: opts.dryRun });
  report(ctx, r, opts);
}

function report(ctx: Context, r: RegisterResult, opts: RegisterOptions) {
  const added = r.outcomes.filter((o) => o.status === 'add').map((o) => o.pkg!);
  const unchanged = r.outcomes.filter((o) => o.status === 'unchanged');
  if (opts.json) {
    printJson(ctx, {
      file: r.update.file,
      dryRun: Boolean(opts.dryRun),
      written: r.update.written,
      added: added.map((p) => publicView(p)),
      unchanged: unchanged.map((o) => ({ line: o.row.line, id: o.existingId })),
      rejected: r.rejected.map((o) => ({ line: o.row.line, issues: o.issues })),
    });
    return;
  }
  const ref = loadVillages();
  if (opts.dryRun) {
    const parts = [ctx.t('register.dryRun.wouldAdd', { count: added.length, file: r.update.file })];
    if (unchanged.length) parts.push(ctx.t('register.alreadyRegisteredCount', { count: unchanged.length }));
    if (r.rejected.length) parts.push(ctx.t('register.rejectedCount', { count: r.rejected.length }));
    ctx.stdout.write(`${parts.join(', ')}\n`);
    if (added.length) ctx.stdout.write(stringify({ packages: added.map((p) => publicView(p)) }, { lineWidth: 0 }));
    return;
  }
  for (const p of added) {
    const v = ref.byCode.get(p.village);
    const vars = { id: p.id, village: v?.name ?? p.village, district: v?.district ?? '', code: p.village, address: `${p.address}:${p.port}` };
    ctx.stdout.write(
      `${p.reach === 'tunnel' ? ctx.t('register.registeredTunnel', { ...vars, bastion: p.bastion ?? '' }) : ctx.t('register.registered', vars)}\n`,
    );
  }
  const [firstUnchanged] = unchanged;
  if (!opts.from && firstUnchanged) ctx.stdout.write(`${ctx.t('register.alreadyRegisteredAs', { id: firstUnchanged.existingId ?? '' })}\n`);
  if (opts.from) {
    ctx.stdout.write(
      `${r.update.file}: ${ctx.t('register.addedCount', { count: added.length })}, ${ctx.t('register.alreadyRegisteredCount', { count: unchanged.length })}, ${ctx.t('register.rejectedCount', { count: r.rejected.length })}\n`,
    );
  }
}

/** The package as shown on screen/JSON: custodian contact (personal data) left out. */
function publicView(p: Package): Record<string, unknown> {
  const plain = toPlain(p);
  delete plain.custodian;
  return plain;
}

async function importCsv(ctx: Context, dir: string, opts: RegisterOptions): Promise<void> {
  const file = resolve(ctx.cwd, opts.from!);
  const flagsGiven = [
    'village',
    'address',
    'id',
    'serial',
    'mac',
    'model',
    'tag',
    'jump',
    'reach',
    'bastion',
    'custodianName',
    'custodianPhone',
    'port',
    'user',
  ].filter((k) => (opts as Record<string, unknown>)[k] !== undefined);
  const [flag] = flagsGiven;
  if (flag !== undefined) throw new UserError(ctx.t('register.error.fromWithFlag', { flag: `--${flag.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}` }));
  // without --skip-invalid a bad row stops the import and nothing is rejected to a file: a --rejected
  // alone would be silently ignored
  if (opts.rejected !== undefined && !opts.skipInvalid) throw new UserError(ctx.t('register.error.rejectedNeedsSkipInvalid'));
  const rejectedFile = resolve(ctx.cwd, opts.rejected ?? file.replace(/\.csv$/i, '') + '.rejected.csv');
  // The rejected rows are written after the inventory: make sure they can be, and that they do
  // not land on the inventory, the CSV itself or jfleet's state, before anything is read or
  // changed (an explicit --rejected always; the default one once it is known rows are rejected).
  const guard = { inventory: opts.inventory, inputs: [{ path: file, what: ctx.t('register.csvBeingImported') }] };
  const assertRejected = () => assertOutputs(ctx, [{ flag: '--rejected', file: rejectedFile }], guard);
  if (opts.rejected) assertRejected();
  // a regular file of at most MAX_INPUT_BYTES (a FIFO or device is refused, not read for ever)
  const text = readInputFile(file);
  if (text === undefined) throw new UserError(ctx.t('register.error.noSuchFile', { file: opts.from ?? '' }));
  const shown = opts.from!;
  const csv = parseRegistrationCsv(text, shown);
  const rowIssues = csv.issues.filter((i) => i.line !== undefined && csv.header.length && i.field === undefined && /^expected \d+ fields/.test(i.message));
  const fatal = csv.issues.filter((i) => !rowIssues.includes(i));
  if (fatal.length) {
    throw new InputError(fatal, { hint: ctx.t('register.nothingWritten') });
  }
  const rawByLine = new Map<number, string[]>();
  for (const r of csv.rows) rawByLine.set(r.line!, r.raw);
  if (opts.skipInvalid && !opts.dryRun && !opts.rejected && (csv.issues.length || (await planOnly()).rejected.length)) assertRejected();
  function planOnly() {
    return registerRows({ dir, rows: csv.rows, file: shown, label: csvLabel, now: ctx.clock.now(), dryRun: true, skipInvalid: true });
  }
  const r = await registerRows({
    dir,
    rows: csv.rows,
    preRejected: rowIssues.map((i) => ({ row: { line: i.line, values: {} }, issues: [i] })),
    file: shown,
    label: csvLabel,
    now: ctx.clock.now(),
    dryRun: opts.dryRun,
    skipInvalid: opts.skipInvalid,
  });
  if (r.rejected.length && opts.skipInvalid) {
    const lines = text.split(/\r?\n/);
    let out = SEP_LINE + csvLine([...csv.header, ERROR_COLUMN]);
    for (const o of r.rejected) out += rejectedLine(ctx.t, o, csv.header, rawByLine, lines);
    if (!opts.dryRun) {
      writeAtomic(rejectedFile, out, { mode: 0o600, label: '--rejected' });
    }
    for (const o of r.rejected) for (const i of o.issues) ctx.stderr.write(`jfleet: ${ctx.t('register.rejectedLine', { issue: issueText(ctx.t, i) })}\n`);
    ctx.stderr.write(
      `jfleet: ${opts.dryRun ? ctx.t('register.rowsRejectedDryRun', { count: r.rejected.length }) : ctx.t('register.rowsRejectedWritten', { count: r.rejected.length, file: rejectedFile })}\n`,
    );
  }
  report(ctx, r, opts);
}

/** A refused row as it was, and why in the run's language (the column names stay the file's). */
function rejectedLine(t: Translate, o: RowOutcome, header: RegField[], rawByLine: Map<number, string[]>, lines: string[]): string {
  const msg = o.issues.map((i) => `${i.field ? i.field + ': ' : ''}${t.phrase(i.message)}`).join('; ');
  const raw = o.row.line !== undefined ? rawByLine.get(o.row.line) : undefined;
  if (raw) return csvLine([...raw, msg]);
  // a row the reader could not split into the header's columns: keep its text in the first column
  const text = o.row.line !== undefined ? (lines[o.row.line - 1] ?? '') : '';
  return csvLine([text, ...header.slice(1).map(() => ''), msg]);
}

// ---------------------------------------------------------------- the wizard

type Schema = { safeParse(v: unknown): { success: boolean; error?: { issues: Array<{ message: string }> } } };

/** A wizard answer checked by the inventory's own schema, its complaint in the run's language. */
const checker =
  (ctx: Context) =>
  (schema: Schema, v: string): true | string => {
    const r = schema.safeParse(v);
    return r.success ? true : ctx.t.phrase(r.error?.issues[0]?.message ?? ctx.t('errors.config.invalidValue'));
  };

async function wizard(ctx: Context, dir: string, given: RegValues, yes: boolean): Promise<RegValues> {
  const ref = loadVillages();
  const inv = loadInventory(dir, ref);
  if (inv.issues.length) {
    throw new InputError(inv.issues, { hint: ctx.t('register.wizard.fixInventoryFirst') });
  }
  // bastions.yaml beside packages.yaml: with at least one bastion, the wizard asks how the package
  // is reached. A broken one is refused (located) rather than read as "no bastion": not asking
  // would register a kiosk behind carrier NAT as direct without a word.
  const bastions = loadBastions(dir);
  if (bastions.issues.length) throw new InputError(bastions.issues, { hint: ctx.t('register.nothingWritten') });
  const check = checker(ctx);
  const t = ctx.t;
  const existing = inv.packages;
  const v: RegValues = { ...given };
  ctx.stdout.write(`${t('register.wizard.intro')}\n`);

  if (!v.village) {
    v.village = await askSearch(ctx, {
      message: t('register.wizard.village'),
      source: (term) =>
        rankVillages(ref, term, 12).map((x) => ({
          value: x.code,
          name: `${x.name}, ${x.district} (${x.code})`,
          description: `${t(x.kind === 'kelurahan' ? 'register.wizard.kelurahan' : 'register.wizard.desa')} ${x.code}`,
        })),
    });
  }
  const village = ref.byCode.get(v.village) ?? ref.villages.find((x) => x.name.toLowerCase() === v.village!.toLowerCase());

  const used = (pred: (p: Package) => boolean) => existing.find(pred);
  if (!v.address) {
    v.address = await askText(ctx, {
      message: t('register.wizard.address'),
      validate: (s) => {
        const c = check(addressSchema, s);
        if (c !== true) return c;
        if (/[^\x20-\x7e]/.test(s)) return t('register.wizard.plainAscii');
        return true;
      },
    });
  }
  if (v.port === undefined)
    v.port = await askText(ctx, {
      message: t('register.wizard.port'),
      default: '22',
      validate: (s) => {
        const c = check(portSchema, s);
        if (c !== true) return c;
        const clash = used((p) => p.address.toLowerCase() === v.address!.toLowerCase() && p.port === Number(s));
        return clash ? t('register.wizard.addressTaken', { address: `${v.address}:${s}`, id: clash.id }) : true;
      },
    });
  if (v.user === undefined) v.user = await askText(ctx, { message: t('register.wizard.user'), default: 'root', validate: (s) => check(userSchema, s) });
  await askReach(ctx, v, bastions.bastions);
  const optional =
    (schema: Schema, uniq?: (s: string) => Package | undefined, what = '') =>
    (s: string) => {
      if (s.trim() === '') return true;
      const c = check(schema, s.trim());
      if (c !== true) return c;
      const clash = uniq?.(s.trim());
      return clash ? t('register.wizard.belongsTo', { what, id: clash.id }) : true;
    };
  if (v.serial === undefined) {
    v.serial = await askText(ctx, {
      message: t('register.wizard.serial'),
      validate: optional(hardwareSchema.shape.serial, (s) => used((p) => p.hardware.serial === s), t('register.wizard.thisSerial')),
    });
  }
  if (v.mac === undefined) {
    v.mac = await askText(ctx, {
      message: t('register.wizard.mac'),
      validate: optional(macSchema, (s) => used((p) => p.hardware.mac === s.toLowerCase().replace(/-/g, ':')), t('register.wizard.thisMac')),
    });
  }
  if (v.model === undefined) v.model = await askText(ctx, { message: t('register.wizard.model'), validate: optional(hardwareSchema.shape.model) });
  if (v.tags === undefined) {
    v.tags = await askText(ctx, {
      message: t('register.wizard.tags'),
      validate: (s) => {
        const bad = splitTags(s).find((t) => !TAG_RE.test(t));
        return bad ? t('register.wizard.tagChars', { tag: bad }) : true;
      },
    });
  }
  if (!v.id) {
    const suggested = village ? generateId(ref, village, new Set(existing.map((p) => p.id))) : undefined;
    v.id = await askText(ctx, {
      message: t('register.wizard.id'),
      default: suggested,
      validate: (s) => {
        if (!PACKAGE_ID_RE.test(s)) return t('register.wizard.idChars');
        const clash = used((p) => p.id === s);
        return clash ? t('register.wizard.idTaken', { id: s }) : true;
      },
    });
  }
  if (v.custodian_name === undefined && v.custodian_phone === undefined) {
    ctx.stdout.write(`${t('register.wizard.custodianNote')}\n`);
    v.custodian_name = await askText(ctx, { message: t('register.wizard.custodianName'), validate: optional(custodianSchema.shape.name) });
    v.custodian_phone = await askText(ctx, { message: t('register.wizard.custodianPhone'), validate: optional(custodianSchema.shape.phone) });
  }
  for (const k of Object.keys(v) as RegField[]) if (v[k] !== undefined && v[k]!.trim() === '') delete v[k];

  ctx.stdout.write(summary(ctx, ref, v));
  if (!yes && !(await askConfirm(ctx, { message: t('register.wizard.confirm'), default: true })))
    throw new CancelledError(t('register.cancelledNothingWritten'));
  return v;
}

/**
 * How the package is reached, asked only when bastions.yaml defines a bastion: direct (the
 * default) or through one of them. Its flag twins are --reach and --bastion; a --jump host means
 * direct, so nothing is asked then. `--reach tunnel` with several bastions asks which one.
 */
async function askReach(ctx: Context, v: RegValues, bastions: Bastion[]): Promise<void> {
  const t = ctx.t;
  if (bastions.length === 0 || v.bastion !== undefined || v.jump !== undefined) return;
  const through = bastions.map((b) => ({
    value: b.id,
    name: t('register.wizard.reachTunnel', { bastion: b.id }),
    description: t('register.wizard.reachTunnelHelp', { address: b.address }),
  }));
  if (v.reach === undefined) {
    // '' is direct: a bastion id is never empty
    const direct = { value: '', name: t('register.wizard.reachDirect'), description: t('register.wizard.reachDirectHelp') };
    const answer = await askSelect(ctx, { message: t('register.wizard.reach'), choices: [direct, ...through], default: '' });
    Object.assign(v, answer ? { reach: 'tunnel', bastion: answer } : { reach: 'direct' });
  } else if (v.reach.trim().toLowerCase() === 'tunnel') {
    v.bastion = bastions.length === 1 ? bastions[0]!.id : await askSelect(ctx, { message: t('register.wizard.whichBastion'), choices: through });
  }
}

function summary(ctx: Context, ref: VillageReference, v: RegValues): string {
  const t = ctx.t;
  const village = ref.byCode.get(v.village ?? '');
  const rows: Array<[string, string | undefined]> = [
    [t('register.summary.id'), v.id],
    [t('register.summary.village'), village ? `${village.name}, ${village.district} (${village.code})` : v.village],
    [t('register.summary.address'), `${v.address}:${v.port ?? 22}`],
    [t('register.summary.user'), v.user ?? 'root'],
    [t('register.summary.serial'), v.serial],
    [t('register.summary.mac'), v.mac],
    [t('register.summary.model'), v.model],
    [t('register.summary.tags'), v.tags],
    [t('register.summary.reach'), reachSummary(ctx, v)],
    [t('register.summary.custodian'), v.custodian_name || v.custodian_phone ? [v.custodian_name, v.custodian_phone].filter(Boolean).join(', ') : undefined],
  ];
  return (
    `\n${t('register.summary.title')}\n` +
    rows
      .filter(([, x]) => x)
      .map(([k, x]) => `  ${k.padEnd(10)} ${x}`)
      .join('\n') +
    '\n\n'
  );
}

/** The summary's reach line: said only when the package is not simply direct by default. */
function reachSummary(ctx: Context, v: RegValues): string | undefined {
  const reach = v.reach?.trim().toLowerCase();
  if (v.bastion) return ctx.t('register.summary.reachTunnel', { bastion: v.bastion });
  if (reach === 'tunnel') return ctx.t('register.summary.reachTunnelNoBastion');
  if (reach === 'direct') return ctx.t('register.summary.reachDirect');
  return undefined;
}
