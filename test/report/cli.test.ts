/**
 * jfleet report / outbox / central serve through the built binary, against the real central
 * server on loopback. Includes kill -9 mid-send: delivery completes once after a restart.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { ReportSchema } from '../../src/report/contract.js';
import { BIN, jfleet, tempHome } from '../helpers/cli.js';
import { central, selfSigned, TOKEN } from './helpers.js';
import { at } from '../helpers/at.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function apiEnv(url: string, token = TOKEN): Record<string, string> {
  return { JFLEET_API_URL: url, JFLEET_API_TOKEN: token };
}

async function until(cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function spawnReport(home: string, env: Record<string, string>, args = ['report']) {
  return execa('node', [BIN, ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, JFLEET_HOME: home, CI: 'true', NO_COLOR: '1', ...env },
    extendEnv: false,
    reject: false,
  });
}

describe('jfleet report (CLI)', () => {
  it('--dry-run prints a valid payload and queues nothing', async () => {
    const home = tempHome();
    const r = await jfleet(['report', '--dry-run'], { home });
    expect(r.exitCode).toBe(0);
    const payload = ReportSchema.parse(JSON.parse(r.stdout));
    expect(payload.contract).toBe('jfleet-central/v1');
    expect(payload.runner.version).toMatch(/^\d+\.\d+\.\d+/);
    const list = await jfleet(['outbox', 'list', '--json'], { home });
    expect(JSON.parse(list.stdout)).toEqual([]);
  });

  it('without a configured API: a clear error, exit 2, nothing queued', async () => {
    const home = tempHome();
    const r = await jfleet(['report'], { home });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('no central API configured');
    expect(r.stderr).toContain('jfleet config set api.url');
    expect(JSON.parse((await jfleet(['outbox', 'list', '--json'], { home })).stdout)).toEqual([]);
  });

  it('sends to the central server; a bad token is a clear error, one request, and never printed', async () => {
    const srv = await central();
    cleanup.push(() => srv.close());
    const home = tempHome();
    const bad = 'wrong-token-value-123';
    const r1 = await jfleet(['report'], { home, env: apiEnv(srv.url, bad) });
    expect(r1.exitCode).toBe(2);
    expect(r1.stderr).toContain('refused the token');
    expect(r1.stderr).toContain('1 report(s) stay queued');
    expect(r1.stdout + r1.stderr).not.toContain(bad);
    expect(srv.stats.posts).toBe(1);

    const r2 = await jfleet(['report', '--json'], { home, env: apiEnv(srv.url) });
    expect(r2.exitCode).toBe(0);
    const out = JSON.parse(r2.stdout);
    expect(out.delivered).toHaveLength(2);
    expect(out.pending).toBe(0);
    expect(r2.stdout + r2.stderr).not.toContain(TOKEN);
    expect(srv.storedReportIds()).toEqual(out.delivered);
  });

  it('central down: exit 1 with the reason, the report stays queued; outbox list/retry/drop', async () => {
    const srv = await central();
    await srv.close();
    const home = tempHome();
    const r = await jfleet(['report'], { home, env: apiEnv(srv.url) });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/1 report\(s\) still queued: ECONNREFUSED/);
    const list = JSON.parse((await jfleet(['outbox', 'list', '--json'], { home })).stdout);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ status: 'pending', attempts: 1 });
    const text = await jfleet(['outbox', 'list'], { home });
    expect(text.stdout).toContain(list[0].reportId);
    expect(text.stdout).toContain('ECONNREFUSED');

    const noYes = await jfleet(['outbox', 'drop', list[0].reportId.slice(0, 13)], { home });
    expect(noYes.exitCode).toBe(2);
    expect(noYes.stderr).toContain('--yes');
    const retry = await jfleet(['outbox', 'retry', '--all'], { home });
    expect(retry.stdout).toContain('1 report(s) queued and due now');
    const drop = await jfleet(['outbox', 'drop', list[0].reportId.slice(0, 13), '--yes'], { home });
    expect(drop.stdout).toContain('dropped 1 report(s)');
    expect(JSON.parse((await jfleet(['outbox', 'list', '--json'], { home })).stdout)).toEqual([]);
  });

  it('kill -9 after the server stored the report but before the answer: sent again after restart, stored once', async () => {
    let hold!: () => void;
    const held = new Promise<void>((r) => (hold = r));
    let first = true;
    const srv = await central({
      afterStore: async () => {
        if (first) {
          first = false;
          await held;
        }
      },
    });
    cleanup.push(() => srv.close());
    cleanup.push(() => hold());
    const home = tempHome();
    const child = spawnReport(home, apiEnv(srv.url));
    await until(() => srv.stats.stored === 1);
    child.kill('SIGKILL');
    const dead = await child;
    expect(dead.signal).toBe('SIGKILL');
    hold();
    const pending = JSON.parse((await jfleet(['outbox', 'list', '--json'], { home })).stdout);
    expect(pending).toMatchObject([{ status: 'pending' }]);

    const r = await jfleet(['report', '--flush'], { home, env: apiEnv(srv.url) });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('delivered 1 report(s)');
    expect(r.stdout).toContain('1 the central API already had');
    expect(srv.storedReportIds()).toEqual([pending[0].reportId]);
    expect(srv.stats).toMatchObject({ stored: 1, duplicates: 1 });
    const all = JSON.parse((await jfleet(['outbox', 'list', '--all', '--json'], { home })).stdout);
    expect(all).toMatchObject([{ reportId: pending[0].reportId, status: 'delivered', duplicate: true }]);
  });

  it('kill -9 before the server stored anything: delivered once after restart', async () => {
    let hold!: () => void;
    const held = new Promise<void>((r) => (hold = r));
    const srv = await central({
      beforeStore: async (n) => {
        if (n !== 1) return undefined;
        await held;
        return { status: 503 };
      },
    });
    cleanup.push(() => srv.close());
    cleanup.push(() => hold());
    const home = tempHome();
    const child = spawnReport(home, apiEnv(srv.url));
    await until(() => srv.stats.posts === 1);
    child.kill('SIGKILL');
    expect((await child).signal).toBe('SIGKILL');
    hold();
    const r = await jfleet(['report', '--flush'], { home, env: apiEnv(srv.url) });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('delivered 1 report(s)');
    expect(srv.storedReportIds()).toHaveLength(1);
    expect(srv.stats).toMatchObject({ stored: 1, duplicates: 0 });
  });
});

describe('jfleet central serve (CLI)', () => {
  it('serves the API and dashboard until SIGTERM; refuses to start without a token', async () => {
    const home = tempHome();
    const noToken = await jfleet(['central', 'serve', '--port', '0'], { home });
    expect(noToken.exitCode).toBe(2);
    expect(noToken.stderr).toContain('JFLEET_CENTRAL_TOKEN');

    const child = spawnReport(home, { JFLEET_CENTRAL_TOKEN: TOKEN }, ['central', 'serve', '--port', '0']);
    let out = '';
    child.stdout!.on('data', (d) => (out += String(d)));
    await until(() => /dashboard: (http:\/\/127\.0\.0\.1:\d+)\//.test(out));
    const url = at(/dashboard: (http:\/\/127\.0\.0\.1:\d+)\//.exec(out)!, 1);
    expect(out).not.toContain(TOKEN);
    const health = await fetch(`${url}/healthz`);
    expect(await health.json()).toEqual({ ok: true });
    const page = await fetch(`${url}/`);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toMatch(/<div id="map"><svg [^>]*viewBox/);

    const r = await jfleet(['report', '--json'], { home: tempHome(), env: apiEnv(url) });
    expect(r.exitCode).toBe(0);
    const fleet = (await (await fetch(`${url}/v1/fleet`)).json()) as { reports: number };
    expect(fleet.reports).toBe(1);

    child.kill('SIGTERM');
    const done = await child;
    expect(done.stderr).toContain('jfleet central: stopped');
  });

  it('refuses a bad start in one line, exit 2, nothing bound or written: in English and Indonesian', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jfleet-tls-'));
    selfSigned(dir, 'a', '/CN=a');
    selfSigned(dir, 'b', '/CN=b');
    writeFileSync(join(dir, 'notes.txt'), 'not a certificate\n');
    const pem = readFileSync(join(dir, 'a.pem'), 'utf8');
    writeFileSync(join(dir, 'cut.pem'), pem.slice(0, pem.length / 2));
    execFileSync('openssl', ['pkey', '-in', join(dir, 'a.key'), '-aes256', '-passout', 'pass:x', '-out', join(dir, 'locked.key')]);
    const cases: Array<{ args: string[]; en: RegExp; id: RegExp }> = [
      {
        args: ['--tls-cert', join(dir, 'gone.pem'), '--tls-key', join(dir, 'a.key')],
        en: /cannot read --tls-cert \S*gone\.pem: no such file/,
        id: /tidak dapat membaca --tls-cert \S*gone\.pem: berkas tidak ada/,
      },
      {
        args: ['--tls-cert', join(dir, 'notes.txt'), '--tls-key', join(dir, 'a.key')],
        en: /notes\.txt \(--tls-cert\) is not a PEM certificate \(no "-----BEGIN" line\)$/,
        id: /notes\.txt \(--tls-cert\) bukan sertifikat PEM \(tidak ada baris "-----BEGIN"\)$/,
      },
      {
        args: ['--tls-cert', join(dir, 'cut.pem'), '--tls-key', join(dir, 'a.key')],
        en: /cut\.pem \(--tls-cert\) is not a PEM certificate \(the "-----END" line is missing or damaged\)$/,
        id: /cut\.pem \(--tls-cert\) bukan sertifikat PEM \(baris "-----END" tidak ada atau rusak\)$/,
      },
      {
        args: ['--tls-cert', join(dir, 'a.pem'), '--tls-key', join(dir, 'notes.txt')],
        en: /notes\.txt \(--tls-key\) is not a PEM private key \(not a key OpenSSL can read\)$/,
        id: /notes\.txt \(--tls-key\) bukan kunci privat PEM \(bukan kunci yang dapat dibaca OpenSSL\)$/,
      },
      {
        // the two swapped: the "certificate" has a BEGIN line, a key's
        args: ['--tls-cert', join(dir, 'a.key'), '--tls-key', join(dir, 'a.pem')],
        en: /a\.key \(--tls-cert\) is not a PEM certificate \(it holds a (EC )?PRIVATE KEY\)$/,
        id: /a\.key \(--tls-cert\) bukan sertifikat PEM \(isinya (EC )?PRIVATE KEY\)$/,
      },
      {
        args: ['--tls-cert', join(dir, 'a.pem'), '--tls-key', join(dir, 'locked.key')],
        en: /locked\.key \(--tls-key\) is protected by a passphrase, which a server cannot type$/,
        id: /locked\.key \(--tls-key\) dilindungi frasa sandi, yang tidak dapat diketik oleh server$/,
      },
      {
        args: ['--tls-cert', join(dir, 'a.pem'), '--tls-key', join(dir, 'b.key')],
        en: /the key \S*b\.key does not belong to the certificate \S*a\.pem/,
        id: /kunci \S*b\.key bukan pasangan sertifikat \S*a\.pem/,
      },
      {
        args: ['--host', '0.0.0.0'],
        en: /on 0\.0\.0\.0 the dashboard and fleet JSON would be open to the network/,
        id: /di 0\.0\.0\.0 dasbor dan JSON armada akan terbuka ke jaringan/,
      },
      {
        args: ['--read-token', 'r', '--public-read'],
        en: /a read token and --public-read contradict each other/,
        id: /token baca dan --public-read saling bertentangan/,
      },
      { args: ['--port', '70000'], en: /--port takes at most 65535, not "70000"/, id: /--port menerima paling banyak 65\.535, bukan "70000"/ },
      {
        args: ['--host', '256.1.1.1'],
        en: /^jfleet: error: --host "256\.1\.1\.1" is not an IP address or a host name$/,
        id: /^jfleet: kesalahan: --host "256\.1\.1\.1" bukan alamat IP atau nama host$/,
      },
      {
        args: ['--host', 'not a host'],
        en: /--host "not a host" is not an IP address or a host name$/,
        id: /--host "not a host" bukan alamat IP atau nama host$/,
      },
      {
        args: ['--read-token', ''],
        en: /^jfleet: error: --read-token is empty: give the token readers must send, or leave the flag out$/,
        id: /^jfleet: kesalahan: --read-token kosong: berikan token yang wajib dikirim pembaca, atau jangan pakai opsi itu$/,
      },
    ];
    for (const c of cases) {
      for (const [lang, want] of [
        ['C', c.en],
        ['id_ID.UTF-8', c.id],
      ] as const) {
        const home = tempHome();
        const r = await jfleet(['central', 'serve', '--port', '0', ...c.args], { home, env: { JFLEET_CENTRAL_TOKEN: TOKEN, LANG: lang }, timeoutMs: 10_000 });
        expect(r.exitCode, `${lang} ${c.args.join(' ')}: ${r.stderr}`).toBe(2);
        expect(r.stderr.split('\n')[0], lang).toMatch(want);
        expect(r.stderr, lang).not.toMatch(/internal|internal error|kesalahan internal|at .*\.js:\d+/);
        // OpenSSL's own words ("PEM routines::no start line") are not what a technician reads
        expect(r.stderr, lang).not.toMatch(/routines|interrupted or cancelled/);
        expect(r.stdout, 'nothing served').toBe('');
        expect(existsSync(join(home, 'central', 'central.db')), 'no database made').toBe(false);
      }
    }
  });
});
