/**
 * The kiosk's tunnel program (recipes/kiosk/files/jfleet-tunnel) as rendered by the recipe, run by
 * /bin/sh (dash on Debian, as on the kiosks) against a stand-in ssh: the dialing order (the port
 * that last logged in first, then the bastion's in order), what it remembers and when, what it
 * ignores in its state file. Its four paths (ssh, itself, its state, its marker) are pointed into
 * a temporary directory; everything else is the text a kiosk gets. The real ssh and sshd, with a
 * port filtered, are in tunnel-ports.lab.test.ts.
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBastions, tunnelSettings } from '../../src/inventory/bastions.js';
import type { Package } from '../../src/inventory/schema.js';
import { loadVillages } from '../../src/inventory/villages.js';
import { loadRecipe } from '../../src/provision/recipe-load.js';
import { resolveRecipe } from '../../src/provision/recipe.js';
import { generateEd25519 } from '../../src/transport/keygen.js';
import { at } from '../helpers/at.js';
import { testPackage } from '../helpers/package.js';

const key = generateEd25519('b').publicKey.split(' ').slice(0, 2).join(' ');
const bastion = at(
  parseBastions(`bastions:\n  - id: b1\n    address: bastion.example.id\n    ports: [443, 22, 8022]\n    hostKey: ${key}\n`, 'b.yaml').bastions,
  0,
);
const pkg: Package = testPackage({ id: 'kiosk-a', reach: 'tunnel', bastion: 'b1' });

/**
 * A stand-in for /usr/bin/ssh: appends the port it was asked for to its log; for a port in
 * FAKE_OK it "logs in" (runs the LocalCommand as ssh does, through sh -c) and then ends with
 * FAKE_RC (the tunnel dropped); any other port fails as a filtered one does (255).
 */
const FAKE_SSH = `#!/bin/sh
port= lc=
while [ $# -gt 0 ]; do
  case $1 in
    -p) port=$2; shift ;;
    -o) case $2 in LocalCommand=*) lc=\${2#LocalCommand=} ;; esac; shift ;;
  esac
  shift
done
echo "$port" >> "$FAKE_LOG"
case " $FAKE_OK " in
  *" $port "*) sh -c "$lc"; exit "\${FAKE_RC:-255}" ;;
esac
echo "ssh: connect to host bastion.example.id port $port: Connection timed out" >&2
exit 255
`;

let dir = '';
let program = '';
const state = () => join(dir, 'state', 'tunnel-port');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'jfleet-tunnel-program-'));
  const r = resolveRecipe(await loadRecipe(), pkg, loadVillages().byCode.get(pkg.village), { tunnel: tunnelSettings(pkg, bastion) });
  const step = r.steps.find((s) => s.id === 'tunnel-program');
  if (!step) throw new Error('the recipe has no tunnel-program step');
  const text = (step.desired as { content: string }).content;
  program = join(dir, 'jfleet-tunnel');
  const swap = (t: string, name: string, value: string) => {
    const re = new RegExp(`^${name}=.*$`, 'm');
    if (!re.test(t)) throw new Error(`the program has no ${name}= line`);
    return t.replace(re, `${name}=${value}`);
  };
  let t = text;
  t = swap(t, 'SSH', join(dir, 'ssh'));
  t = swap(t, 'SELF', program);
  t = swap(t, 'STATE', state());
  t = swap(t, 'MARK', join(dir, 'connected'));
  writeFileSync(program, t);
  chmodSync(program, 0o755);
  writeFileSync(join(dir, 'ssh'), FAKE_SSH);
  chmodSync(join(dir, 'ssh'), 0o755);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(ok: number[], opts: { rc?: number } = {}): Promise<{ code: number; dialed: number[]; out: string; err: string }> {
  const log = join(dir, 'dialed.log');
  rmSync(log, { force: true });
  return new Promise((resolve) => {
    execFile(
      '/bin/sh',
      [program],
      { env: { PATH: '/usr/bin:/bin', FAKE_LOG: log, FAKE_OK: ok.join(' '), FAKE_RC: String(opts.rc ?? 255) }, timeout: 10_000 },
      (e, stdout, stderr) => {
        const dialed = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map(Number) : [];
        resolve({ code: e ? Number((e as { code?: number }).code) : 0, dialed, out: stdout, err: stderr });
      },
    );
  });
}
const remembered = () => (existsSync(state()) ? readFileSync(state(), 'utf8') : null);

describe('jfleet-tunnel (the kiosk program), on /bin/sh with a stand-in ssh', () => {
  it('is POSIX sh (dash -n)', async () => {
    const r = await new Promise<number>((resolve) => execFile('/bin/sh', ['-n', program], (e) => resolve(e ? 1 : 0)));
    expect(r).toBe(0);
  });

  it('first start, 443 filtered: dials 443, then 22, which logs in and is remembered; exits with the tunnel when it drops', async () => {
    rmSync(join(dir, 'state'), { recursive: true, force: true });
    const r = await run([22]);
    expect(r.dialed).toEqual([443, 22]);
    expect(remembered()).toBe('22\n');
    expect(r.code).toBe(255);
    expect(r.out).toBe(
      [
        'jfleet-tunnel: dialing bastion.example.id port 443 (1 of 3)',
        'jfleet-tunnel: port 443 did not log in (ssh exit 255)',
        'jfleet-tunnel: dialing bastion.example.id port 22 (2 of 3)',
        'jfleet-tunnel: logged in to bastion.example.id on port 22',
        'jfleet-tunnel: the tunnel on port 22 ended (ssh exit 255)',
        '',
      ].join('\n'),
    );
    expect(existsSync(join(dir, 'connected'))).toBe(false);
  });

  it('the next start dials the remembered port first, and only it while it logs in', async () => {
    const r = await run([22, 443, 8022]);
    expect(r.dialed).toEqual([22]);
    expect(remembered()).toBe('22\n');
  });

  it('the remembered port filtered now: the others in the bastion order; the one that logs in is remembered', async () => {
    const r = await run([8022]);
    expect(r.dialed).toEqual([22, 443, 8022]);
    expect(remembered()).toBe('8022\n');
    const back = await run([443, 8022]);
    expect(back.dialed).toEqual([8022]);
  });

  it('no port logs in: every port once, exit 255, a line on stderr, the remembered port kept', async () => {
    const r = await run([]);
    expect(r.dialed).toEqual([8022, 443, 22]);
    expect(r.code).toBe(255);
    expect(r.err).toContain('jfleet-tunnel: no port of 443 22 8022 logged in; systemd starts this again');
    expect(remembered()).toBe('8022\n');
  });

  it.each([
    ['a port the bastion no longer has', '2222\n'],
    ['two ports', '22 8022\n'],
    ['not a number', 'port22\n'],
    ['an empty file', ''],
  ])('a state file with %s is ignored: the bastion order', async (_what, content) => {
    writeFileSync(state(), content);
    const r = await run([443]);
    expect(r.dialed).toEqual([443]);
    expect(remembered()).toBe('443\n');
  });

  it('a tunnel that ends cleanly (ssh exit 0) exits 0 without trying the next port', async () => {
    const r = await run([443], { rc: 0 });
    expect(r.dialed).toEqual([443]);
    expect(r.code).toBe(0);
  });
});
