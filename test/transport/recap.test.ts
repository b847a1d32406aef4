import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { buildCommand, outcomeOf, prefixLines, recapLines, summarize, type DeviceResult } from '../../src/transport/recap.js';
import { TransportError, HostKeyMismatchError } from '../../src/transport/types.js';
import { InputError } from '../../src/errors.js';

const sh = (line: string) => execFileSync('/bin/sh', ['-c', line], { encoding: 'utf8', cwd: '/tmp' });

// values that stay text wherever a placeholder stands on its own (they hold no $ ` [ ] <( >()
const INERT = [
  `plain`,
  `with space`,
  `'; touch /tmp/jfleet-pwned; '`,
  `"; touch /tmp/jfleet-pwned; "`,
  `a\\b\\\\'c"d`,
  `*`,
  `-n`,
  `x; rm -rf / #`,
  `a|b&c<d>e(f)`,
  '',
];
// values bash could run part of (arithmetic, subscripts, substitutions): refused
const CODE = ['$(touch /tmp/jfleet-pwned)', '`touch /tmp/jfleet-pwned`', `a\\b'c"d$e`, '${HOME}$((1+1))', 'x[1]', '<(touch /tmp/jfleet-pwned)'];

describe('buildCommand: placeholders never inject', () => {
  for (const v of INERT) {
    const pkg = { id: 'kiosk-a', village: '35.09.01.2001', address: '127.0.0.1', vars: { note: v } };
    it(`shell line, every quoting context: ${JSON.stringify(v)}`, () => {
      const line = buildCommand([`printf '[%s]' {var.note} "{var.note}" 'pre{var.note}post' x={var.note} "in {id} x"`], pkg);
      expect(sh(line)).toBe(`[${v}][${v}][pre${v}post][x=${v}][in kiosk-a x]`);
    });
    it(`argv form: ${JSON.stringify(v)}`, () => {
      expect(sh(buildCommand(['printf', '%s|', '{var.note}', 'k={id}', '--note={var.note}'], pkg))).toBe(`${v}|k=kiosk-a|--note=${v}|`);
    });
  }
  for (const v of CODE) {
    const pkg = { id: 'kiosk-a', village: '35.09.01.2001', address: '127.0.0.1', vars: { note: v } };
    it(`refuses ${JSON.stringify(v)} in both forms, naming the package and the field`, () => {
      for (const args of [['echo {var.note}'], ['printf', '%s', '{var.note}']]) {
        const e = (() => {
          try {
            buildCommand(args, pkg);
          } catch (err) {
            return err;
          }
        })();
        expect(e).toBeInstanceOf(InputError);
        expect((e as InputError).issues).toHaveLength(1);
        expect((e as InputError).message).toMatch(/^kiosk-a vars\.note: refused for \{var\.note\}: the value holds "(\$|`|\[|<\()"/);
      }
    });
  }
  it("leaves a line without placeholders as written (a shell line is the user's shell)", () => {
    expect(buildCommand(['uptime; df -P / | tail -1'], { id: 'a', village: 'v', address: 'h' })).toBe('uptime; df -P / | tail -1');
  });
  it('quotes each argument of an argv', () => {
    expect(buildCommand(['echo', 'a b', "it's"], { id: 'a', village: 'v', address: 'h' })).toBe(`echo 'a b' 'it'\\''s'`);
  });
});

describe('outcomes and recap', () => {
  const mk = (id: string, status: DeviceResult['status'], extra: Partial<DeviceResult> = {}): DeviceResult => ({
    id,
    status,
    exitCode: status === 'ok' ? 0 : null,
    signal: null,
    stdout: '',
    stderr: '',
    error: null,
    durationMs: 1,
    ...extra,
  });
  it('classifies results and transport errors', () => {
    expect(outcomeOf({ ok: true, value: { stdout: '', stderr: 'noise', exitCode: 0, signal: null } }).status).toBe('ok');
    expect(outcomeOf({ ok: true, value: { stdout: '', stderr: '', exitCode: 3, signal: null } }).status).toBe('failed');
    expect(outcomeOf({ ok: false, error: new TransportError('unreachable', 'a', 'refused') })).toEqual({ status: 'unreachable', error: 'refused' });
    expect(outcomeOf({ ok: false, error: new HostKeyMismatchError('a', 'SHA256:old', 'SHA256:new') }).status).toBe('hostkey');
    expect(outcomeOf({ ok: false, error: new Error('boom') })).toEqual({ status: 'error', error: 'boom' });
  });
  it('prints a recap with counts and one line per device that is not ok', () => {
    const rs = [
      mk('a', 'ok'),
      mk('b', 'failed', { exitCode: 2 }),
      mk('c', 'unreachable', { error: 'c unreachable: connection refused' }),
      mk('d', 'auth', { error: 'nope' }),
    ];
    expect(summarize(rs)).toMatchObject({ total: 4, ok: 1, failed: 1, unreachable: 1, auth: 1, hostkey: 0 });
    expect(recapLines(rs)).toEqual([
      'recap: 4 devices: ok 1, failed 1, unreachable 1, auth failed 1',
      '  b: failed (exit 2)',
      '  c: unreachable (c unreachable: connection refused)',
      '  d: auth failed (nope)',
    ]);
  });
  it('says "1 device", not "1 devices"', () => {
    expect(recapLines([mk('a', 'ok')])[0]).toBe('recap: 1 device: ok 1, failed 0, unreachable 0, auth failed 0');
  });
  it('prefixes every output line with the device id', () => {
    expect(prefixLines('a', 'x\ny\n')).toEqual(['a | x', 'a | y']);
    expect(prefixLines('a', 'err', '!')).toEqual(['a ! err']);
    expect(prefixLines('a', '')).toEqual([]);
  });
});
