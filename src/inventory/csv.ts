/**
 * The bulk-import CSV: a header naming the register flags (id,village,address,port,user,serial,
 * mac,model,tags; only village and address required), one package per row. Parsing is pure;
 * every problem comes back located as file:line field.
 */
import { parse } from 'csv-parse/sync';
import type { InputIssue } from '../errors.js';
import { REG_FIELDS, REQUIRED_FIELDS, type RegField, type RegistrationRow } from './register-plan.js';

export interface CsvParse {
  header: RegField[];
  rows: Array<RegistrationRow & { raw: string[] }>;
  issues: InputIssue[];
}

/** The most package rows one CSV may hold (Jember has 248 villages). */
export const MAX_CSV_ROWS = 10_000;

export function parseRegistrationCsv(input: string, file: string): CsvParse {
  // the rejected file's first line (SEP_LINE) read past, its line kept so every line number holds
  const text = input.replace(/^(\uFEFF?)sep=,(?=\r?\n)/, '$1');
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    // header + MAX_CSV_ROWS + 1: enough to tell that a file has too many rows, and no more
    records = parse(text, {
      info: true,
      bom: true,
      to: MAX_CSV_ROWS + 2,
      skip_empty_lines: true,
      relax_column_count: true,
      comment: '#',
      comment_no_infix: true,
    }) as unknown as typeof records;
  } catch (e) {
    const err = e as Error & { lines?: number; code?: string };
    return { header: [], rows: [], issues: [{ file, line: err.lines, message: `CSV: ${csvParserMessage(err)}` }] };
  }
  if (records.length > MAX_CSV_ROWS + 1) {
    return {
      header: [],
      rows: [],
      issues: [{ file, line: records.at(-1)?.info.lines, message: `more than ${MAX_CSV_ROWS} rows: split the file (nothing was imported)` }],
    };
  }
  const [head, ...body] = records;
  if (!head)
    return {
      header: [],
      rows: [],
      issues: [{ file, line: 1, message: 'empty file: expected a header line such as id,village,address,port,user,serial,mac,model,tags' }],
    };
  const headerLine = head.info.lines;
  const header: RegField[] = [];
  const issues: InputIssue[] = [];
  // the columns of the file, in order; the rejected-rows file's own `error` column is read past, so
  // that file can be fixed and imported as it is
  const columns: Array<RegField | typeof ERROR_COLUMN> = [];
  head.record.forEach((h, i) => {
    const name = h.trim().toLowerCase().replace(/-/g, '_') as RegField;
    if (name === (ERROR_COLUMN as string) && !columns.includes(ERROR_COLUMN)) {
      columns.push(ERROR_COLUMN);
      return;
    }
    columns.push(name);
    if (!(REG_FIELDS as readonly string[]).includes(name)) {
      issues.push({ file, line: headerLine, field: `column ${i + 1}`, message: `unknown column "${h.slice(0, 40)}" (known: ${REG_FIELDS.join(', ')})` });
    } else if (header.includes(name)) {
      issues.push({ file, line: headerLine, field: name, message: 'column appears twice' });
    }
    header.push(name);
  });
  for (const f of REQUIRED_FIELDS)
    if (!header.includes(f)) issues.push({ file, line: headerLine, field: f, message: 'required column is missing from the header' });
  if (issues.length) return { header, rows: [], issues };

  const rows: CsvParse['rows'] = [];
  for (const { record, info } of body) {
    if (record.length !== columns.length) {
      issues.push({ file, line: info.lines, message: `expected ${columns.length} fields (${columns.join(',')}), found ${record.length}` });
      continue;
    }
    const values: RegistrationRow['values'] = {};
    const raw: string[] = [];
    columns.forEach((c, i) => {
      if (c === ERROR_COLUMN) return;
      const v = unguarded(record[i] ?? '');
      values[c] = v;
      raw.push(v);
    });
    rows.push({ line: info.lines, values, raw });
  }
  return { header, rows, issues };
}

/**
 * csv-parse's error as a sentence a technician can act on (its own, "Invalid Opening Quote: a
 * quote is found on field 0 at line 4, value is ...", counts fields from 0 and says no fix); one
 * the catalog has words for in each language (errors.csvParser). Others keep the library's text.
 */
function csvParserMessage(err: Error & { code?: string }): string {
  if (err.code === 'CSV_QUOTE_NOT_CLOSED')
    return 'a quote (") opened and never closed; a value with a quote in it goes in quotes, the quote doubled: "Bu ""Sari"""';
  if (err.code === 'INVALID_OPENING_QUOTE' || err.code === 'CSV_INVALID_OPENING_QUOTE') {
    const field = /on field (\d+)/.exec(err.message)?.[1];
    return `a quote (") inside column ${field === undefined ? '?' : Number(field) + 1}, whose value does not start with one; put the whole value in quotes and double the quote: "a ""b"""`;
  }
  if (err.code === 'CSV_INVALID_CLOSING_QUOTE')
    return 'text right after a closing quote ("); a quoted value ends at its quote, then a comma or the end of the line';
  return err.message.replace(/^Invalid [^:]*:\s*/, '').split('\n')[0] ?? err.message;
}

/**
 * The rejected file's first line: a spreadsheet set to a comma-decimal language (Indonesian Excel
 * splits on ";") would otherwise cut a value at a ";" and start a new cell there, past the '
 * guard below; with it every cell is the file's own. The importer reads past it.
 */
export const SEP_LINE = 'sep=,\n';

/** The column the rejected-rows file adds: why each row was refused. */
export const ERROR_COLUMN = 'error';

/**
 * A cell a spreadsheet would run as a formula (= + - @, a tab or CR first: OWASP's "CSV
 * injection") is written with a ' before it, which the importer takes off again: the rejected
 * file opens as text and imports back to the very value ("+62812…" stays a phone number).
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const unguarded = (v: string) => (v.startsWith("'") && FORMULA_START.test(v.slice(1)) ? v.slice(1) : v);

/** One CSV field, quoted when needed, a formula-looking one guarded (for the rejected-rows file). */
export function csvField(value: string): string {
  const v = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(v) || /^\s|\s$/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function csvLine(fields: string[]): string {
  return fields.map(csvField).join(',') + '\n';
}
