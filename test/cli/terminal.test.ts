/**
 * Device text on the operator's terminal: control characters a compromised kiosk could use to
 * drive it (clipboard, title, clear, overwrite, bidi) are shown escaped on a TTY, kept exact
 * when piped; the provision renderer gets escaped data, so diffs of hostile files show escapes.
 */
import { englishT } from '../helpers/messages.js';
import { describe, expect, it } from 'vitest';
import { deviceText, escapeControls } from '../../src/cli/render/terminal.js';
import { shownRecap } from '../../src/cli/handlers/provision.js';
import { shownStatus } from '../../src/cli/handlers/health.js';
import { printable } from '../../src/errors.js';
import { renderDevice, type Paint } from '../../src/provision/render.js';
import type { DeviceRecap } from '../../src/provision/types.js';
import type { DeviceStatus } from '../../src/health/types.js';
import { at } from '../helpers/at.js';

describe('escapeControls', () => {
  it.each([
    ['OSC 52 clipboard', '\x1b]52;c;aGk=\x07', '\\x1b]52;c;aGk=\\x07'],
    ['OSC 0 title', '\x1b]0;x\x07', '\\x1b]0;x\\x07'],
    ['clear screen', '\x1b[2J', '\\x1b[2J'],
    ['CR overwrite', 'all good\rFAILED  ', 'all good\\x0dFAILED  '],
    ['backspace, DEL, NUL', 'a\bb\x7fc\x00', 'a\\x08b\\x7fc\\x00'],
    ['C1 CSI', 'x\u009b2Jy', 'x\\x9b2Jy'],
    ['bidi override', 'invoice\u202Egpj.exe', 'invoice\\u202egpj.exe'],
    ['bidi isolates', '\u2066a\u2069 \u202a\u202c', '\\u2066a\\u2069 \\u202a\\u202c'],
    ['UTF-8 text unchanged', 'Desa Ajung — kiosk ✓ 日本 é', 'Desa Ajung — kiosk ✓ 日本 é'],
    ['newline and tab kept', 'a\tb\nc\n', 'a\tb\nc\n'],
    ['plain ASCII unchanged', 'up 3 days, load 0.10', 'up 3 days, load 0.10'],
  ])('%s', (_name, input, expected) => {
    expect(escapeControls(input)).toBe(expected);
  });
  it('leaves nothing a terminal would act on', () => {
    let all = '';
    for (let c = 0; c < 0x100; c++) all += String.fromCharCode(c);
    all += '\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069';
    expect(escapeControls(all)).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
  });
});

describe('deviceText', () => {
  it('escapes on a terminal, keeps the bytes when piped', () => {
    const osc = '\x1b]52;c;aGk=\x07';
    expect(deviceText({ isTTY: true })(osc)).toBe('\\x1b]52;c;aGk=\\x07');
    expect(deviceText({ isTTY: false })(osc)).toBe(osc);
    expect(deviceText({})(osc)).toBe(osc);
  });
});

describe('printable (user text in error lines)', () => {
  it('turns bidi overrides into "?" as it does control characters', () => {
    expect(printable('a\u202eb\x1b[2Jc\n')).toBe('a?b?[2Jc\n');
  });
});

const ansi: Paint = {
  green: (s) => `\x1b[32m${s}\x1b[39m`,
  yellow: (s) => `\x1b[33m${s}\x1b[39m`,
  red: (s) => `\x1b[31m${s}\x1b[39m`,
  cyan: (s) => s,
  dim: (s) => s,
  bold: (s) => `\x1b[1m${s}\x1b[22m`,
};

describe('provision --diff of a file whose device content holds ESC', () => {
  const recap: DeviceRecap = {
    id: 'kiosk-ajung',
    ok: 0,
    changed: 1,
    failed: 1,
    skipped: 0,
    unreachable: false,
    durationMs: 1,
    steps: [
      {
        id: 'motd',
        title: 'motd',
        status: 'changed',
        reason: 'content differs',
        commands: [],
        diffs: [{ label: '/etc/motd', before: 'welcome\n\x1b]52;c;aGk=\x07\x1b[2J\n', after: 'welcome\n' }],
      },
      {
        id: 'hostname',
        title: 'hostname',
        status: 'failed',
        reason: 'x',
        error: 'hostname is "k\x1b]0;pwned\x07"',
        commands: [],
        diffs: [{ label: 'hostname', before: 'k\x1b]0;pwned\x07', after: 'kiosk-ajung' }],
      },
    ],
  };
  it('on a terminal: the device bytes are escaped, our colours are not', () => {
    const lines = renderDevice(shownRecap(recap, deviceText({ isTTY: true })), { check: true, diff: true }, ansi, englishT);
    const text = lines.join('\n');
    expect(text).toContain('-\\x1b]52;c;aGk=\\x07\\x1b[2J');
    expect(text).toContain('hostname: k\\x1b]0;pwned\\x07 -> kiosk-ajung');
    expect(text).toContain('hostname is "k\\x1b]0;pwned\\x07"');
    // the only ESC left is our own SGR colouring
    expect(text.replace(/\x1b\[\d+m/g, '')).not.toContain('\x1b');
  });
  it('piped: the exact bytes', () => {
    const text = renderDevice(shownRecap(recap, deviceText({ isTTY: false })), { check: true, diff: true }, ansi, englishT).join('\n');
    expect(text).toContain('-\x1b]52;c;aGk=\x07\x1b[2J');
    expect(text).toContain('hostname: k\x1b]0;pwned\x07 -> kiosk-ajung');
  });
  it('leaves the recap it was given as it was (the --json summary keeps the bytes)', () => {
    shownRecap(recap, deviceText({ isTTY: true }));
    expect(at(at(recap.steps, 0).diffs, 0).before).toBe('welcome\n\x1b]52;c;aGk=\x07\x1b[2J\n');
  });
});

describe('health check output from a device', () => {
  it('is escaped in what status and sweep render on a terminal', () => {
    const d = {
      id: 'k',
      village: 'v',
      district: 'd',
      state: 'warn',
      hard: true,
      flapping: false,
      silenced: false,
      since: '',
      lastSeen: null,
      release: '1\x1b[2J',
      checks: [{ name: 'page', state: 'warn', output: 'title \x1b]0;x\x07', perfdata: {} }],
    } as unknown as DeviceStatus;
    const s = shownStatus(d, deviceText({ isTTY: true }));
    expect(at(s.checks, 0).output).toBe('title \\x1b]0;x\\x07');
    expect(s.release).toBe('1\\x1b[2J');
    expect(shownStatus(d, deviceText({ isTTY: false }))).toEqual(d);
  });
});
