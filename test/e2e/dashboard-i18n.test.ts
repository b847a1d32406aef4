/**
 * The central dashboard in both languages, in headless Chromium (Debian's /usr/bin/chromium via
 * playwright-core): Accept-Language picks the language, the page's switch changes it and a
 * cookie keeps it, times are in WIB, and the Indonesian page leaves no English behind, judged
 * against the catalogs (src/i18n/locales/), not a list kept here. Screenshots of both languages
 * are kept under test-results/ (docs/img/ holds a copy of each for the README).
 */
import { mkdirSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import i18next from 'i18next';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceStatus } from '../../src/health/types.js';
import { type CatalogTree, catalogEntries, type MessageKey } from '../../src/i18n/catalog.js';
import en from '../../src/i18n/locales/en.js';
import id from '../../src/i18n/locales/id.js';
import { escapeHtml } from '../../src/central/dashboard.js';
import { createMessages } from '../../src/i18n/messages.js';
import { loadVillages } from '../../src/inventory/villages.js';
import { buildReport } from '../../src/report/build.js';
import { createApiClient } from '../../src/report/client.js';
import type { Report } from '../../src/report/contract.js';
import { uuidv7 } from '../../src/report/ids.js';
import { ROOT } from '../helpers/cli.js';
import { central, devices, RUNNER, TOKEN } from '../report/helpers.js';

const ARTIFACTS = join(ROOT, 'test-results');
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const enT = createMessages(i18next, 'en', { en }).t;
const idT = createMessages(i18next, 'id', { en, id }).t;

/** What a runner's checks say, in English (the report carries the runner's words; the page translates them). */
const SAID = {
  load: enT('errors.check.load', { load: '3.1', cpus: 2, per: '1.55' }),
  memory: enT('errors.check.memory', { pct: 4, mib: 80 }),
  disk: enT('errors.check.disk', { pct: 2, mib: 512 }),
  kiosk_browser: enT('errors.check.browserSilent'),
  kiosk_page: enT('errors.check.pageNoAnswer'),
  uptime: enT('errors.check.upUnexpected', { duration: '2m', at: '02:10', window: '01:00-03:00' }),
  temperature: enT('errors.check.noSensor'),
  display: enT('errors.check.noDisplay'),
  time_sync: enT('errors.check.clockNotSynced'),
  release: enT('errors.check.noRelease'),
  dns: enT('errors.check.dnsFailed'),
  portal: enT('errors.check.httpAnswers', { what: 'portal', code: 503 }),
  central_api: enT('errors.check.noAnswer'),
  gateway: enT('errors.check.notMeasured', { what: 'gateway' }),
  internet: enT('errors.check.noPingAnswer', { what: 'internet' }),
  ssh: enT('errors.check.probeFailed', { why: enT('errors.check.noAnswer') }),
} as const;

/** 24 packages over every state, with every check failing somewhere, soft, flapping, silenced and release-less ones, and three reached through their tunnel (up, down, unknown). */
function fleetReport(at: Date): Report {
  const names = Object.keys(SAID) as Array<keyof typeof SAID>;
  const devs = devices(24, ['ok', 'warn', 'critical', 'unknown', 'unreachable'], at.toISOString()).map((d, i): DeviceStatus => {
    const failing = d.state === 'ok' ? [] : names.filter((_, k) => k % 4 === i % 4);
    return {
      ...d,
      hard: i !== 1,
      flapping: i === 2,
      silenced: i === 3,
      release: i === 4 ? null : d.release,
      checks: [
        { name: 'disk', state: 'ok', output: enT('errors.check.disk', { pct: 61, mib: 9000 }), perfdata: {} },
        ...failing.map((name) => ({ name, state: 'warn' as const, output: SAID[name], perfdata: {} })),
      ],
    };
  });
  const ago = (s: number) => new Date(at.getTime() - s * 1000).toISOString();
  const tunnels = new Map([
    [devs[5]!.id, { bastion: 'bastion-jember', state: 'up' as const, connectedSince: ago(7200), lastSeen: ago(0) }],
    [devs[6]!.id, { bastion: 'bastion-jember', state: 'down' as const, connectedSince: null, lastSeen: ago(3 * 3600) }],
    [devs[7]!.id, { bastion: 'bastion-jember', state: 'unknown' as const, connectedSince: null, lastSeen: ago(600) }],
  ]);
  return buildReport({ reportId: uuidv7(at.getTime()), createdAt: at, runner: RUNNER, devices: devs, changes: [], ref: loadVillages(), tunnels });
}

let srv: Awaited<ReturnType<typeof central>>;
let empty: Awaited<ReturnType<typeof central>>;
let browser: Browser;
let report: Report;
const pageErrors: string[] = [];

beforeAll(async () => {
  srv = await central();
  empty = await central();
  report = fleetReport(new Date(Date.now() - 150_000)); // "3 minutes ago" for the next minute
  const client = createApiClient({ url: srv.url, token: TOKEN });
  expect((await client.postReport(report.reportId, JSON.stringify(report))).kind).toBe('delivered');
  await client.close();
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  mkdirSync(ARTIFACTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await srv?.close();
  await empty?.close();
});

async function pageWith(acceptLanguage: string, httpCredentials?: { username: string; password: string }): Promise<Page> {
  const context = await browser.newContext({
    extraHTTPHeaders: { 'accept-language': acceptLanguage },
    viewport: { width: 1500, height: 1000 },
    httpCredentials,
  });
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  return page;
}

/** Everything a person can read on the page in its language: its text (SVG tooltips included) and the attributes shown as text. */
async function readable(page: Page): Promise<string> {
  // run in the page (a string: the test's TypeScript has no DOM types)
  return page.evaluate(`(() => {
    const copy = document.documentElement.cloneNode(true);
    for (const e of copy.querySelectorAll('script, style')) e.remove();
    // text marked as another language (the switch names each language in its own) is not this page's
    for (const e of copy.querySelectorAll('[lang]')) if (e !== copy && e.getAttribute('lang') !== copy.getAttribute('lang')) e.remove();
    const attrs = [...copy.querySelectorAll('[title], [placeholder], [aria-label]')].flatMap((e) =>
      ['title', 'placeholder', 'aria-label'].map((a) => e.getAttribute(a) ?? ''),
    );
    return [document.title, copy.textContent ?? '', ...attrs].join(' ').replace(/\\s+/g, ' ');
  })()`);
}

/** The words of a catalog text around its placeholders ("laporan terakhir {{when}}" -> ["laporan terakhir"]). */
function fragments(text: string): string[] {
  return text
    .split(/\{\{\w+\}\}/)
    .map((s) => s.trim().replace(/^[\s·:,()]+|[\s·:,()]+$/g, ''))
    .filter((s) => /\p{L}{2,}/u.test(s));
}

const asWord = (s: string) => new RegExp(`(?<![\\p{L}\\p{N}_])${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\p{L}\\p{N}_])`, 'u');

/** The catalog entries the dashboard speaks: its own section and the state names it shows (the error pages' own words are judged on those pages). */
function pageEntries(which: 'dashboard' | 'errors' = 'dashboard'): Array<{ key: string; en: string; id: string }> {
  const idEntries = new Map(catalogEntries(id as CatalogTree));
  const onErrorPage = (k: string) => k.startsWith('dashboard.error.');
  return catalogEntries(en as CatalogTree)
    .filter(([k]) => (which === 'errors' ? onErrorPage(k) : (k.startsWith('dashboard.') || k.startsWith('health.state.')) && !onErrorPage(k)))
    .map(([key, text]) => {
      // Indonesian has one plural form: packages_one and packages_other both read as packages_other
      const idKey = idEntries.has(key) ? key : key.replace(/_one$/, '_other');
      return { key, en: text, id: idEntries.get(idKey) ?? '' };
    });
}

describe('the dashboard in Indonesian and English', () => {
  it('Accept-Language id-ID gives the Indonesian page, times in WIB', async () => {
    const page = await pageWith('id-ID,id;q=0.9,en;q=0.5');
    const res = await page.goto(`${srv.url}/`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-language']).toBe('id');
    expect(await page.getAttribute('html', 'lang')).toBe('id');
    expect(await page.title()).toBe(idT('dashboard.title'));
    expect(await page.locator('h1').textContent()).toBe(idT('dashboard.heading'));
    expect(await page.locator('#packages thead th').allTextContents()).toEqual(
      (['package', 'village', 'state', 'release', 'lastSeen', 'checks'] as const).map((c) => idT(`dashboard.column.${c}`)),
    );
    // state names as the glossary fixes them, the state keywords untouched in the data
    expect(await page.locator('[data-count-state="critical"] .badge').textContent()).toBe('kritis');
    expect(await page.locator('[data-count-state="unreachable"] .badge').textContent()).toBe('tak terjangkau');
    expect(await page.locator('#filter-state option[value="warn"]').textContent()).toBe('waspada');
    expect(await page.locator('#map #legend').textContent()).toContain('tak diketahui (');
    expect(await page.locator('#packages tr.pkg[data-id="kiosk-001"] td.seen').textContent()).toBe('3 menit yang lalu');
    expect(await page.locator('#packages tr.pkg[data-state="unreachable"] td.seen').first().textContent()).toBe('belum pernah');
    // times in the fleet's zone: WIB is UTC+7, written the Indonesian way (09.05)
    const generated = page.locator('header time').last();
    const iso = (await generated.getAttribute('datetime')) ?? '';
    const utc = new Date(iso);
    const hh = String((utc.getUTCHours() + 7) % 24).padStart(2, '0');
    const mm = String(utc.getUTCMinutes()).padStart(2, '0');
    expect(await generated.textContent()).toMatch(new RegExp(`^\\d{1,2} \\S+ \\d{4} ${hh}\\.${mm} WIB$`));
    const seen = await page.locator('#packages tr.pkg[data-id="kiosk-001"] td.seen').getAttribute('title');
    const seenAt = new Date(report.fleet.packages.find((p) => p.id === 'kiosk-001')?.lastSeen ?? '');
    expect(seen).toContain(`${String((seenAt.getUTCHours() + 7) % 24).padStart(2, '0')}.${String(seenAt.getUTCMinutes()).padStart(2, '0')} WIB`);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-id.png') });
    await page.context().close();
  });

  it('Accept-Language en (or any language but Indonesian) gives the English page', async () => {
    for (const header of ['en-US,en;q=0.9', 'fr-FR,de;q=0.8', 'id;q=0, en;q=0.5']) {
      const page = await pageWith(header);
      const res = await page.goto(`${srv.url}/`);
      expect(res?.headers()['content-language'], header).toBe('en');
      expect(await page.getAttribute('html', 'lang')).toBe('en');
      expect(await page.locator('h1').textContent()).toBe(enT('dashboard.heading'));
      expect(await page.locator('[data-count-state="warn"] .badge').textContent()).toBe('warn');
      expect(await page.locator('#packages tr.pkg[data-id="kiosk-001"] td.seen').textContent()).toBe('3 minutes ago');
      const generated = page.locator('header time').last();
      const utc = new Date((await generated.getAttribute('datetime')) ?? '');
      const hh = String((utc.getUTCHours() + 7) % 24).padStart(2, '0');
      expect(await generated.textContent()).toMatch(new RegExp(`^\\d{1,2} \\S+ \\d{4}, ${hh}:${String(utc.getUTCMinutes()).padStart(2, '0')} WIB$`));
      if (header.startsWith('en-US')) await page.screenshot({ path: join(ARTIFACTS, 'dashboard-en.png') });
      await page.context().close();
    }
  });

  it('the switch changes the language, keeps the filters, and the choice persists', async () => {
    const page = await pageWith('en-US,en;q=0.9');
    await page.goto(`${srv.url}/`);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await page.selectOption('#filter-state', 'critical');
    const critical = report.fleet.packages.filter((p) => p.state === 'critical').length;
    const toId = page.locator('#lang-switch a[data-lang="id"]');
    expect(await toId.textContent()).toBe('Bahasa Indonesia');
    await Promise.all([page.waitForURL(/lang=id/), toId.click()]);
    expect(await page.getAttribute('html', 'lang')).toBe('id');
    expect(await page.locator('h1').textContent()).toBe(idT('dashboard.heading'));
    // the filter came along
    expect(await page.locator('#filter-state').inputValue()).toBe('critical');
    expect(await page.locator('#packages tr.pkg:not([hidden])').count()).toBe(critical);
    expect(await page.locator('#lang-switch [aria-current="true"]').textContent()).toBe('Bahasa Indonesia');
    // persists: the browser still asks for English, the cookie answers Indonesian
    const cookies = await page.context().cookies(srv.url);
    expect(cookies.find((c) => c.name === 'jfleet_lang')).toMatchObject({ value: 'id', httpOnly: true, sameSite: 'Lax' });
    await page.goto(`${srv.url}/`);
    expect(await page.getAttribute('html', 'lang')).toBe('id');
    await page.reload();
    expect(await page.getAttribute('html', 'lang')).toBe('id');
    // and back
    await Promise.all([page.waitForURL(/lang=en/), page.locator('#lang-switch a[data-lang="en"]').click()]);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await page.goto(`${srv.url}/`);
    expect(await page.locator('h1').textContent()).toBe(enT('dashboard.heading'));
    await page.context().close();
  });

  it('the Indonesian page says every dashboard word in Indonesian and no English-only word', async () => {
    const texts: string[] = [];
    for (const server of [srv, empty]) {
      const page = await pageWith('id-ID');
      await page.goto(`${server.url}/`);
      texts.push(await readable(page));
      await page.context().close();
    }
    const idText = texts.join(' ');
    const entries = pageEntries();
    expect(entries.length).toBeGreaterThan(40);
    const differing = entries.filter((e) => e.en !== e.id);
    const missing = differing.flatMap((e) =>
      fragments(e.id)
        .filter((w) => !idText.includes(w))
        .map((w) => `${e.key}: ${JSON.stringify(w)}`),
    );
    expect(missing, 'Indonesian catalog words not on the Indonesian page').toEqual([]);
    const english = differing.flatMap((e) =>
      fragments(e.en)
        .filter((w) => !fragments(e.id).includes(w) && asWord(w).test(idText))
        .map((w) => `${e.key}: ${JSON.stringify(w)}`),
    );
    expect(english, 'English catalog words left on the Indonesian page').toEqual([]);
    // what the runner's checks said, in English, reads in Indonesian too
    for (const said of Object.values(SAID)) {
      const translated = idT.phrase(said);
      expect(translated, said).not.toBe(said);
      expect(idText, said).toContain(translated);
      expect(idText, said).not.toContain(said);
    }
  });

  it('the English page has the English words and none of the Indonesian-only ones', async () => {
    const page = await pageWith('en');
    await page.goto(`${srv.url}/`);
    const enText = await readable(page);
    await page.context().close();
    const differing = pageEntries().filter((e) => e.en !== e.id && e.key !== 'dashboard.noReport' && !e.key.endsWith('_one'));
    const leaked = differing.flatMap((e) =>
      fragments(e.id)
        .filter((w) => !fragments(e.en).includes(w) && asWord(w).test(enText))
        .map((w) => `${e.key}: ${JSON.stringify(w)}`),
    );
    expect(leaked).toEqual([]);
    expect(enText).toContain(enT('dashboard.allChecksOk'));
    expect(enText).toContain(enT('dashboard.packages', { count: 24 }));
    expect(enText).toContain(SAID.disk);
  });

  it('a person refused (no page, no read token, a strange Host, a broken database) reads why in their language; JSON clients keep the API error', async () => {
    const guarded = await central(undefined, undefined, 0, { readToken: 'read-secret-token' });
    const broken = await central();
    try {
      // the database under the server loses a table: every read fails inside the server
      const db = new Database(join(broken.dir, 'central.db'));
      db.exec('DROP TABLE central_packages');
      db.close();
      const seen: Record<string, string[]> = { id: [], en: [] };
      for (const lang of ['id', 'en'] as const) {
        const t = lang === 'id' ? idT : enT;
        const visit = async (url: string, status: number, code: string, reason: string) => {
          // the person at the browser's login box types a wrong token (where the server asks for one)
          const page = await pageWith(lang === 'id' ? 'id-ID,id;q=0.9' : 'en-US', { username: 'operator', password: 'not-the-token' });
          const res = await page.goto(url);
          expect(res?.status(), url).toBe(status);
          expect(res?.headers()['content-type'], url).toMatch(/^text\/html/);
          expect(await page.getAttribute('html', 'lang'), url).toBe(lang);
          expect(await page.title(), url).toBe(t('dashboard.error.title', { status: String(status) }));
          expect(await page.locator('#reason').textContent(), url).toBe(reason);
          const text = await readable(page);
          expect(text, url).toContain(t('dashboard.error.code', { code }));
          seen[lang]!.push(text);
          await page.context().close();
        };
        await visit(`${srv.url}/peta-lama`, 404, 'not_found', t('dashboard.error.notFound', { path: '/peta-lama' }));
        await visit(`${guarded.url}/`, 401, 'unauthorized', t('dashboard.error.readToken'));
        await visit(`${broken.url}/`, 500, 'internal', t('dashboard.error.internal'));
        // a Host the server does not answer to (a browser sets Host from the URL; a raw request sets it here)
        const page = await new Promise<{ status: number; lang: string; body: string }>((resolve, reject) => {
          const u = new URL(srv.url);
          const req = httpRequest(
            { host: u.hostname, port: u.port, path: '/', headers: { host: 'kiosk.example', accept: 'text/html', 'accept-language': lang } },
            (res) => {
              let body = '';
              res
                .setEncoding('utf8')
                .on('data', (c: string) => (body += c))
                .on('end', () => resolve({ status: res.statusCode ?? 0, lang: String(res.headers['content-language']), body }));
            },
          );
          req.on('error', reject).end();
        });
        expect(page.status).toBe(421);
        expect(page.lang).toBe(lang);
        expect(page.body).toContain(escapeHtml(t('dashboard.error.misdirected', { host: 'kiosk.example' })));
        seen[lang]!.push(page.body);
      }
      // every Indonesian word of the error pages was on one of them, no English-only word was
      const idText = seen.id!.join(' ');
      const enText = seen.en!.join(' ');
      const entries = pageEntries('errors').filter((e) => e.en !== e.id);
      expect(entries.length).toBeGreaterThanOrEqual(6);
      const missing = entries.flatMap((e) =>
        fragments(e.id)
          .filter((w) => !idText.includes(w) && !idText.includes(escapeHtml(w)))
          .map((w) => `${e.key}: ${w}`),
      );
      expect(missing).toEqual([]);
      const english = entries.flatMap((e) =>
        fragments(e.en)
          .filter((w) => !fragments(e.id).includes(w) && asWord(w).test(idText))
          .map((w) => `${e.key}: ${w}`),
      );
      expect(english).toEqual([]);
      const leaked = entries.flatMap((e) =>
        fragments(e.id)
          .filter((w) => !fragments(e.en).includes(w) && asWord(w).test(enText))
          .map((w) => `${e.key}: ${w}`),
      );
      expect(leaked).toEqual([]);
      // the same refusals to a program stay the API's JSON, in English, whatever it asks for
      const json = await fetch(`${guarded.url}/v1/fleet`, { headers: { 'accept-language': 'id-ID', accept: 'application/json' } });
      expect(json.status).toBe(401);
      expect(((await json.json()) as { error: string }).error).toBe('unauthorized');
      const missingRoute = await fetch(`${srv.url}/peta-lama`, { headers: { 'accept-language': 'id-ID' } });
      expect(missingRoute.headers.get('content-type')).toMatch(/^application\/json/);
    } finally {
      await guarded.close();
      await broken.close();
    }
  });

  it('the JSON API does not change with the language', async () => {
    const a = await fetch(`${srv.url}/v1/fleet`, { headers: { 'accept-language': 'id-ID' } });
    const b = await fetch(`${srv.url}/v1/fleet`, { headers: { 'accept-language': 'en', cookie: 'jfleet_lang=id' } });
    const [ja, jb] = (await Promise.all([a.json(), b.json()])) as [{ packages: Array<{ id: string }> }, { packages: unknown }];
    expect(ja.packages).toEqual(jb.packages);
    expect(ja.packages.map((p) => p.id)).toEqual(report.fleet.packages.map((p) => p.id));
    expect(a.headers.get('content-language')).toBeNull();
    expect(a.headers.get('set-cookie')).toBeNull();
    // an unknown key is the key, never a half-sentence
    expect(idT('dashboard.nothing' as MessageKey)).toBe('dashboard.nothing');
  });

  it('no script error on any page above', () => {
    expect(pageErrors).toEqual([]);
  });
});
