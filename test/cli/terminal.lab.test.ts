/**
 * A compromised kiosk sending terminal escapes (OSC 52 sets the operator's clipboard) through
 * `jfleet exec` and `jfleet provision --diff`, on a lab device: on a terminal the ESC is shown
 * escaped, piped the bytes are exact, and --json holds the exact bytes in its strings. Runs
 * main() in this process so stdout can say it is a terminal.
 */
import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { useLab } from '../lab/lab.js';
import type { Context } from '../../src/context.js';
import { main } from '../../src/main.js';
import { at } from '../helpers/at.js';

const lab = useLab(1);
const OSC52 = '\x1b]52;c;aGk=\x07';
const SHOWN = '\\x1b]52;c;aGk=\\x07';

async function run(argv: string[], tty: boolean): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const sink = () => {
    const stream = Object.assign(new PassThrough(), { isTTY: tty, columns: 120 });
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
  };
  const out = sink();
  const err = sink();
  const stdin = new PassThrough();
  stdin.end();
  const home = lab().home;
  const ctx = {
    cwd: home,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, JFLEET_HOME: home, CI: 'true', NO_COLOR: '1', ...lab().env },
    stdin,
    stdout: out.stream,
    stderr: err.stream,
    clock: { now: () => new Date() },
    home,
    color: false,
    debug: false,
    interactive: false,
    signal: new AbortController().signal,
  } as unknown as Context;
  const exitCode = await main(argv, ctx);
  await new Promise((r) => setImmediate(r));
  return { exitCode, stdout: out.text(), stderr: err.text() };
}

describe('device escapes through jfleet exec', () => {
  const cmd = () => ['exec', '--limit', at(lab().devices, 0).id, '--', `printf '\\033]52;c;aGk=\\007\\n'; printf 'title\\033]0;x\\007\\n' >&2`];

  it('on a terminal: shown escaped, stdout and stderr lines alike', async () => {
    const r = await run(cmd(), true);
    expect(r.exitCode, r.stderr).toBe(0);
    const id = at(lab().devices, 0).id;
    expect(r.stdout).toContain(`${id} | ${SHOWN}\n`);
    expect(r.stdout).toContain(`${id} ! title\\x1b]0;x\\x07\n`);
    expect(r.stdout).not.toContain('\x1b');
  });
  it('piped: the exact bytes', async () => {
    const r = await run(cmd(), false);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${at(lab().devices, 0).id} | ${OSC52}\n`);
  });
  it('--json on a terminal: the exact bytes in the JSON string', async () => {
    const r = await run(['exec', '--json', ...cmd().slice(1)], true);
    expect(r.exitCode, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { results: Array<{ stdout: string; stderr: string }> };
    expect(at(j.results, 0).stdout).toBe(`${OSC52}\n`);
    expect(at(j.results, 0).stderr).toBe('title\x1b]0;x\x07\n');
    expect(r.stdout).toContain('\\u001b]52;c;aGk=\\u0007');
  });
  it('a failing device: the recap and error lines escape its output too', async () => {
    const r = await run(['exec', '--limit', at(lab().devices, 0).id, '--', `printf '\\033[2J\\r'; exit 3`], true);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('| \\x1b[2J\\x0d\n');
    expect(r.stdout).not.toContain('\x1b');
  });
  it('jfleet ssh ID -- CMD on a terminal: escaped as it streams', async () => {
    const r = await run(['ssh', at(lab().devices, 0).id, '--', `printf 'a\\033]52;c;aGk=\\007b\\n'`], true);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe(`a${SHOWN}b\n`);
    const piped = await run(['ssh', at(lab().devices, 0).id, '--', `printf 'a\\033]52;c;aGk=\\007b\\n'`], false);
    expect(piped.stdout).toBe(`a${OSC52}b\n`);
  });
});

describe('device escapes through jfleet provision --check --diff', () => {
  it('a file whose content on the device holds ESC: escaped on a terminal, exact piped and in --json', async () => {
    const d = at(lab().devices, 0);
    lab().run(d.id, `mkdir -p /etc/jfleet && printf 'KIOSK_URL="x"\\n\\033]52;c;aGk=\\007\\n' > /etc/jfleet/kiosk.env`);
    const tty = await run(['provision', '--check', '--diff', '--limit', d.id], true);
    expect(tty.stdout, tty.stderr).toContain(`-${SHOWN}`);
    expect(tty.stdout).not.toContain('\x1b');
    const piped = await run(['provision', '--check', '--diff', '--limit', d.id], false);
    expect(piped.stdout, piped.stderr).toContain(`-${OSC52}`);
    const json = await run(['provision', '--check', '--json', '--limit', d.id], true);
    const s = JSON.parse(json.stdout) as { devices: Array<{ steps: Array<{ id: string; diffs: Array<{ before: string }> }> }> };
    expect(at(at(s.devices, 0).steps.find((x) => x.id === 'kiosk-env')!.diffs, 0).before).toContain(OSC52);
  });
});
