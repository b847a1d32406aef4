import type { Readable, Writable } from 'node:stream';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Config } from './config/schema.js';
import type { Translate } from './i18n/catalog.js';
import type { Lang } from './i18n/language.js';

/**
 * Everything a command may touch comes through here, never from module globals, so tests can
 * run commands in-process with their own env, clock and streams. Importing this starts nothing.
 */
export interface Context {
  cwd: string;
  env: Record<string, string | undefined>;
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable & { isTTY?: boolean };
  clock: { now(): Date };
  /** where config, keys and state live: $JFLEET_HOME, else ~/.jfleet */
  home: string;
  /** colour allowed on stdout (TTY, no NO_COLOR, no --no-color) */
  color: boolean;
  debug: boolean;
  /** stdin is a terminal and we are not in CI: prompts are allowed */
  interactive: boolean;
  /** a signal that fires on SIGINT/SIGTERM so long runs can stop cleanly */
  signal: AbortSignal;
  /**
   * The user configuration (config.json, then JFLEET_* overrides), read once per command on
   * first use; a config that does not load throws its located error, every time it is asked.
   * main() installs it (configReader in src/config/config.ts) before a command runs, so that
   * --version and --help never load the config module.
   */
  config(): Config;
  /** the language of human output (src/i18n/language.ts: JFLEET_LANG, config lang, LC_ALL/LC_MESSAGES/LANG) */
  lang: Lang;
  /**
   * The catalog's words for a message key (src/i18n/locales/): main() installs the run's
   * language before it builds the program; --json, exit codes and events never go through it.
   */
  t: Translate;
  /**
   * How a device failure reads in recaps and results: main() installs the CLI's wording
   * (failureText in src/cli/render/failure.ts, which turns an error's hint into the command to
   * run). Engines word failures through failureMessage(ctx, e), never naming a command themselves.
   */
  describeFailure?(e: unknown): string;
}

/** A device failure as the operator reads it (the error's message where no wording is installed). */
export function failureMessage(ctx: Pick<Context, 'describeFailure'>, e: unknown): string {
  if (ctx.describeFailure) return ctx.describeFailure(e);
  return e instanceof Error ? e.message : String(e);
}

/** ctx.t until main() installs the run's messages. */
export const notInstalled: Translate = Object.assign(
  (): string => {
    throw new Error('ctx.t() was called before main() installed the messages');
  },
  { phrase: (s: string) => s },
);

export function jfleetHome(env: Record<string, string | undefined>, cwd = process.cwd()): string {
  const h = env.JFLEET_HOME;
  return h ? resolve(cwd, h) : join(homedir(), '.jfleet');
}

export function isCI(env: Record<string, string | undefined>): boolean {
  const v = env.CI;
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

export function defaultContext(opts: { debug?: boolean; noColor?: boolean; signal?: AbortSignal } = {}): Context {
  const env = process.env;
  const stdoutTTY = Boolean(process.stdout.isTTY);
  const color = stdoutTTY && !opts.noColor && env.NO_COLOR === undefined && env.TERM !== 'dumb';
  return {
    cwd: process.cwd(),
    env,
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    clock: { now: () => new Date() },
    home: jfleetHome(env),
    color,
    debug: Boolean(opts.debug) || env.JFLEET_DEBUG === '1',
    interactive: Boolean(process.stdin.isTTY) && Boolean(process.stdout.isTTY) && !isCI(env),
    signal: opts.signal ?? new AbortController().signal,
    config: () => {
      throw new Error('ctx.config() was called before main() installed the config reader');
    },
    lang: 'en',
    t: notInstalled,
  };
}

/** Paths under JFLEET_HOME. Pure: computes, creates nothing. */
export function homePaths(home: string) {
  return {
    home,
    configDir: home,
    keysDir: join(home, 'keys'),
    /** the fleet key jfleet logs in with (jfleet keys init); its public half is fleetKey + '.pub' */
    fleetKey: join(home, 'keys', 'fleet_ed25519'),
    stateDir: join(home, 'state'),
    db: join(home, 'state', 'jfleet.db'),
    logsDir: join(home, 'state', 'logs'),
    locksDir: join(home, 'state', 'locks'),
    labDir: join(home, 'lab'),
    releasesDir: join(home, 'releases'),
  };
}
