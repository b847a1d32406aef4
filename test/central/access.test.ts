/**
 * Who may read the reference central server and which Host names it answers to: the pure
 * decisions as tables, and the server on loopback with the modes forced.
 */
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { hostAllowed, isLoopbackHost, readAccess } from '../../src/central/access.js';
import { startCentral } from '../../src/central/server.js';
import { central, sampleReport, tempDir, TOKEN } from '../report/helpers.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0)) await f();
});

/** One request with headers fetch would not let us set (Host). */
function raw(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('readAccess (bind address → do reads need a token)', () => {
  it.each([
    ['127.0.0.1', {}, 'open'],
    ['127.8.9.1', {}, 'open'],
    ['::1', {}, 'open'],
    ['[::1]', {}, 'open'],
    ['localhost', {}, 'open'],
    ['::ffff:127.0.0.1', {}, 'open'],
    ['0.0.0.0', {}, 'refuse'],
    ['::', {}, 'refuse'],
    ['192.168.10.5', {}, 'refuse'],
    ['10.0.0.1', {}, 'refuse'],
    ['central.desa.local', {}, 'refuse'],
    ['128.0.0.1', {}, 'refuse'],
    ['0.0.0.0', { publicRead: true }, 'open'],
    ['192.168.10.5', { readToken: 'r' }, 'token'],
    ['127.0.0.1', { readToken: 'r' }, 'token'],
    ['127.0.0.1', { readToken: 'r', publicRead: true }, 'refuse'],
  ] as const)('%s %j → %s', (host, opts, want) => {
    const a = readAccess(host, opts);
    expect('refuse' in a ? 'refuse' : a.mode).toBe(want);
  });

  it('says how to fix a refusal', () => {
    const a = readAccess('0.0.0.0', {});
    expect('refuse' in a && a.refuse).toMatch(/JFLEET_CENTRAL_READ_TOKEN.*--public-read/);
    expect(isLoopbackHost('127.0.0.1')).toBe(true);
    expect(isLoopbackHost('1.2.3.4')).toBe(false);
  });
});

describe('hostAllowed (Host header → answered)', () => {
  it.each([
    ['127.0.0.1:8480', '127.0.0.1', [], true],
    ['127.0.0.1', '127.0.0.1', [], true],
    ['localhost:8480', '127.0.0.1', [], true],
    ['LOCALHOST.', '127.0.0.1', [], true],
    ['evil.example', '127.0.0.1', [], false],
    ['evil.example:8480', '127.0.0.1', [], false],
    ['127.0.0.1.evil.example', '127.0.0.1', [], false],
    ['[::1]:8480', '::1', [], true],
    ['::1', '::1', [], false],
    ['central.desa.local:8480', '0.0.0.0', ['central.desa.local'], true],
    ['Central.Desa.Local', '192.168.10.5', ['central.desa.local'], true],
    ['192.168.10.5:8480', '0.0.0.0', [], true],
    ['[fe80::1]:8480', '::', [], true],
    ['192.168.10.9', '192.168.10.5', [], false],
    ['rebind.evil.example', '0.0.0.0', ['central.desa.local'], false],
    ['', '127.0.0.1', [], false],
  ] as const)('Host %j on %s %j → %s', (hostHeader, bindHost, serverNames, want) => {
    expect(hostAllowed(hostHeader, { bindHost, serverNames: [...serverNames] })).toBe(want);
  });

  it('no Host header at all is refused', () => {
    expect(hostAllowed(undefined, { bindHost: '127.0.0.1' })).toBe(false);
  });
});

describe('the server on loopback', () => {
  it('refuses a DNS-rebinding Host with 421, answers its own names', async () => {
    const srv = await central(undefined, undefined, 0, { serverNames: ['central.desa.local'] });
    cleanup.push(() => srv.close());
    for (const path of ['/', '/v1/fleet', '/healthz']) {
      const evil = await raw(`${srv.url}${path}`, { headers: { host: 'evil.example' } });
      expect(evil.status, path).toBe(421);
      expect(JSON.parse(evil.body).error).toBe('misdirected_request');
    }
    const post = await raw(`${srv.url}/v1/reports`, {
      method: 'POST',
      headers: { host: `evil.example:${srv.port}`, authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(sampleReport()),
    });
    expect(post.status).toBe(421);
    expect(srv.stats.stored).toBe(0);
    for (const host of [`127.0.0.1:${srv.port}`, `localhost:${srv.port}`, 'central.desa.local']) {
      expect((await raw(`${srv.url}/v1/fleet`, { headers: { host } })).status, host).toBe(200);
    }
  });

  it('no page may frame it: CSP frame-ancestors none and X-Frame-Options DENY, on the dashboard and JSON', async () => {
    const srv = await central();
    cleanup.push(() => srv.close());
    for (const path of ['/', '/v1/fleet', '/healthz', '/nope']) {
      const res = await fetch(`${srv.url}${path}`);
      expect(res.headers.get('content-security-policy'), path).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
    }
  });

  it('a read token is required when given, even on loopback; writes keep their own token', async () => {
    const READ = 'read-token-9a7c';
    const srv = await central(undefined, undefined, 0, { readToken: READ });
    cleanup.push(() => srv.close());
    expect(srv.reads).toBe('token');
    for (const path of ['/', '/dashboard', '/v1/fleet', '/v1/devices/kiosk-001/history']) {
      const none = await fetch(`${srv.url}${path}`);
      expect(none.status, path).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
      expect((await fetch(`${srv.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } })).status, `${path} with the write token`).toBe(401);
      expect((await fetch(`${srv.url}${path}`, { headers: { authorization: `Bearer ${READ}x` } })).status).toBe(401);
    }
    expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
    const posted = await fetch(`${srv.url}/v1/reports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(sampleReport({ n: 1 })),
    });
    expect(posted.status).toBe(201);
    expect((await fetch(`${srv.url}/v1/fleet`, { headers: { authorization: `Bearer ${READ}` } })).status).toBe(200);
    const basic = `Basic ${Buffer.from(`anyone:${READ}`).toString('base64')}`;
    const page = await fetch(`${srv.url}/`, { headers: { authorization: basic } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('kiosk-001');
    expect((await fetch(`${srv.url}/v1/devices/kiosk-001/history`, { headers: { authorization: basic } })).status).toBe(200);
  });

  it('startCentral itself refuses reads open to the network (checked before it binds)', async () => {
    await expect(startCentral({ host: '0.0.0.0', port: 0, dbFile: `${tempDir()}/c.db`, token: TOKEN })).rejects.toThrow(/--public-read/);
  });
});
