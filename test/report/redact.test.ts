/**
 * Credentials never reach the screen or the disk: a hostile central server that echoes the
 * request headers in its 500 bodies, and an api.url that carries user:password@.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { redact, REDACTED, redactUrlCredentials } from '../../src/errors.js';
import { jfleet, tempHome } from '../helpers/cli.js';
import { at } from '../helpers/at.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

const SECRET = 'hX9kQ2mZ7vR4pL8wTq3N'; // printable, no spaces: a valid api.token
const leaks = (text: string | Buffer) => [SECRET, SECRET.slice(0, 8), SECRET.slice(-8)].filter((s) => text.includes(s));

/** Answers every POST with a 500 whose body repeats the request headers, in turn as JSON and as text. */
async function echoingServer(): Promise<{ url: string; seen: () => number; server: Server }> {
  let n = 0;
  let seenToken = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      n++;
      if ((req.headers.authorization ?? '').includes(SECRET)) seenToken++;
      const dump = JSON.stringify(req.headers);
      if (n % 2 === 1) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'internal', message: `proxy failed for request with headers ${dump}` }));
      } else {
        // the token straddles the 120-character cut of a plain-text reason
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`${'x'.repeat(80)} Authorization: ${req.headers.authorization} ${dump}`);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen: () => seenToken, server };
}

describe('redact (pure)', () => {
  it.each([
    ['Bearer hX9kQ2mZ7vR4pL8wTq3N', `Bearer ${REDACTED}`],
    ['{"authorization":"Bearer abc.def-ghi"}', `{"authorization":"Bearer ${REDACTED}"}`],
    ['at https://user:pa%40ss@central.example/fleet: refused', `at https://${REDACTED}@central.example/fleet: refused`],
    ['http://u:p@ss@127.0.0.1:8480/x', `http://${REDACTED}@127.0.0.1:8480/x`],
    ['https://central.example/fleet (no credentials)', 'https://central.example/fleet (no credentials)'],
    ['token is hX9kQ2mZ7vR4pL8wTq3N!', `token is ${REDACTED}!`],
    ['encoded hX9kQ2mZ7vR4pL8wTq3N%22', `encoded ${REDACTED}%22`],
    // the words, not a credential: a server's 401 message and jfleet's own hint keep them
    ['unauthorized: missing or wrong bearer token', 'unauthorized: missing or wrong bearer token'],
    ['Bearer token. Bearer tokenX9kQ2 Bearer token.x9', `Bearer token. Bearer ${REDACTED} Bearer ${REDACTED}`],
  ])('%s', (input, out) => {
    expect(redact(input, [SECRET])).toBe(out);
  });

  it('a token with characters JSON or URLs escape is redacted in those forms too', () => {
    const t = 'ab"c\\d/e?f';
    expect(redact(JSON.stringify({ t }), [t])).toBe(`{"t":"${REDACTED}"}`);
    expect(redact(`q=${encodeURIComponent(t)}`, [t])).toBe(`q=${REDACTED}`);
    expect(redactUrlCredentials('ftp://a:b@h/')).toBe(`ftp://${REDACTED}@h/`);
  });
});

describe('a central server that echoes the Authorization header', () => {
  it('the token is in no output (report, --json, --debug, --flush, outbox list) and not in the database files', async () => {
    const hostile = await echoingServer();
    const home = tempHome();
    const env = { JFLEET_API_URL: hostile.url, JFLEET_API_TOKEN: SECRET };
    const runs = [
      await jfleet(['report'], { home, env }),
      await jfleet(['report', '--json', '--debug'], { home, env }),
      await jfleet(['report', '--flush', '--debug'], { home, env }),
      await jfleet(['report', '--flush', '--json'], { home, env }),
      await jfleet(['outbox', 'list'], { home, env }),
      await jfleet(['outbox', 'list', '--all', '--json'], { home, env }),
    ];
    // the server did receive the token and sent it back: the case is real
    expect(hostile.seen()).toBeGreaterThanOrEqual(4);
    for (const r of runs.slice(0, 4)) expect(r.exitCode).toBe(1); // 500: retried, queued
    const all = runs.map((r) => r.stdout + r.stderr).join('\n');
    expect(leaks(all)).toEqual([]);
    expect(all).toContain(`Bearer ${REDACTED}`);
    const entries = JSON.parse(at(runs, 5).stdout) as Array<{ lastError: string | null; status: string }>;
    expect(entries.length).toBeGreaterThanOrEqual(2);
    expect(entries.every((e) => e.status === 'pending')).toBe(true);
    // the head of the queue was tried each time; its reason is the server's words, redacted
    expect(at(entries, 0).lastError).toMatch(/^HTTP 500 /);
    expect(at(entries, 0).lastError).toContain(REDACTED);

    const stateDir = join(home, 'state');
    const files = readdirSync(stateDir).filter((f) => f.startsWith('jfleet.db'));
    expect(files).toContain('jfleet.db');
    for (const f of files) {
      const bytes = readFileSync(join(stateDir, f));
      expect(leaks(bytes), f).toEqual([]);
      expect(statSync(join(stateDir, f)).mode & 0o077, `${f} is readable by others`).toBe(0);
    }
  });
});

describe('an api.url with user:password@', () => {
  const pw = 'Pw7s3cretZZ';
  const url = `https://kiosk-admin:${pw}@127.0.0.1:9/fleet`;

  it('config set / get / list never print the password', async () => {
    const home = tempHome();
    const set = await jfleet(['config', 'set', 'api.url', url], { home });
    expect(set.exitCode).toBe(0);
    expect(set.stdout).toContain(`https://${REDACTED}@127.0.0.1:9/fleet`);
    const outs = [
      set,
      await jfleet(['config', 'get', 'api.url'], { home }),
      await jfleet(['config', 'list'], { home }),
      await jfleet(['config', 'list', '--json'], { home }),
    ];
    for (const r of outs) expect(r.stdout + r.stderr).not.toContain(pw);
    expect(at(outs, 2).stdout).toContain(REDACTED);
  });

  it('report refuses it in one line without quoting the password, and queues nothing', async () => {
    const home = tempHome();
    for (const args of [['report'], ['report', '--debug'], ['report', '--flush', '--json']]) {
      const r = await jfleet(args, { home, env: { JFLEET_API_URL: url, JFLEET_API_TOKEN: SECRET } });
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain('carries a user name or password');
      expect(r.stdout + r.stderr).not.toContain(pw);
      expect(leaks(r.stdout + r.stderr)).toEqual([]);
    }
    expect(JSON.parse((await jfleet(['outbox', 'list', '--json'], { home })).stdout)).toEqual([]);
  });
});
