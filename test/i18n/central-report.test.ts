/**
 * The central API's errors where a person reads them (issue 12): what `jfleet report` and
 * `jfleet outbox list` print when the central API refuses the token, is down or answers something
 * else, on the built binary under LANG=id_ID.UTF-8 beside LANG=C; and the pages a browser gets
 * from `jfleet central serve` instead of the dashboard (no read token, a foreign Host name, no
 * such page), in the reader's language. The contract does not move: every /v1 answer, and any
 * answer to a client that does not ask for HTML, is the API's JSON error byte for byte; --json
 * keeps the English reason the client stored.
 */
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CentralServer, startCentral } from '../../src/central/server.js';
import { createApiClient } from '../../src/report/client.js';
import { freePort, jfleet, tempHome } from '../helpers/cli.js';
import { englishT, messagesFor } from '../helpers/messages.js';

const tid = messagesFor('id');
const TOKEN = 'write-token-7f3a9c';
const READ = 'read-token-2b8e41';
let central: CentralServer;
let hanging: Server;
const held: Socket[] = [];

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'jfleet-central-i18n-'));
  central = await startCentral({ dbFile: join(dir, 'central.db'), token: TOKEN, readToken: READ });
  // accepts and never answers (a link that went dark); its sockets are cut when the file ends
  hanging = createServer((socket) => void held.push(socket));
  await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  await central.close();
  for (const socket of held) socket.destroy();
  await new Promise<void>((r) => hanging.close(() => r()));
});

/** One GET with a Host header fetch would not let us set. */
function withHost(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const html = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

describe('jfleet central serve: what a browser reads instead of the dashboard', () => {
  it('no read token: the page says so in Indonesian (Accept-Language) and English, 401 and the Basic prompt kept', async () => {
    const id = await fetch(`${central.url}/`, { headers: { ...html, 'accept-language': 'id-ID,id;q=0.9,en;q=0.5' } });
    expect(id.status).toBe(401);
    expect(id.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    expect(id.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(id.headers.get('content-language')).toBe('id');
    const page = await id.text();
    expect(page).toContain('<html lang="id">');
    expect(page).toContain('<title>Kesalahan 401</title>');
    expect(page).toContain('Dasbor ini butuh token baca. Muat ulang halaman dan masuk dengan nama pengguna apa saja dan token baca sebagai kata sandinya');
    expect(page).toContain('kode untuk staf TI: unauthorized');
    expect(page).not.toMatch(/reads need|read token|sign in/);
    const en = await (await fetch(`${central.url}/dashboard`, { headers: { ...html, 'accept-language': 'en' } })).text();
    expect(en).toContain('This dashboard needs the read token.');
    // the page's own switch, as on the dashboard
    expect(await (await fetch(`${central.url}/?lang=id`, { headers: html })).text()).toContain('Dasbor ini butuh token baca.');
  });

  it('a Host name the server does not answer to, and a page that does not exist: said, the value escaped', async () => {
    const mis = await withHost(`${central.url}/`, { ...html, host: 'evil.example<b>', 'accept-language': 'id' });
    expect(mis.status).toBe(421);
    const text = mis.body;
    expect(text).toContain('Server ini tidak menjawab nama &quot;evil.example&lt;b&gt;&quot;.');
    expect(text).toContain('misdirected_request');
    const none = await fetch(`${central.url}/peta`, { headers: { ...html, 'accept-language': 'id', authorization: `Bearer ${READ}` } });
    expect(none.status).toBe(404);
    expect(await none.text()).toContain('Tidak ada halaman di /peta. Dasbor ada di /.');
  });

  it('the API and any client that does not ask for HTML get the contract JSON, whatever the language', async () => {
    const json = (r: Response) => r.text();
    for (const headers of [{}, { accept: 'application/json', 'accept-language': 'id' }, { accept: '*/*' }] as Array<Record<string, string>>) {
      const r = await fetch(`${central.url}/`, { headers });
      expect(r.status).toBe(401);
      expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(await json(r)).toBe(
        '{"error":"unauthorized","message":"reads need the read token (Authorization: Bearer READTOKEN, or any user name with it as the password)"}',
      );
    }
    const api = await fetch(`${central.url}/v1/fleet`, { headers: { ...html, 'accept-language': 'id' } });
    expect(api.status).toBe(401);
    expect(api.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const post = await fetch(`${central.url}/v1/reports`, {
      method: 'POST',
      headers: { ...html, 'accept-language': 'id', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(await post.text()).toBe('{"error":"unauthorized","message":"missing or wrong bearer token"}');
    const host = await withHost(`${central.url}/`, { host: 'evil.example' });
    expect(host.body).toBe('{"error":"misdirected_request","message":"this server does not answer to that Host name (add it with --server-name)"}');
  });
});

/** A home whose runner reports to `url` with `token`, run in both languages one after the other. */
async function reportTo(url: string, token: string, args: string[]) {
  const out = [];
  for (const LANG of ['id_ID.UTF-8', 'C']) {
    const home = tempHome('jfleet-report-i18n-');
    const env = { LANG, JFLEET_API_URL: url, JFLEET_API_TOKEN: token };
    const first = await jfleet(args, { home, env });
    out.push({ first, after: await jfleet(['outbox', 'list'], { home, env }), json: await jfleet(['outbox', 'list', '--json'], { home, env }) });
  }
  return out as [(typeof out)[0], (typeof out)[0]];
}

describe('jfleet report on the built binary: the central API refuses, or is not there', () => {
  it("a wrong token: the error, the server's reason and the advice in Indonesian; exit 2 in both; --json keeps the English reason", async () => {
    const [id, en] = await reportTo(central.url, 'not-the-token-123', ['report']);
    expect(id.first.exitCode).toBe(2);
    expect(en.first.exitCode).toBe(2);
    expect(id.first.stderr).toContain(
      `jfleet: kesalahan: API pusat di ${central.url}: HTTP 401: API pusat menolak tokennya (unauthorized: token tidak ada atau salah (token bearer)); 1 laporan tetap antre`,
    );
    expect(id.first.stderr).toContain('jfleet: saran: pasang token yang benar');
    expect(id.first.stderr + id.after.stdout).not.toMatch(/refused the token|missing or wrong|\[redacted\]|stay queued/);
    expect(id.after.stdout).toContain('HTTP 401: API pusat menolak tokennya (unauthorized: token tidak ada atau salah (token bearer))');
    expect(en.first.stderr).toContain(
      `jfleet: error: central API at ${central.url}: HTTP 401: the central API refused the token (unauthorized: missing or wrong bearer token); 1 report(s) stay queued`,
    );
    for (const r of [id, en])
      expect(r.json.stdout).toContain('"lastError": "HTTP 401: the central API refused the token (unauthorized: missing or wrong bearer token)"');
  });

  it('a central API that is down: the attempt and what stays queued in Indonesian; exit 1 in both', async () => {
    const port = await freePort();
    const [id, en] = await reportTo(`http://127.0.0.1:${port}`, TOKEN, ['report']);
    expect(id.first.exitCode).toBe(1);
    expect(en.first.exitCode).toBe(1);
    const why = `sambungan ke 127.0.0.1:${port} ditolak: server tidak berjalan di sana atau port salah (ECONNREFUSED)`;
    expect(id.first.stderr).toMatch(new RegExp(`percobaan ke-1: ${why.replace(/[().]/g, '\\$&')}; percobaan berikutnya dalam`));
    expect(id.first.stderr).toContain(`1 laporan masih antre: ${why}`);
    expect(id.after.stdout).toContain(why);
    expect(en.first.stderr).toContain(`1 report(s) still queued: ECONNREFUSED (connect ECONNREFUSED 127.0.0.1:${port})`);
    for (const r of [id, en]) expect(r.json.stdout).toContain(`"lastError": "ECONNREFUSED (connect ECONNREFUSED 127.0.0.1:${port})"`);
  });
});

describe('the report client: every reason it stores, said in Indonesian', () => {
  const said = async (url: string, timeoutMs = 5000) => {
    const c = createApiClient({ url, token: TOKEN, timeoutMs });
    try {
      const o = await c.postReport('01a23873-b2b2-7f2f-a2fd-b055c4c9cb5d', '{}');
      if (o.kind === 'delivered') throw new Error('delivered');
      expect(englishT.phrase(o.reason)).toBe(o.reason);
      return { en: o.reason, id: tid.phrase(o.reason) };
    } finally {
      await c.close();
    }
  };

  it('no answer in time, a name that does not resolve, a report the server refuses for good', async () => {
    const port = (hanging.address() as { port: number }).port;
    expect(await said(`http://127.0.0.1:${port}`, 400)).toEqual({ en: 'no answer within 0 s', id: 'tidak ada jawaban dalam 0 dtk' });
    expect(await said('http://kiosk-central.invalid')).toEqual({
      en: 'ENOTFOUND (getaddrinfo ENOTFOUND kiosk-central.invalid)',
      id: 'nama host kiosk-central.invalid tidak dapat ditemukan (ENOTFOUND)',
    });
    // a real report body the reference server refuses: the error code stays, the reason is said
    const c = createApiClient({ url: central.url, token: TOKEN });
    const o = await c.postReport('01a23873-b2b2-7f2f-a2fd-b055c4c9cb5d', '{"not":"a report"}');
    await c.close();
    expect(o.kind).toBe('dead');
    const reason = (o as { reason: string }).reason;
    expect(reason).toMatch(/^HTTP 400 invalid_report: the body is not a valid jfleet-central\/v1 report \(/);
    expect(tid.phrase(reason)).toMatch(/^HTTP 400 invalid_report: isinya bukan laporan jfleet-central\/v1 yang sah \(/);
  });

  it("the reference server's other refusals, as its code and message reach the CLI", () => {
    const cases: Array<[string, string]> = [
      ['HTTP 415 unsupported_media_type: send application/json', 'HTTP 415 unsupported_media_type: kirim application/json'],
      ['HTTP 413 too_large: a report may be at most 16777216 bytes', 'HTTP 413 too_large: satu laporan paling besar 16.777.216 bita'],
      [
        'HTTP 503 busy: the server holds too many report bodies right now; retry shortly',
        'HTTP 503 busy: server sedang menahan terlalu banyak isi laporan; coba lagi sebentar lagi',
      ],
      [
        "HTTP 422 created_in_future: createdAt 2026-12-02T10:00:00.000Z is 600 s ahead of the server's clock (2026-12-02T09:50:00.000Z); at most 300 s is allowed: fix the runner's clock (NTP), then jfleet outbox retry",
        'HTTP 422 created_in_future: createdAt 2026-12-02T10:00:00.000Z mendahului jam server (2026-12-02T09:50:00.000Z) 600 dtk; paling banyak 300 dtk: betulkan jam runner (NTP), lalu jfleet outbox retry',
      ],
      ['HTTP 200, but the answer is not a ReportAccepted document', 'HTTP 200, tetapi jawabannya bukan dokumen ReportAccepted'],
      ['UND_ERR_SOCKET: other side closed', 'server menutup sambungan sebelum menjawab (UND_ERR_SOCKET)'],
      ['bad port', 'port itu tidak boleh dipakai untuk HTTP (fetch menolaknya: bad port)'],
    ];
    for (const [en, id] of cases) {
      expect(englishT.phrase(en)).toBe(en);
      expect(tid.phrase(en)).toBe(id);
    }
  });
});
