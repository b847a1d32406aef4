/**
 * Writes the fleet map as .svg, .html or .png. PNG goes through headless Chromium
 * (playwright-core driving the system's /usr/bin/chromium): the one renderer that draws the
 * SVG exactly as the HTML page and the dashboard show it.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { writeAtomic } from '../atomic-file.js';
import { UserError } from '../errors.js';
import { DISTRICTS_GEOJSON, loadVillages } from '../inventory/villages.js';
import { dateTime } from '../i18n/format.js';
import { renderMapHtml, renderMapSvg, villageStates, type DistrictsGeoJson } from './map.js';
import { groupByDistrict, type Speech } from './render.js';
import type { DeviceStatus } from './types.js';

export function chromiumPath(env: Record<string, string | undefined>): string {
  return env.JFLEET_CHROMIUM ?? '/usr/bin/chromium';
}

/** The map's format from the file name; throws a one-line UserError for one it cannot write. */
export function mapFormat(file: string): '.svg' | '.png' | '.html' | '.htm' {
  const ext = extname(file).toLowerCase();
  if (!['.svg', '.png', '.html', '.htm'].includes(ext)) throw new UserError(`--map writes .svg, .png or .html files, not "${ext || file}"`);
  return ext as '.svg' | '.png' | '.html' | '.htm';
}

/**
 * Writes the map. The caller checks beforehand that the path can be written (and words the
 * file-system errors for the user): this module only renders and writes.
 */
export async function writeMapFile(
  file: string,
  devices: DeviceStatus[],
  opts: { now: Date; env: Record<string, string | undefined>; speech: Speech },
): Promise<void> {
  const ext = mapFormat(file);
  const ref = loadVillages();
  const geo = JSON.parse(readFileSync(DISTRICTS_GEOJSON, 'utf8')) as DistrictsGeoJson;
  // an official reads the file: its words in the run's language, its time in the fleet's zone (WIB)
  const { t, f } = opts.speech;
  const stateLabel = (s: DeviceStatus['state']) => t(`health.state.${s}`);
  const title = t('health.mapFile.title');
  const subtitle = t('health.mapFile.subtitle', { devices: t('health.mapFile.devices', { count: devices.length }), time: dateTime(f, opts.now) });
  const svg = renderMapSvg(ref, geo, villageStates(devices), {
    title,
    subtitle,
    stateLabel,
    villageTitle: (v, s) => t('health.mapFile.village', { village: v.name, district: v.district, state: stateLabel(s) }),
  });
  if (ext === '.svg') return writeAtomic(file, svg + '\n', { label: '--map' });
  const html = renderMapHtml(svg, groupByDistrict(devices), title, {
    lang: f.locale.split('-')[0] ?? 'en',
    district: t('health.mapFile.district'),
    stateLabel,
  });
  if (ext !== '.png') return writeAtomic(file, html, { label: '--map' });
  const { chromium } = await import('playwright-core');
  let browser;
  try {
    browser = await chromium.launch({ executablePath: chromiumPath(opts.env), args: ['--no-sandbox', '--disable-gpu'] });
  } catch (e) {
    throw new UserError(`cannot start Chromium for the PNG (${(e as Error).message.split('\n')[0]})`, {
      hint: 'install chromium (scripts/install-system-deps.sh), set JFLEET_CHROMIUM, or write .svg/.html instead',
    });
  }
  try {
    const page = await browser.newPage({ viewport: { width: 900, height: 700 }, deviceScaleFactor: 1 });
    await page.setContent(`<!doctype html><html><body style="margin:0;background:#fff">${svg}</body></html>`);
    const png = await page.locator('svg').first().screenshot({ type: 'png' });
    writeAtomic(file, png, { label: '--map' });
  } finally {
    await browser.close();
  }
}
