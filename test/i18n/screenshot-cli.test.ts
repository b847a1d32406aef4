/**
 * jfleet screenshot in Bahasa Indonesia and in English, through the built binary: its --help
 * and its refusals (an unknown id, a device that cannot be reached, an output that must not be
 * written) under LANG=id_ID.UTF-8 and LANG=C; exit codes the same in both, nothing written.
 * (What a lab device itself answers, the stand-in, is in test/health/sweep.lab.test.ts.)
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deadDeviceHome, jfleet, tempHome } from '../helpers/cli.js';

const ID = { LANG: 'id_ID.UTF-8' };
const C = { LANG: 'C' };

/** A home with one package on a loopback port nothing listens on, and an empty directory for the PNG. */
async function home(): Promise<{ home: string; inv: string; out: string; env: Record<string, string> }> {
  const h = await deadDeviceHome('jfleet-shot-i18n-');
  return { ...h, out: tempHome('jfleet-shot-out-') };
}

describe('jfleet screenshot in Indonesian', () => {
  it('--help: description, argument, option, the exit codes and examples; English under LANG=C', async () => {
    const id = await jfleet(['screenshot', '--help'], { env: ID });
    expect(id.exitCode).toBe(0);
    expect(id.stdout).toMatch(/^Cara pakai: jfleet screenshot \[opsi\] <id>$/m);
    expect(id.stdout).toContain('ambil PNG dari apa yang tampil di layar kios saat ini');
    expect(id.stdout).toMatch(/^ {2}id +id paket$/m);
    expect(id.stdout).toMatch(/^ {2}-o, --output <file> +ke mana PNG ditulis \(bawaan: ID\.png\)$/m);
    expect(id.stdout).toContain('Menjalankan grim di perangkat sebagai pengguna kios di dalam sesi Wayland-nya');
    expect(id.stdout).toMatch(/^Kode keluar: 0 tertulis {3}1 layar perangkat tidak bisa diambil, atau perangkat tak terjangkau$/m);
    expect(id.stdout).toMatch(/^Contoh:$/m);
    expect(id.stdout).not.toMatch(/fetch a PNG|Exit codes|Examples/);
    const en = await jfleet(['screenshot', '--help'], { env: C });
    expect(en.exitCode).toBe(0);
    expect(en.stdout).toContain("fetch a PNG of what the kiosk's screen shows now");
    expect(en.stdout).toMatch(/^ {2}-o, --output <file> +where to write the PNG \(default: ID\.png\)$/m);
    expect(en.stdout).toMatch(/^Exit codes: 0 written {3}1 the device has no screen to take, or cannot be reached$/m);
  });

  it('a device that cannot be reached: one line in Indonesian, exit 1, no file', async () => {
    const h = await home();
    const file = join(h.out, 'rambipuji.png');
    const id = await jfleet(['screenshot', 'rambipuji-1', '-o', file], { home: h.home, env: { ...h.env, ...ID } });
    expect(id.exitCode).toBe(1);
    expect(id.stderr).toBe('jfleet: kesalahan: rambipuji-1: rambipuji-1 tak terjangkau: sambungan ditolak (sshd tidak berjalan atau perangkat mati)\n');
    const en = await jfleet(['screenshot', 'rambipuji-1', '-o', file], { home: h.home, env: { ...h.env, ...C } });
    expect(en.exitCode).toBe(1);
    expect(en.stderr).toBe('jfleet: error: rambipuji-1: rambipuji-1 unreachable: connection refused (sshd not running or device off)\n');
    expect(readdirSync(h.out)).toEqual([]);
  });

  it('an unknown id, and the default output file inside the inventory: refused in Indonesian, exit 2', async () => {
    const h = await home();
    const unknown = await jfleet(['screenshot', 'no-such-kiosk', '-o', join(h.out, 'x.png')], { home: h.home, env: { ...h.env, ...ID } });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toBe('jfleet: kesalahan: tidak ada paket "no-such-kiosk" di inventaris\n');
    // without -o the PNG is ID.png in the working directory: here, the inventory directory
    const intoInventory = await jfleet(['screenshot', 'rambipuji-1'], { home: h.home, cwd: h.inv, env: { ...h.env, ...ID } });
    expect(intoInventory.exitCode).toBe(2);
    expect(intoInventory.stderr).toBe(
      `jfleet: kesalahan: berkas tangkapan layar: ${join(h.inv, 'rambipuji-1.png')} tidak dapat ditulis: berkas itu ada di direktori inventaris (${h.inv})\n`,
    );
    const en = await jfleet(['screenshot', 'rambipuji-1'], { home: h.home, cwd: h.inv, env: { ...h.env, ...C } });
    expect(en.stderr).toBe(`jfleet: error: the screenshot file: cannot write ${join(h.inv, 'rambipuji-1.png')}: it is in the inventory directory (${h.inv})\n`);
    expect(readdirSync(h.inv)).toEqual(['packages.yaml']);
    expect(readdirSync(h.out)).toEqual([]);
  });
});
