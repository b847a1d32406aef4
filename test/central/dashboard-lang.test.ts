/**
 * The dashboard's language and time zone over real HTTP on loopback: the headers that say which
 * language a page is in, the switch's cookie, the JSON API untouched, and `jfleet central serve`
 * (the built binary) showing times in the zone of the config's `timeZone`.
 */
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiClient } from '../../src/report/client.js';
import { at } from '../helpers/at.js';
import { BIN, jfleet, tempHome } from '../helpers/cli.js';
import { central, sampleReport, TOKEN } from '../report/helpers.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0)) await f();
});

async function server(extra: Parameters<typeof central>[3] = {}) {
  const s = await central(undefined, undefined, 0, extra);
  cleanup.push(() => s.close());
  return s;
}

const htmlLang = (html: string) => /<html lang="([^"]+)"/.exec(html)?.[1];

describe('dashboard language over HTTP', () => {
  it('answers in the language chosen, says so, and varies on what chose it', async () => {
    const s = await server();
    const id = await fetch(`${s.url}/`, { headers: { 'accept-language': 'id-ID,id;q=0.9' } });
    expect(id.status).toBe(200);
    expect(id.headers.get('content-language')).toBe('id');
    expect(id.headers.get('vary')).toBe('Accept-Language, Cookie');
    expect(id.headers.get('set-cookie')).toBeNull();
    const body = await id.text();
    expect(htmlLang(body)).toBe('id');
    expect(body).toContain('Belum ada laporan yang diterima.');
    const en = await fetch(`${s.url}/dashboard`, { headers: { 'accept-language': 'en-GB' } });
    expect(en.headers.get('content-language')).toBe('en');
    expect(htmlLang(await en.text())).toBe('en');
    // HEAD says the same without a body
    const head = await fetch(`${s.url}/`, { method: 'HEAD', headers: { 'accept-language': 'id' } });
    expect(head.headers.get('content-language')).toBe('id');
    expect(await head.text()).toBe('');
  });

  it('?lang= sets the cookie, and the cookie then wins over Accept-Language', async () => {
    const s = await server();
    const set = await fetch(`${s.url}/?lang=id&state=critical`, { headers: { 'accept-language': 'en' } });
    expect(htmlLang(await set.text())).toBe('id');
    const cookie = set.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^jfleet_lang=id; Max-Age=31536000; Path=\/; HttpOnly; SameSite=Lax$/);
    const again = await fetch(`${s.url}/`, { headers: { 'accept-language': 'en', cookie: cookie.split(';')[0] ?? '' } });
    expect(htmlLang(await again.text())).toBe('id');
    // a language it does not speak changes nothing and sets nothing
    const fr = await fetch(`${s.url}/?lang=fr`, { headers: { 'accept-language': 'en' } });
    expect(htmlLang(await fr.text())).toBe('en');
    expect(fr.headers.get('set-cookie')).toBeNull();
  });

  it('device text is escaped in Indonesian too, also where a translated sentence carries it', async () => {
    const s = await server();
    const r = sampleReport({ n: 1, states: ['critical'], at: new Date(Date.now() - 60_000) });
    at(at(r.fleet.packages, 0).checks, 0).output = 'disk / <img src=x onerror=alert(1)>% free (1 MiB)';
    const client = createApiClient({ url: s.url, token: TOKEN });
    expect((await client.postReport(r.reportId, JSON.stringify(r))).kind).toBe('delivered');
    await client.close();
    const html = await (await fetch(`${s.url}/`, { headers: { 'accept-language': 'id' } })).text();
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('disk / kosong &lt;img src=x onerror=alert(1)&gt;% (1 MiB)');
  });

  it('the JSON API answers the same whatever the language', async () => {
    const s = await server();
    const a = await fetch(`${s.url}/v1/fleet`, { headers: { 'accept-language': 'id-ID', cookie: 'jfleet_lang=id' } });
    const b = await fetch(`${s.url}/v1/fleet`, { headers: { 'accept-language': 'en' } });
    expect(a.headers.get('content-type')).toBe(b.headers.get('content-type'));
    expect(a.headers.get('content-language')).toBeNull();
    const [ja, jb] = (await Promise.all([a.json(), b.json()])) as Array<Record<string, unknown>>;
    expect({ ...ja, generatedAt: 0 }).toEqual({ ...jb, generatedAt: 0 });
  });

  it('times are in the fleet zone: WIB by default, another zone when the server is given one', async () => {
    const now = new Date('2026-12-02T01:30:00Z');
    const wib = await server({ now: () => now });
    const page = await (await fetch(`${wib.url}/`, { headers: { 'accept-language': 'id' } })).text();
    expect(page).toContain('<time datetime="2026-12-02T01:30:00.000Z">2 Des 2026 08.30 WIB</time>');
    const en = await (await fetch(`${wib.url}/`, { headers: { 'accept-language': 'en' } })).text();
    expect(en).toContain('<time datetime="2026-12-02T01:30:00.000Z">2 Dec 2026, 08:30 WIB</time>');
    const wit = await server({ now: () => now, timeZone: 'Asia/Jayapura' });
    expect(await (await fetch(`${wit.url}/`, { headers: { 'accept-language': 'id' } })).text()).toContain('2 Des 2026 10.30 WIT');
  });
});

describe('jfleet central serve (built binary)', () => {
  it("shows the dashboard's times in the config's timeZone", async () => {
    const home = tempHome();
    expect((await jfleet(['config', 'set', 'timeZone', 'Asia/Makassar'], { home })).exitCode).toBe(0);
    const child = execa('node', [BIN, 'central', 'serve', '--port', '0'], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, JFLEET_HOME: home, JFLEET_CENTRAL_TOKEN: TOKEN, NO_COLOR: '1' },
      extendEnv: false,
      reject: false,
    });
    cleanup.push(async () => {
      child.kill('SIGTERM');
      await child;
    });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`no address in: ${out}`)), 20_000);
      child.stdout?.on('data', (d) => {
        out += String(d);
        const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
    });
    const page = await (await fetch(`${url}/`, { headers: { 'accept-language': 'id-ID' } })).text();
    expect(htmlLang(page)).toBe('id');
    expect(page).toMatch(/halaman dibuat <time datetime="[^"]+">\d{1,2} \S+ \d{4} \d{2}\.\d{2} WITA<\/time>/);
  });
});
