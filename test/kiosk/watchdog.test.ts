/**
 * The kiosk's liveness watchdog (recipes/kiosk/files/jfleet-kiosk-watchdog) against a real
 * Chromium (Debian's, headless) on its DevTools endpoint, as on the kiosk: what it reads of the
 * page, what it tells the sweep's probe (its `page` file), and when it sends the browser to the
 * offline page. Only systemctl is a stand-in (on PATH: the kiosk unit "active").
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as netServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const WATCHDOG = join(import.meta.dirname, '../../recipes/kiosk/files/jfleet-kiosk-watchdog');
const dir = mkdtempSync(join(tmpdir(), 'jfleet-watchdog-'));
let browser: ChildProcess | undefined;
let devtools = 0;
let portalServer: Server | undefined;
let portalPort = 0;
const PORTAL_TITLE = 'Portal Desa (watchdog test)';

async function freePort(): Promise<number> {
  const s = netServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function until<T>(what: string, ms: number, f: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function pageListed(): Promise<{ url: string; title: string; id: string }> {
  const r = await fetch(`http://127.0.0.1:${devtools}/json/list`);
  const list = (await r.json()) as Array<{ type: string; url: string; title: string; id: string }>;
  const p = list.find((t) => t.type === 'page');
  if (!p) throw new Error('no page');
  return p;
}

async function navigate(url: string): Promise<void> {
  // DevTools' HTTP endpoint opens a new tab; close the others so the watchdog sees this one
  const before = await pageListed();
  const r = await fetch(`http://127.0.0.1:${devtools}/json/new?${encodeURIComponent(url)}`, { method: 'PUT' });
  const created = (await r.json()) as { id: string };
  await fetch(`http://127.0.0.1:${devtools}/json/close/${before.id}`);
  await until('the new page alone', 10_000, async () => ((await pageListed()).id === created.id ? true : undefined));
}

function watchdog(portal: string, state: string) {
  writeFileSync(join(dir, 'kiosk.env'), `KIOSK_URL=${portal}\n`);
  return spawnSync('python3', [WATCHDOG], {
    encoding: 'utf8',
    timeout: 30_000,
    env: {
      ...process.env,
      PATH: `${join(dir, 'bin')}:${process.env.PATH}`,
      KIOSK_DEVTOOLS_PORT: String(devtools),
      KIOSK_ENV_FILE: join(dir, 'kiosk.env'),
      KIOSK_WATCHDOG_DIR: state,
      KIOSK_WATCHDOG_GRACE: '0',
    },
  });
}

beforeAll(async () => {
  mkdirSync(join(dir, 'bin'));
  // systemctl: the kiosk unit active since boot; a kill is noted (the watchdog's restart)
  writeFileSync(
    join(dir, 'bin/systemctl'),
    `#!/bin/sh\ncase $1 in show) printf 'ActiveState=active\\nActiveEnterTimestampMonotonic=0\\n';; *) echo "$*" >> ${dir}/systemctl.log;; esac\n`,
  );
  chmodSync(join(dir, 'bin/systemctl'), 0o755);
  portalServer = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>${PORTAL_TITLE}</title><p>Layanan Desa</p>`);
  });
  await new Promise<void>((r) => portalServer?.listen(0, '127.0.0.1', r));
  portalPort = (portalServer.address() as { port: number }).port;
  const profile = join(dir, 'profile');
  browser = spawn(
    '/usr/bin/chromium',
    [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      `--user-data-dir=${profile}`,
      '--remote-debugging-address=127.0.0.1',
      '--remote-debugging-port=0',
      'about:blank',
    ],
    { stdio: 'ignore', detached: true },
  );
  // Chromium writes the port it took (port 0: any free one) into its profile
  devtools = await until('Chromium DevTools', 30_000, async () => {
    const f = join(profile, 'DevToolsActivePort');
    return existsSync(f) ? Number(readFileSync(f, 'utf8').split('\n')[0]) || undefined : undefined;
  });
  await until('the first page', 20_000, () => pageListed());
}, 60_000);

afterAll(async () => {
  if (browser?.pid) {
    try {
      process.kill(-browser.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await new Promise<void>((r) => (portalServer ? portalServer.close(() => r()) : r()));
  rmSync(dir, { recursive: true, force: true });
});

describe('the kiosk watchdog on a real Chromium', () => {
  it("sees Chromium's error page under the portal's URL for what it is, tells the probe, and opens the offline page", async () => {
    const portal = `http://127.0.0.1:${await freePort()}/`; // nothing listens there
    await navigate(portal);
    // what the sweep's probe reads from DevTools alone: the failed URL, as if it were the portal
    const listed = await until('the error page', 20_000, async () => {
      const p = await pageListed();
      return p.url === portal && p.title !== '' ? p : undefined;
    });
    expect(listed.url).toBe(portal);
    const state = join(dir, 'state-error');
    const r = watchdog(portal, state);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(state, 'page'), 'utf8')).toBe(`${portal}\nerror\n`);
    expect(r.stdout).toContain('the browser shows its network-error page: to the offline page');
    const after = await until('the offline page', 20_000, async () => {
      const p = await pageListed();
      return p.url.includes('offline.html#') ? p : undefined;
    });
    expect(after.url).toMatch(/^file:\/\/\/(opt\/jfleet-kiosk\/current\/www|usr\/share\/jfleet-kiosk)\/offline\.html#/);
    expect(after.url.endsWith(`#${portal}`)).toBe(true);
  });

  it('leaves the portal on screen when it answers, and says it is a page', async () => {
    const portal = `http://127.0.0.1:${portalPort}/`;
    await navigate(portal);
    await until('the portal', 20_000, async () => ((await pageListed()).title === PORTAL_TITLE ? true : undefined));
    const state = join(dir, 'state-portal');
    const r = watchdog(portal, state);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(state, 'page'), 'utf8')).toBe(`${portal}\npage\n`);
    expect(JSON.parse(readFileSync(join(state, 'status.json'), 'utf8'))).toMatchObject({ check: 'ok', url: portal, title: PORTAL_TITLE, fails: 0 });
    expect((await pageListed()).url).toBe(portal);
    expect(existsSync(join(dir, 'systemctl.log'))).toBe(false); // no restart
  });

  it('with no browser answering, counts a failure and removes what it told the probe', () => {
    const state = join(dir, 'state-portal');
    writeFileSync(join(dir, 'kiosk.env'), 'KIOSK_URL=http://127.0.0.1:9/\n');
    const r = spawnSync('python3', [WATCHDOG], {
      encoding: 'utf8',
      timeout: 30_000,
      env: {
        ...process.env,
        PATH: `${join(dir, 'bin')}:${process.env.PATH}`,
        KIOSK_DEVTOOLS_PORT: '9',
        KIOSK_ENV_FILE: join(dir, 'kiosk.env'),
        KIOSK_WATCHDOG_DIR: state,
        KIOSK_WATCHDOG_GRACE: '0',
      },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/the kiosk page does not answer .*; 1 of 2/);
    expect(existsSync(join(state, 'page'))).toBe(false);
  });
});
