/**
 * What a fleet command's per-device outcome is, and how `jfleet exec` shows it. Pure: turns
 * settled results into statuses, prefixed output lines and a recap; prints nothing itself.
 */
import type { ExecResult } from './types.js';
import { TransportError } from './types.js';
import { quote } from './shell.js';
import { InputError, type InputIssue } from '../errors.js';

/** cancelled: Ctrl-C stopped the command (or kept it from starting) on this device: not its fault */
export type DeviceOutcome = 'ok' | 'failed' | 'unreachable' | 'auth' | 'hostkey' | 'timeout' | 'protocol' | 'error' | 'cancelled';

export const OUTCOME_LABEL: Record<DeviceOutcome, string> = {
  ok: 'ok',
  failed: 'failed',
  unreachable: 'unreachable',
  auth: 'auth failed',
  hostkey: 'hostkey',
  timeout: 'timed out',
  protocol: 'protocol error',
  error: 'error',
  cancelled: 'cancelled',
};

export interface DeviceResult {
  id: string;
  status: DeviceOutcome;
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** why the device could not run the command (connect/auth/hostkey/timeout), or null */
  error: string | null;
  durationMs: number;
}

/** describe words a failure for the operator (the CLI's failureText); default the error's message */
export function outcomeOf(
  r: { ok: true; value: ExecResult } | { ok: false; error: unknown },
  describe: (e: unknown) => string = (e) => (e instanceof Error ? e.message : String(e)),
): { status: DeviceOutcome; error: string | null } {
  if (r.ok) {
    const ok = r.value.exitCode === 0;
    return { status: ok ? 'ok' : 'failed', error: null };
  }
  const e = r.error;
  return { status: e instanceof TransportError ? e.kind : 'error', error: describe(e) };
}

/** Each output line prefixed by the device id: "id | line" (stderr lines "id ! line"). */
export function prefixLines(id: string, text: string, mark = '|'): string[] {
  if (!text) return [];
  const lines = text.replace(/\n$/, '').split('\n');
  return lines.map((l) => `${id} ${mark} ${l}`);
}

export function summarize(results: DeviceResult[]): Record<DeviceOutcome, number> & { total: number } {
  const s = { total: results.length, ok: 0, failed: 0, unreachable: 0, auth: 0, hostkey: 0, timeout: 0, protocol: 0, error: 0, cancelled: 0 };
  for (const r of results) s[r.status]++;
  return s;
}

/**
 * The words of the recap and the progress line: English here; the CLI hands in its catalog's
 * (transport stays closed: it names no catalog, it only takes the words).
 */
export interface RecapWords {
  label(o: DeviceOutcome): string;
  head(total: number, parts: string): string;
  killedBy(signal: string): string;
  exit(code: string): string;
  progress(done: number, total: number, ok: number, failures: number): string;
}

export const ENGLISH_RECAP: RecapWords = {
  label: (o) => OUTCOME_LABEL[o],
  head: (total, parts) => `recap: ${total} ${total === 1 ? 'device' : 'devices'}: ${parts}`,
  killedBy: (signal) => `killed by ${signal}`,
  exit: (code) => `exit ${code}`,
  progress: (done, total, ok, failures) => `[${done}/${total}] ${ok} ok${failures ? `, ${failures} not ok` : ''}`,
};

export function recapLines(results: DeviceResult[], words: RecapWords = ENGLISH_RECAP): string[] {
  const s = summarize(results);
  const parts = (Object.keys(OUTCOME_LABEL) as DeviceOutcome[])
    .filter((k) => k === 'ok' || k === 'failed' || k === 'unreachable' || k === 'auth' || s[k] > 0)
    .map((k) => `${words.label(k)} ${s[k]}`);
  const lines = [words.head(s.total, parts.join(', '))];
  for (const r of results) {
    if (r.status === 'ok') continue;
    const why = r.status === 'failed' ? (r.signal ? words.killedBy(r.signal) : words.exit(String(r.exitCode ?? '?'))) : (r.error ?? '');
    lines.push(`  ${r.id}: ${words.label(r.status)}${why ? ` (${why})` : ''}`);
  }
  return lines;
}

/** One progress line for a TTY: "[12/20] ok 10, failing 2". */
export function progressLine(done: number, total: number, failures: number, words: RecapWords = ENGLISH_RECAP): string {
  return words.progress(done, total, done - failures, failures);
}

/**
 * The remote command line from `jfleet exec -- ARGS`: one argument is a shell command line used
 * as written; several are an argv, each quoted. Placeholders {id}, {village}, {address} and
 * {var.NAME} are replaced by the device's values (see expandCommand for what keeps them inert).
 * A value that could run as code is refused: InputError naming the package and the field.
 */
export function buildCommand(args: string[], pkg: PlaceholderPackage): string {
  const r = expandCommand(args, pkg);
  if (r.issues.length) throw new InputError(r.issues);
  return r.command;
}

export interface PlaceholderPackage {
  id: string;
  village: string;
  address: string;
  vars?: Record<string, string>;
}

const PH = /\{(id|village|address|var\.([a-z][a-z0-9_]*))\}/g;
// the characters quote() leaves bare: literal text wherever they stand in shell source
const PLAIN_CH = /[A-Za-z0-9_./:=@%+,-]/;
const NOT_PLAIN = /[^A-Za-z0-9_./:=@%+,-]/;
// what can make bash run a value's content: $ ` <( >( start a substitution, [ ] a subscript
const CODE = /[$`[\]]|[<>]\(/;
// ends an unquoted word
const BOUNDARY = /[ \t\n;&|()<>]/;

interface Use {
  field: string;
  label: string;
  value: string;
  /** shares its word (or argv argument) with text that is not plain: maybe a script for another shell */
  spliced: boolean;
}

/*
 * Why no placeholder value runs as code (docs/transport.md has the long form).
 * The value reaches the shell as data: quote()d in an argv, or as the quoted variable JFLEET_Pn
 * in a command line, which the shell expands but never parses. Bash still reads a variable's
 * content back in arithmetic ($(( )), [[ -gt ]], let, declare -i, ${v:o:l}, ${a[i]}...) and as a
 * name (${!v}, test -v, printf -v), where a subscript x[...] is expanded and its $(...) runs, also
 * through a value naming another variable; compgen -W and ${v@P} expand it too. Text runs a
 * command only through $( ` <( >(; refusing these and [ ] means no expansion of the value, however
 * repeated, substitutes anything, and its evaluation meets no subscript. A variable it can name is
 * another placeholder (checked alike) or the device's own; arithmetic assigns only numbers.
 * A program may run its argument as a script (sh -c, eval, ssh HOST CMD): a value that is a word
 * of its own is then the user's choice, but one inside longer shell text ('echo {var.n}', a heredoc)
 * may be pasted into a script unasked, so there it must be a plain word, literal in any shell source.
 */
export function expandCommand(args: string[], pkg: PlaceholderPackage): { command: string; issues: InputIssue[] } {
  const uses: Use[] = [];
  const use = (m: RegExpExecArray | string[]): Use => {
    // PH: group 1 always takes part, group 2 whenever the key is var.NAME
    const [label = '', key = '', varName = ''] = m;
    const value = key.startsWith('var.') ? (pkg.vars?.[varName] ?? '') : String((pkg as unknown as Record<string, unknown>)[key] ?? '');
    const u: Use = { field: key.startsWith('var.') ? `vars.${varName}` : key, label, value, spliced: false };
    uses.push(u);
    return u;
  };
  let command: string;
  if (args.length === 1) {
    command = expandLine(args[0]!, use); // length checked
  } else {
    // an argv: values replaced raw, then every argument quoted as a whole
    command = args
      .map((a) => {
        const spliced = NOT_PLAIN.test(a.replace(PH, ''));
        return quote(a.replace(PH, (...m: string[]) => Object.assign(use(m), { spliced }).value));
      })
      .join(' ');
  }
  const issues: InputIssue[] = [];
  const seen = new Set<string>();
  for (const u of uses) {
    const message = valueProblem(u);
    const field = `${pkg.id} ${u.field}`;
    if (message && !seen.has(field + message)) {
      seen.add(field + message);
      issues.push({ field, message });
    }
  }
  return { command, issues };
}

function valueProblem(u: Use): string | null {
  const code = CODE.exec(u.value);
  if (code)
    return `refused for ${u.label}: the value holds ${JSON.stringify(code[0])}; bash can run such a value as code (arithmetic, array subscripts): a placeholder value must not hold $ \` [ ] <( >(`;
  const odd = u.spliced ? NOT_PLAIN.exec(u.value) : null;
  if (odd)
    return `refused for ${u.label}: it stands in a longer text that may be a script for another shell (as in 'echo {var.n}' or a heredoc), and the value holds ${JSON.stringify(odd[0])}; there only letters, digits and _ . / : = @ % + , - pass (give the placeholder a word of its own)`;
  return null;
}

/**
 * A shell line: each value is assigned (quoted) to a shell variable first, and the placeholder
 * becomes an expansion of that variable fitting where it stands (unquoted, in "...", in '...'),
 * which yields the value as one word and nothing more. The scan follows words (to know whether a
 * placeholder has its word to itself), comments and heredocs (a body is text for a program, maybe
 * a shell: its placeholders count as spliced and are pasted as their plain value).
 */
function expandLine(line: string, use: (m: RegExpExecArray) => Use): string {
  const assigns: string[] = [];
  let out = '';
  let state: 'none' | 'single' | 'double' = 'none';
  let word = { uses: [] as Use[], plain: true, empty: true };
  const endWord = () => {
    for (const u of word.uses) u.spliced = !word.plain;
    word = { uses: [], plain: true, empty: true };
  };
  const placeholderAt = (i: number) => {
    PH.lastIndex = i;
    const m = PH.exec(line);
    return m && m.index === i ? m : null;
  };
  // heredocs opened on the current line: their bodies start after its newline
  let heredocs: { delim: string | null; strip: boolean }[] = [];
  const bodies = (pos: number): number => {
    for (const h of heredocs) {
      while (pos < line.length) {
        const nl = line.indexOf('\n', pos);
        const end = nl === -1 ? line.length : nl;
        const text = line.slice(pos, end);
        const done = h.delim !== null && (h.strip ? text.replace(/^\t+/, '') : text) === h.delim;
        out += done ? text : text.replace(PH, (...m: string[]) => Object.assign(use(m as unknown as RegExpExecArray), { spliced: true }).value);
        if (nl !== -1) out += '\n';
        pos = end + 1;
        if (done) break;
      }
    }
    heredocs = [];
    return pos;
  };
  for (let i = 0; i < line.length; i++) {
    const ch = line.charAt(i);
    if (ch === '{') {
      const m = placeholderAt(i);
      if (m) {
        const name = `JFLEET_P${assigns.length}`;
        const u = use(m);
        assigns.push(`${name}=${quote(u.value)}`);
        word.uses.push(u);
        word.empty = false;
        out += state === 'double' ? `\${${name}}` : state === 'single' ? `'"\${${name}}"'` : `"\${${name}}"`;
        i += m[0].length - 1;
        continue;
      }
    }
    if (state === 'single') {
      out += ch;
      if (ch === "'") state = 'none';
      else if (!PLAIN_CH.test(ch)) word.plain = false;
      continue;
    }
    if (state === 'double') {
      out += ch;
      if (ch === '"') state = 'none';
      else if (!PLAIN_CH.test(ch)) word.plain = false;
      if (ch === '\\' && i + 1 < line.length) out += line[++i];
      continue;
    }
    if (BOUNDARY.test(ch)) {
      endWord();
      if (line.startsWith('<<<', i)) {
        out += '<<<';
        i += 2;
      } else if (line.startsWith('<<', i)) {
        heredocs.push(heredocDelimiter(line, i + 2));
        out += '<<';
        i += 1;
      } else {
        out += ch;
        if (ch === '\n' && heredocs.length) i = bodies(i + 1) - 1;
      }
      continue;
    }
    if (ch === '#' && word.empty) {
      // a comment, to the end of the line: copied as written
      const nl = line.indexOf('\n', i);
      const end = nl === -1 ? line.length : nl;
      out += line.slice(i, end);
      i = end - 1;
      continue;
    }
    word.empty = false;
    out += ch;
    if (ch === "'") state = 'single';
    else if (ch === '"') state = 'double';
    else if (!PLAIN_CH.test(ch)) word.plain = false;
    if (ch === '\\' && i + 1 < line.length) out += line[++i];
  }
  endWord();
  return assigns.length ? `${assigns.join('; ')}; ${out}` : out;
}

/** The delimiter of a heredoc whose `<<` ends before `from` (quotes removed), or null if it cannot be told. */
function heredocDelimiter(line: string, from: number): { delim: string | null; strip: boolean } {
  let j = from;
  const strip = line[j] === '-';
  if (strip) j++;
  while (line[j] === ' ' || line[j] === '\t') j++;
  let delim = '';
  while (j < line.length && !BOUNDARY.test(line.charAt(j))) {
    const c = line[j];
    if (c === "'" || c === '"') {
      const close = line.indexOf(c, j + 1);
      if (close === -1) return { delim: null, strip };
      delim += line.slice(j + 1, close);
      j = close + 1;
    } else if (c === '\\') {
      delim += line[j + 1] ?? '';
      j += 2;
    } else {
      delim += c;
      j++;
    }
  }
  // a placeholder or expansion in the delimiter: where the body ends is not known, so it runs to the end
  return { delim: delim && !/[{$`]/.test(delim) ? delim : null, strip };
}
