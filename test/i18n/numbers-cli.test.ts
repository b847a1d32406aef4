/**
 * Numbers in what jfleet prints for people, through the built binary against a device in this
 * process (an ssh2 server on loopback whose probe answers fixed facts): under LANG=id_ID.UTF-8
 * the check's and the sweep's sentences say 7,45 and 1.206; the Nagios perfdata after '|' and
 * --json are byte for byte what LANG=C prints.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jfleet } from '../helpers/cli.js';
import { onePackageHome, startSshServer, type TestSshServer } from '../helpers/ssh-server.js';
import { generateEd25519 } from '../../src/transport/keygen.js';

const ID = { LANG: 'id_ID.UTF-8' };
const C = { LANG: 'C' };
const hostKey = generateEd25519('kiosk-a host key');
const user = generateEd25519('fleet key');
// load 7.45 on 2 CPUs (3.7 per CPU: warn), 30.9% of memory available (1206 MiB: warn under mem_warn_pct 40)
const FACTS = { l1: 7.1, l5: 7.45, l15: 6, cpus: 2, mt: 4_000_000, ma: 1_234_567, ds: 10_000_000, da: 6_000_000, kb: 1, kp: 200, kpt: 0.25, rel: '1.2.0' };
let device: TestSshServer;
let home: string;
let env: Record<string, string>;

beforeAll(async () => {
  device = await startSshServer({ hostKey: hostKey.privateKey, authorized: user.publicKey, reply: () => `${JSON.stringify(FACTS)}\n` });
  const h = await onePackageHome('jfleet-numbers-', user.privateKey, device.port, {
    hostKey: hostKey.fingerprint,
    vars: { health_mem_warn_pct: '40' },
  });
  home = h.home;
  env = { JFLEET_INVENTORY: h.dir };
});
afterAll(async () => {
  await device?.close();
});

describe('numbers in sentences, by language', () => {
  it("check: 'beban 7,45' in Indonesian, 'load 7.45' in English; the perfdata the same bytes", async () => {
    const [id, en] = await Promise.all([ID, C].map((l) => jfleet(['check', 'kiosk-a'], { home, env: { ...env, ...l } })));
    expect(en!.stdout).toMatch(/^JFLEET WARNING - kiosk-a: load 7\.45 on 2 CPU\(s\) \(3\.7 per CPU\); memory 30\.9% available \(1206 MiB\) \| /);
    expect(id!.stdout).toMatch(/^JFLEET WARNING - kiosk-a: beban 7,45 pada 2 CPU \(3,7 per CPU\); memori tersedia 30,9% \(1\.206 MiB\) \| /);
    expect(id!.exitCode).toBe(1);
    expect(en!.exitCode).toBe(1);
    const perf = (s: string) => s.split(' | ')[1]?.replace(/(tcp|ssh|exec)_ms=[\d.]+/g, '$1_ms=N');
    expect(perf(id!.stdout)).toBe(perf(en!.stdout));
    expect(perf(id!.stdout)).toMatch(/ load5=7\.45 .* mem_avail_pct=30\.9 mem_avail_mib=1206 /);
  });

  it('sweep, status and history: the problem said with the decimal comma; status --json the same in both languages', async () => {
    const sweep = await jfleet(['sweep'], { home, env: { ...env, ...ID } });
    expect(sweep.exitCode).toBe(0); // a first warn is soft
    expect(sweep.stdout).toMatch(/^sweep 1 perangkat dalam \d+,\d dtk: ok 0 · waspada 1 /m);
    expect(sweep.stdout).toMatch(/kiosk-a\s+waspada\s+.*beban 7,45 pada 2 CPU \(3,7 per CPU\); memori tersedia 30,9% \(1\.206 MiB\)$/m);
    const status = await jfleet(['status'], { home, env: { ...env, ...ID } });
    expect(status.stdout).toMatch(/kiosk-a\s+waspada\s+.*beban 7,45 pada 2 CPU/);
    expect(status.stdout).not.toMatch(/\d\.\d+ per CPU/);
    const [jid, jen] = await Promise.all([ID, C].map((l) => jfleet(['status', '--json'], { home, env: { ...env, ...l } })));
    expect(jid!.stdout).toBe(jen!.stdout);
    const [dev] = JSON.parse(jid!.stdout) as Array<{ checks: Array<{ name: string; output: string; perfdata: Record<string, number> }> }>;
    const load = dev!.checks.find((c) => c.name === 'load');
    expect(load).toMatchObject({ output: 'load 7.45 on 2 CPU(s) (3.7 per CPU)', perfdata: { load5: 7.45 } });
    const hist = await jfleet(['history', 'kiosk-a'], { home, env: { ...env, ...ID } });
    expect(hist.stdout).toMatch(/^ {2}load\s+waspada\s+beban 7,45 pada 2 CPU \(3,7 per CPU\)$/m);
    expect(hist.stdout).toMatch(/^ {2}kiosk_page\s+ok\s+halaman kios menjawab 200$/m);
  });
});
