import { statSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import { realCode } from './atomic-file.js';
import type { Context } from './context.js';
import { defaultContext, homePaths } from './context.js';
import { adviceText } from './cli/render/advice.js';
import { errorText, issueText, userErrorText } from './cli/render/error-text.js';
import { VERSION } from './version.js';
import { ExitCode, ExitStatus, StorageError, UserError, InputError, printable, redact, storageReason } from './errors.js';

/** Flags that may stand beside --version and still mean "print the version". */
const VERSION_ONLY = new Set(['-V', '--version', '--debug', '--no-color']);

/**
 * main(argv, ctx): builds the program, runs it, and maps every outcome to an exit code.
 * This is the only place that decides the exit code.
 */
export async function main(argv: string[], ctx: Context): Promise<number> {
  // `jfleet --version` is the start-up budget: answered before any catalog, config or commander loads
  if (argv.length > 0 && argv.every((a) => VERSION_ONLY.has(a)) && (argv.includes('-V') || argv.includes('--version'))) {
    ctx.stdout.write(`${VERSION}\n`);
    return ExitCode.ok;
  }
  const { langForRun } = await import('./i18n/choose.js');
  const { loadMessages } = await import('./i18n/messages.js');
  const messages = await loadMessages(langForRun(ctx.home, ctx.env));
  ctx.lang = messages.lang;
  ctx.t = messages.t;
  const { buildProgram } = await import('./cli/program.js');
  const { CommanderError } = await import('commander');
  const program = buildProgram(ctx);
  program.hook('preAction', async () => {
    checkHome(ctx);
    // loaded here, not at the top: --version and --help never pay for the config schema
    const { configReader } = await import('./config/config.js');
    ctx.config = configReader(ctx);
    // a JFLEET_LANG that is neither en nor id is refused by every command, not only by those that
    // read the config: the config's own check says it (file and variable named, exit 2)
    const forced = ctx.env.JFLEET_LANG?.trim();
    if (forced) {
      const { isLang } = await import('./i18n/language.js');
      if (!isLang(forced.toLowerCase())) ctx.config();
    }
    // zod's own messages (a wrong type, a too-long value) in the run's language
    const { z } = await import('zod');
    const { default: zodLocale } = ctx.lang === 'id' ? await import('zod/v4/locales/id.js') : await import('zod/v4/locales/en.js');
    const { fieldError } = await import('./errors.js');
    z.config({ ...zodLocale(), customError: fieldError });
    const { failureText } = await import('./cli/render/failure.js');
    ctx.describeFailure = failureText;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ExitCode.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version "fail" with code 0; anything commander rejects is a usage error.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return ExitCode.ok;
      return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    return reportError(err, ctx);
  }
}

export function reportError(err: unknown, ctx: Context): number {
  // messages quote what the user typed or a file held: never let it drive the terminal, and
  // never print a credential it may carry (a bearer token, a URL's user:password@)
  const say = (s: string) => ctx.stderr.write(printable(redact(s)));
  const t = ctx.t;
  const error = `jfleet: ${t('common.errorPrefix')}: `;
  const hintLine = (hint: string) => say(`jfleet: ${t('common.hintPrefix')}: ${hint}\n`);
  if (err instanceof ExitStatus) {
    if (err.message) say(`jfleet: ${err.message}\n`);
    return err.exitCode;
  }
  if (err instanceof InputError) {
    say(`${error}${issueText(t, err.issues[0] ?? { message: err.message })}\n`);
    for (const i of err.issues.slice(1, 50)) say(`${error}${issueText(t, i)}\n`);
    if (err.issues.length > 50) say(`jfleet: ${t('common.moreIssues', { count: err.issues.length - 50 })}\n`);
    const hint = err.advice ? adviceText(err.advice, t) : err.hint && errorText(t, err.hint);
    if (hint) hintLine(hint);
    if (ctx.debug && err.stack) say(err.stack + '\n');
    return err.exitCode;
  }
  if (err instanceof UserError) {
    say(`${error}${userErrorText(t, err)}\n`);
    const hint = err.advice ? adviceText(err.advice, t) : err.hint && errorText(t, err.hint);
    if (hint) hintLine(hint);
    if (ctx.debug && err.stack) say(err.stack + '\n');
    return err.exitCode;
  }
  if (isPromptCancel(err)) {
    say(`jfleet: ${t('common.cancelled')}\n`);
    return ExitCode.cancelled;
  }
  const storage = asStorageError(err, ctx);
  if (storage) return reportError(storage, ctx);
  const e = err instanceof Error ? err : new Error(String(err));
  if (ctx.debug) {
    say(`jfleet: ${t('common.internalError', { message: e.stack ?? e.message })}\n`);
  } else {
    say(`jfleet: ${t('common.internalError', { message: e.message })}\n`);
    say(`jfleet: ${t('common.internalErrorReport')}\n`);
  }
  return ExitCode.internal;
}

/**
 * A storage failure that reached here unwrapped (a write by a library, a state database that
 * became read-only or full mid-command) as one line naming the file: an errno with a path (a
 * permission refusal counts when the path is under JFLEET_HOME), or an SqliteError (the state
 * database: the central server handles its own).
 */
export function asStorageError(err: unknown, ctx: Pick<Context, 'home'>): StorageError | undefined {
  const e = err as NodeJS.ErrnoException | null;
  if (!e || typeof e !== 'object' || typeof e.code !== 'string') return undefined;
  if (e.name === 'SqliteError') {
    const why = storageReason(e);
    if (!why) return undefined;
    const db = homePaths(ctx.home).db;
    const base = why.code.replace(/^(SQLITE_[A-Z]+).*/, '$1');
    if (base === 'SQLITE_NOTADB' || base === 'SQLITE_CORRUPT')
      return new StorageError(`the state database ${db} is ${base === 'SQLITE_NOTADB' ? 'not a database' : 'corrupt'} (${e.message})`, {
        file: db,
        hint: `restore it from a backup, or move it aside (mv ${db} ${db}.broken) to start with an empty state`,
        cause: e,
      });
    return new StorageError(`cannot write the state database ${db}: ${why.reason} (${why.code}); the change was not made`, {
      file: db,
      hint: 'free space on that file system or make it writable, then run the command again',
      cause: e,
    });
  }
  // a library's temp file (conf writes config.json.tmp-1a2b…) stands for the file it replaces
  const path = typeof e.path === 'string' ? e.path.replace(/\.tmp-[0-9a-f]+$/, '') : undefined;
  if (!path) {
    // a write(2) that failed with no path to say (conf's config.json on a full disk)
    const why = storageReason(e);
    if (!why || !['ENOSPC', 'EDQUOT', 'EROFS', 'EIO', 'EFBIG'].includes(why.code)) return undefined;
    return new StorageError(`cannot ${e.syscall ?? 'write'}: ${why.reason} (${why.code}); jfleet keeps its files under ${ctx.home}`, {
      hint: 'free space on that file system or make it writable, then run the command again',
      cause: e,
    });
  }
  const rel = relative(ctx.home, path);
  const underHome = rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
  const code = realCode(e.code, path);
  const why = code ? storageReason({ code }) : undefined;
  const denied = underHome && (code === 'EACCES' || code === 'EPERM');
  if (!why && !denied) return undefined;
  const reason = why ? why.reason : code === 'EACCES' ? 'permission denied' : 'operation not permitted';
  return new StorageError(`cannot ${e.syscall ?? 'use'} ${path}: ${reason} (${code})`, {
    file: path,
    hint: 'free space on that file system or make it writable, then run the command again',
    cause: e,
  });
}

/** JFLEET_HOME naming a file (a typo, or the config file itself): one line, not an internal error. */
function checkHome(ctx: Context): void {
  const st = statSync(ctx.home, { throwIfNoEntry: false });
  if (st && !st.isDirectory()) {
    throw new UserError(ctx.t('program.homeNotDirectory', { home: ctx.home }), { hint: ctx.t('program.homeNotDirectoryHint') });
  }
}

function isPromptCancel(err: unknown): boolean {
  return err instanceof Error && (err.name === 'ExitPromptError' || err.name === 'AbortPromptError');
}

/** Entry used by bin/jfleet.js: real process, real signals. */
export async function run(argv: string[]): Promise<void> {
  const ac = new AbortController();
  let interrupts = 0;
  let firstAt = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    // Exit hooks in dependencies (when-exit via conf/atomically, signal-exit) re-raise the signal
    // they caught within milliseconds; only a second signal a person sends counts as "I mean it".
    if (interrupts > 0 && Date.now() - firstAt < 1000) return;
    interrupts++;
    if (interrupts === 1) firstAt = Date.now();
    process.exitCode ??= sig === 'SIGINT' ? ExitCode.cancelled : ExitCode.terminated;
    if (interrupts > 1) process.exit(process.exitCode); // second Ctrl-C: the user means it
    ac.abort(new Error(sig));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // `jfleet villages | head`: the reader went away; that is not an error worth a stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
  const ctx = defaultContext({
    debug: argv.includes('--debug'),
    noColor: argv.includes('--no-color'),
    signal: ac.signal,
  });
  const code = await main(argv, ctx);
  process.exitCode = ac.signal.aborted && code === 0 ? (process.exitCode ?? code) : code;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}
