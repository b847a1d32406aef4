/**
 * Registering packages into the inventory (flags, wizard or CSV rows): the plan is made under
 * the inventory lock against the current file, so concurrent registrations both land and ids
 * never collide. Nothing is written if any row is bad, unless skipInvalid.
 */
import type { InputIssue } from '../errors.js';
import { InputError } from '../errors.js';
import { loadBastions } from './bastions.js';
import { planRegistrations, type BastionChoice, type PlanOptions, type RegistrationRow, type RowOutcome } from './register-plan.js';
import { applyInventoryUpdate, type UpdateResult } from './store.js';
import { loadVillages } from './villages.js';

/** the id-safe form of a village name ("Rambipuji" -> "rambipuji"), as registration makes ids */
export { slug } from './register-plan.js';

export interface RegisterRequest {
  dir: string;
  rows: RegistrationRow[];
  /** rows the reader already rejected (e.g. wrong column count), reported with the others */
  preRejected?: Array<{ row: RegistrationRow; issues: InputIssue[] }>;
  file?: string;
  label?: PlanOptions['label'];
  now: Date;
  dryRun?: boolean;
  skipInvalid?: boolean;
}

export interface RegisterResult {
  update: UpdateResult;
  outcomes: RowOutcome[];
  rejected: RowOutcome[];
}

const byLine = (a: InputIssue, b: InputIssue) => (a.line ?? 0) - (b.line ?? 0);

export async function registerRows(req: RegisterRequest): Promise<RegisterResult> {
  const ref = loadVillages();
  let outcomes: RowOutcome[] = [];
  const pre: RowOutcome[] = (req.preRejected ?? []).map((r) => ({ row: r.row, status: 'invalid', issues: r.issues }));
  const update = await applyInventoryUpdate(
    req.dir,
    (existing) => {
      const bastions = rowsBastions(req);
      const plan = planRegistrations(existing, req.rows, { ref, now: req.now, file: req.file, label: req.label, bastions });
      outcomes = plan.outcomes;
      const issues = [...pre.flatMap((o) => o.issues), ...plan.issues].sort(byLine);
      if (issues.length && !req.skipInvalid) {
        throw new InputError(issues, {
          hint: req.file ? 'fix the rows above (or pass --skip-invalid to import the good ones); nothing was written' : 'nothing was written',
        });
      }
      return plan.packages;
    },
    { dryRun: req.dryRun, ref },
  );
  const all = [...pre, ...outcomes].sort((a, b) => (a.row.line ?? 0) - (b.row.line ?? 0));
  return { update, outcomes: all, rejected: all.filter((o) => o.status === 'invalid') };
}

/**
 * bastions.yaml, read (under the inventory lock, beside packages.yaml) only when a row says how
 * it is reached: a broken bastions.yaml stops nothing else, like the loader. Its own problems
 * stop the registration, located in that file.
 */
function rowsBastions(req: RegisterRequest): BastionChoice | undefined {
  if (!req.rows.some((r) => r.values.reach?.trim() || r.values.bastion?.trim())) return undefined;
  const b = loadBastions(req.dir);
  if (b.issues.length) throw new InputError(b.issues, { hint: 'nothing was written' });
  return { file: b.file, list: b.exists ? b.bastions : null };
}
