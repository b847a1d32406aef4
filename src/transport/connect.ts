/** Connecting with retries: a quick network failure (classify.ts) is tried again after a jittered backoff. */
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffMs, isRetryable } from './classify.js';
import type { SshTransport } from './ssh.js';

export async function connectWithRetry(t: SshTransport, opts: { retries: number; backoffMs: number }): Promise<SshTransport> {
  for (let attempt = 0; ; attempt++) {
    try {
      await t.connect();
      return t;
    } catch (e) {
      if (attempt >= opts.retries || !isRetryable(e)) throw e;
      await sleep(backoffMs(attempt, opts.backoffMs));
    }
  }
}
