import { describe, expect, it } from 'vitest';
import { parseScreenshot } from '../../src/health/screenshot.js';

/** A 1920x1080 PNG's first bytes (signature + IHDR), enough for the parser. */
function png(w: number, h: number): Buffer {
  const b = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]).copy(b);
  b.writeUInt32BE(w, 16);
  b.writeUInt32BE(h, 20);
  return b;
}

describe('screenshot answers', () => {
  it('a PNG with its size', () => {
    const r = parseScreenshot('k1', `JFLEET-SHOT png\n${png(1920, 1080).toString('base64')}\nJFLEET-SHOT rc=0\n`);
    expect(r).toMatchObject({ ok: true, width: 1920, height: 1080 });
  });
  it.each([
    ['JFLEET-SHOT stand-in', "k1 runs the lab's stand-in browser: there is no screen to capture"],
    ['JFLEET-SHOT no-display 2', 'no display connected to k1 (2 connector(s), none connected): check the cable and that the screen is on'],
    ['JFLEET-SHOT no-session kiosk', 'the kiosk session of k1 is not running (no Wayland display for kiosk): is jfleet-kiosk.service active?'],
    ['JFLEET-SHOT png\n\nJFLEET-SHOT rc=1', 'k1: grim could not capture the screen (rc=1)'],
    [`JFLEET-SHOT png\n${Buffer.from('not a png at all, not at all').toString('base64')}\nJFLEET-SHOT rc=0`, 'k1: grim could not capture the screen (rc=0)'],
    ['bash: not found', 'k1: the screenshot script printed nothing it understands (is bash installed?)'],
  ])('%s', (out, message) => {
    expect(parseScreenshot('k1', out)).toMatchObject({ ok: false, message });
  });
});
