/**
 * The central dashboard in headless Chromium (Debian's /usr/bin/chromium via playwright-core):
 * the page loads, the map shows the right number of villages in each state, the filters work.
 * Screenshots are kept under test-results/ as artifacts.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadVillages } from '../../src/inventory/villages.js';
import { createApiClient } from '../../src/report/client.js';
import type { FleetState, Report } from '../../src/report/contract.js';
import { ROOT } from '../helpers/cli.js';
import { central, sampleReport, TOKEN } from '../report/helpers.js';
import { at } from '../helpers/at.js';

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

let srv: Awaited<ReturnType<typeof central>>;
let browser: BrowserContext;
let page: Page;
let profile: string;
let latest: Report;

beforeAll(async () => {
  srv = await central();
  const client = createApiClient({ url: srv.url, token: TOKEN });
  // Two reports: the second changes some states, so the page must show the newest snapshot.
  const first = sampleReport({ n: 24, states: ['ok'], at: new Date(Date.now() - 3_600_000) });
  latest = sampleReport({ n: 24, states: ['ok', 'warn', 'critical', 'unknown', 'unreachable'], at: new Date(Date.now() - 150_000) }); // shown as "3 minutes ago" for the next minute
  for (const r of [first, latest]) expect((await client.postReport(r.reportId, JSON.stringify(r))).kind).toBe('delivered');
  await client.close();
  profile = mkdtempSync(join(tmpdir(), 'jfleet-chromium-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1500, height: 1000 },
  });
  page = await browser.newPage();
  mkdirSync(ARTIFACTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await srv?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

const visibleRows = (p: Page) => p.locator('#packages tr.pkg:not([hidden])');

describe('central dashboard', () => {
  it('loads, and the map shows the right number of villages in each state', async () => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const res = await page.goto(`${srv.url}/`);
    expect(res?.status()).toBe(200);
    await expect(page.title()).resolves.toContain('Jember');
    const fleet = (await (await fetch(`${srv.url}/v1/fleet`)).json()) as FleetState;
    expect(fleet.counts).toEqual(latest.fleet.counts);
    for (const state of ['ok', 'warn', 'critical', 'unknown', 'unreachable'] as const) {
      const expected = latest.fleet.packages.filter((p) => p.state === state).length;
      expect(await page.locator(`#map circle[data-state="${state}"]`).count(), state).toBe(expected);
      expect(await page.locator(`[data-count-state="${state}"] b`).textContent()).toBe(String(expected));
    }
    // one dot per village with a package (24 distinct villages), none for the other villages
    expect(await page.locator('#map circle[data-village]').count()).toBe(24);
    expect(loadVillages().villages.length).toBe(248);
    expect(await page.locator('#map path[data-district]').count()).toBe(31);
    expect(await visibleRows(page).count()).toBe(24);
    // grouped by district, with last-seen times
    const districts = new Set(latest.fleet.packages.map((p) => p.district.code));
    expect(await page.locator('#packages tbody.group').count()).toBe(districts.size);
    expect(await page.locator('#packages tr.pkg[data-id="kiosk-001"] td.seen').textContent()).toBe('3 minutes ago');
    expect(await page.locator('#packages tr.pkg[data-state="unreachable"] td.seen').first().textContent()).toBe('never');
    expect(errors).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });
  });

  it('the state filter narrows the table and dims the other villages on the map', async () => {
    await page.goto(`${srv.url}/`);
    await page.selectOption('#filter-state', 'critical');
    const critical = latest.fleet.packages.filter((p) => p.state === 'critical');
    expect(await visibleRows(page).count()).toBe(critical.length);
    expect(await page.locator('#shown').textContent()).toBe(String(critical.length));
    const states = await visibleRows(page).evaluateAll((rows) =>
      rows.map((r) => (r as unknown as { dataset: Record<string, string | undefined> }).dataset.state),
    );
    expect(new Set(states)).toEqual(new Set(['critical']));
    expect(await page.locator('#map circle[data-village]:not(.dim)').count()).toBe(critical.length);
    // the filter is kept in the address: a reload (the page refreshes every minute) keeps the view
    expect(new URL(page.url()).searchParams.get('state')).toBe('critical');
    await page.reload();
    expect(await page.locator('#filter-state').inputValue()).toBe('critical');
    expect(await visibleRows(page).count()).toBe(critical.length);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-critical.png'), fullPage: true });
  });

  it('the district filter and the search box narrow the table', async () => {
    await page.goto(`${srv.url}/`);
    const d = at(latest.fleet.packages, 3).district;
    await page.selectOption('#filter-district', d.code);
    const inDistrict = latest.fleet.packages.filter((p) => p.district.code === d.code);
    expect(await visibleRows(page).count()).toBe(inDistrict.length);
    expect(await page.locator('#packages tbody.group:not([hidden])').count()).toBe(1);
    expect(await page.locator('#map circle[data-village]:not(.dim)').count()).toBe(inDistrict.length);
    expect(await page.locator('#map path.selected').getAttribute('data-district')).toBe(d.code);
    await page.selectOption('#filter-district', '');
    await page.fill('#filter-text', 'kiosk-007');
    expect(await visibleRows(page).count()).toBe(1);
    expect(await visibleRows(page).first().getAttribute('data-id')).toBe('kiosk-007');
  });

  it("a package's history link answers its state changes across reports", async () => {
    const h = (await (await fetch(`${srv.url}/v1/devices/kiosk-002/history`)).json()) as { current: { state: string }; entries: Array<{ state: string }> };
    expect(h.current.state).toBe('warn');
    expect(h.entries.map((e) => e.state)).toEqual(['ok', 'warn']);
  });
});
