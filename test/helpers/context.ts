/**
 * A Context for tests that call capabilities in-process: the process's streams, a real clock,
 * no colour, no prompts, its own home and environment, and a config reader for that home.
 * One place, so a field Context gains reaches every hand-built test context at once.
 */
import { configReader } from '../../src/config/config.js';
import type { Context } from '../../src/context.js';
import { englishT } from './messages.js';

export function testContext(home: string, env: Record<string, string | undefined> = {}, over: Partial<Context> = {}): Context {
  const e = { ...env, JFLEET_HOME: home };
  return {
    cwd: process.cwd(),
    env: e,
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    clock: { now: () => new Date() },
    home,
    color: false,
    debug: false,
    interactive: false,
    signal: new AbortController().signal,
    config: configReader({ home, env: e }),
    lang: 'en',
    t: englishT,
    ...over,
  };
}
