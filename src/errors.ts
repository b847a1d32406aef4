/**
 * Typed errors and the documented exit codes. Only src/main.ts turns these into an exit code;
 * nothing else sets process.exitCode or calls process.exit.
 */
export const ExitCode = {
  ok: 0,
  /** some device failed (a fleet command completed, but not everywhere) */
  deviceFailed: 1,
  /** usage or input error: a wrong flag, a malformed inventory, a hostile value */
  usage: 2,
  /** Nagios contract: unknown (used by `jfleet check`) */
  unknown: 3,
  /** rollout aborted: failures passed the threshold */
  rolloutAborted: 4,
  /** rollout completed, but some devices were unreachable and remain pending */
  rolloutPending: 5,
  /** sweep: the worst alerting hard state is warn */
  sweepWarn: 1,
  /** sweep: the worst alerting hard state is critical */
  sweepCritical: 6,
  /** sweep: the worst alerting hard state is unreachable */
  sweepUnreachable: 7,
  /** report: reports remain queued (central API unreachable or failing) or were dead-lettered */
  reportsQueued: 1,
  /** config get: the key is not set (like grep finding nothing) */
  notSet: 1,
  /** an internal error (a bug): the stack is printed with --debug */
  internal: 70,
  /** the machine's storage failed: full disk, quota, read-only, I/O error, a corrupt or foreign state database (EX_IOERR) */
  storage: 74,
  /** another run holds the lock (sweep, rollout, the outbox sender) */
  locked: 75,
  /** cancelled by the user (Ctrl-C, or "no" at a confirmation) */
  cancelled: 130,
  /** stopped by SIGTERM (128 + 15) */
  terminated: 143,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * What a lower layer advises the user to do next, as data: src/cli/render/advice.ts words it
 * (the jfleet command to run is the handler's to name). Prose that names no command stays a
 * string hint.
 */
export type Advice =
  | { kind: 'fix-inventory' }
  | { kind: 'fix-inventory-file'; file: string }
  | { kind: 'no-inventory' }
  | { kind: 'rollout-usage' }
  | { kind: 'rollout-in-progress' }
  | { kind: 'rollout-start' }
  | { kind: 'rollout-restart'; release: string }
  | { kind: 'release-add'; version: string; again?: boolean }
  | { kind: 'api-url-missing' }
  | { kind: 'api-url-invalid' }
  | { kind: 'api-token-missing' }
  | { kind: 'api-token-rejected' }
  | { kind: 'outbox-list'; all?: boolean }
  | { kind: 'cron-seconds' }
  | { kind: 'config-file-broken' }
  | { kind: 'config-env-invalid' };

/** An error the user can fix: printed as one line, no stack (unless --debug). */
export class UserError extends Error {
  readonly exitCode: number;
  /** advice in words (prose that names no jfleet command) */
  readonly hint?: string;
  /** advice as data, worded by src/cli/render/advice.ts */
  readonly advice?: Advice;
  constructor(message: string, opts: { exitCode?: number; hint?: string | Advice; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = 'UserError';
    this.exitCode = opts.exitCode ?? ExitCode.usage;
    if (typeof opts.hint === 'string') this.hint = opts.hint;
    else if (opts.hint) this.advice = opts.hint;
  }
}

/**
 * The machine's storage failed under jfleet (full disk, quota, read-only file system, I/O error,
 * a state database that is corrupt or not a database): one line naming the file, exit 74.
 * Not the user's usage, and not a bug.
 */
export class StorageError extends UserError {
  readonly file?: string;
  constructor(message: string, opts: { file?: string; hint?: string; cause?: unknown } = {}) {
    super(message, { exitCode: ExitCode.storage, hint: opts.hint, cause: opts.cause });
    this.name = 'StorageError';
    this.file = opts.file;
  }
}

const STORAGE_REASONS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EFBIG: 'file too large',
  EIO: 'input/output error',
  SQLITE_FULL: 'database or disk is full',
  SQLITE_NOTADB: 'file is not a database',
  SQLITE_CORRUPT: 'the database file is corrupt',
  SQLITE_READONLY: 'the database is read-only',
  SQLITE_CANTOPEN: 'unable to open the database file',
  SQLITE_IOERR: 'disk I/O error',
  SQLITE_PERM: 'access to the database file denied',
};

/**
 * The storage failure an error stands for (a Node errno or a better-sqlite3 SqliteError code),
 * as { code, reason }; undefined for anything else. SQLITE_IOERR_* and SQLITE_CORRUPT_* count
 * as their base code.
 */
export function storageReason(err: unknown): { code: string; reason: string } | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  const base = /^SQLITE_[A-Z]+/.exec(code)?.[0] ?? code;
  const reason = STORAGE_REASONS[code] ?? STORAGE_REASONS[base];
  return reason ? { code, reason } : undefined;
}

/** A bad value in a file or a flag, located as precisely as we can: file:line field: message. */
export interface InputIssue {
  file?: string;
  line?: number;
  field?: string;
  message: string;
}

export function formatIssue(i: InputIssue): string {
  const where = [i.file, i.line !== undefined ? String(i.line) : undefined].filter(Boolean).join(':');
  const parts = [where, i.field].filter(Boolean).join(' ');
  return parts ? `${parts}: ${i.message}` : i.message;
}

/** A zod issue (or any validator's, shaped alike) as one short phrase for an InputIssue's message. */
export function issueMessage(iss: { code?: string; message: string; keys?: string[] }): string {
  if (iss.code === 'invalid_type' && /received undefined$/.test(iss.message)) return 'is required';
  if (iss.code === 'invalid_type' && /expected number, received NaN$/.test(iss.message)) return 'must be a whole number';
  if (iss.code === 'unrecognized_keys' && iss.keys?.length) return iss.keys.length === 1 ? 'unknown field' : `unknown fields ${iss.keys.join(', ')}`;
  return iss.message;
}

/** Where a zod issue points, as keys: an unknown field's issue points at the field itself (its line), not the mapping around it. */
export function issuePath(iss: { code?: string; path: PropertyKey[]; keys?: string[] }): string[] {
  const path = iss.path.map(String);
  // several unknown fields: the first one's line, the message names them all
  return iss.code === 'unrecognized_keys' && iss.keys?.length ? [...path, iss.keys[0] as string] : path;
}

const EXPECTED: Record<string, string> = {
  array: 'must be a list',
  object: 'must be a mapping',
  record: 'must be a mapping',
  string: 'must be text',
  number: 'must be a number',
  int: 'must be a whole number',
  boolean: 'must be true or false',
};

/**
 * zod's messages for a value of the wrong kind, said for a technician (installed with z.config
 * by main): "is required" rather than "expected string, received undefined", "must be a list"
 * rather than "expected array". In English, and so matched by the catalog's templates like every
 * lower layer's sentence; anything else falls through to zod's own locale (en or id).
 */
export function fieldError(iss: { code?: string; expected?: string; input?: unknown; origin?: string; minimum?: unknown }): string | undefined {
  if (iss.code === 'invalid_type') {
    if (iss.input === undefined) return 'is required';
    if (iss.expected === 'number' && typeof iss.input === 'number' && Number.isNaN(iss.input)) return 'must be a whole number';
    // YAML reads id: 5 or version: 1.10 as a number: the way out is quotes
    if (iss.expected === 'string' && typeof iss.input === 'number') return 'must be text (it was read as a number: put it in quotes)';
    return EXPECTED[iss.expected ?? ''];
  }
  if (iss.code === 'too_small' && iss.origin === 'string' && Number(iss.minimum) === 1) return 'must not be empty';
  return undefined;
}

/** Invalid input: one or more located issues. Exit 2, nothing written. */
export class InputError extends UserError {
  readonly issues: InputIssue[];
  constructor(issues: InputIssue[], opts: { hint?: string | Advice } = {}) {
    const first = issues[0] ? formatIssue(issues[0]) : 'invalid input';
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    super(first + more, { exitCode: ExitCode.usage, hint: opts.hint });
    this.name = 'InputError';
    this.issues = issues;
  }
}

export class CancelledError extends UserError {
  constructor(message = 'cancelled') {
    super(message, { exitCode: ExitCode.cancelled });
    this.name = 'CancelledError';
  }
}

/**
 * A fleet command finished but its result calls for a non-zero exit (some device failed,
 * a rollout aborted...). Carries no stack to print: the command already rendered its report.
 */
export class ExitStatus extends Error {
  readonly exitCode: number;
  constructor(exitCode: number, message = '') {
    super(message);
    this.name = 'ExitStatus';
    this.exitCode = exitCode;
  }
}

/** Aliases a YAML document may expand (yaml's default, said out loud: every parse of user YAML sets it). */
export const MAX_YAML_ALIASES = 100;

/**
 * A yaml error (or a thrown one) as an issue's message, "YAML: " and its first line, without a
 * pretty error's " at line 2, column 1:" (the line goes in the issue's own field); a stack
 * overflow, an alias bomb or a second document said in the user's terms. The yaml library's own
 * sentences have templates in the catalog (errors.yamlParser), so the CLI says them in the run's
 * language.
 */
export function yamlMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/Maximum call stack size exceeded/.test(message)) return 'YAML: nested too deeply';
  if (/Excessive alias count/.test(message)) return `YAML: too many aliases (more than ${MAX_YAML_ALIASES} expansions: an alias bomb?)`;
  if (/^Source contains multiple documents/.test(message)) return 'YAML: more than one YAML document in the file (a second "---" line)';
  return `YAML: ${(message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')}`;
}

/**
 * What a terminal acts on rather than shows: C0 controls but newline and tab (ESC starts the
 * sequences that set the clipboard, retitle, clear or recolour; CR and backspace overwrite the
 * line; BEL rings), DEL, C1 controls (U+0080-U+009F: U+009B is CSI on some terminals), and the
 * bidi embeddings, overrides and isolates that make a line read in another order than it runs.
 */
export const TERMINAL_CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text that came from the user (an id, a flag value, a file's content) made safe to echo on a
 * terminal: each of TERMINAL_CONTROLS becomes "?". Newlines and tabs stay: messages may span
 * lines. (Device output is shown escaped instead: src/cli/render/terminal.ts.)
 */
export function printable(s: string): string {
  return s.replace(TERMINAL_CONTROLS, '?');
}

/** What a secret is replaced with wherever jfleet prints or stores text. */
export const REDACTED = '[redacted]';

/**
 * The user name and password of every URL in `text` (https://user:pass@host) replaced with
 * [redacted]. For config printing, error lines and anything else that may quote a URL.
 */
export function redactUrlCredentials(text: string): string {
  // the authority runs to the first / ? # or blank; its user info ends at its last @
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#]*@/gi, `$1${REDACTED}@`);
}

/**
 * Text made safe to print or store: each of `secrets` (also JSON-escaped and URL-encoded, as an
 * echoing server may send it back), any "Bearer ..." / "Basic ..." credential and URL user info
 * become [redacted]. Apply it before shortening text, so no prefix of a secret survives a cut.
 */
export function redact(text: string, secrets: Array<string | undefined> = []): string {
  let out = text;
  for (const s of secrets) {
    if (!s || s.length < 4) continue;
    for (const form of new Set([s, JSON.stringify(s).slice(1, -1), encodeURIComponent(s)])) out = out.split(form).join(REDACTED);
  }
  // the words "bearer token" are prose (a server's "missing or wrong bearer token"), not a credential
  out = out.replace(/\b(Bearer|Basic)(\s+)(?!\[redacted\]|token(?![A-Za-z0-9_~+/=-]|\.[A-Za-z0-9]))[A-Za-z0-9._~+/=-]+/gi, `$1$2${REDACTED}`);
  return redactUrlCredentials(out);
}
