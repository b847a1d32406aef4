import { englishT } from '../helpers/messages.js';
import { describe, expect, it } from 'vitest';
import { renderRecap, summarize, type Paint } from '../../src/provision/render.js';
import type { DeviceRecap } from '../../src/provision/types.js';

const plain: Paint = { green: (s) => s, yellow: (s) => s, red: (s) => s, cyan: (s) => s, dim: (s) => s, bold: (s) => s };
const dev = (id: string, over: Partial<DeviceRecap> = {}): DeviceRecap => ({
  id,
  ok: 3,
  changed: 0,
  failed: 0,
  skipped: 0,
  unreachable: false,
  steps: [],
  durationMs: 1,
  ...over,
});
const recipe = { name: 'kiosk', version: '1' };

describe('provision recap', () => {
  it('totals the devices, counting a failed or unreachable device once', () => {
    const lines = renderRecap(summarize(false, recipe, [dev('a'), dev('b', { changed: 2, failed: 1 }), dev('c', { unreachable: true })]), plain, englishT);
    expect(lines[0]).toBe('RECAP');
    expect(lines.at(-1)).toBe('TOTAL    : ok=9    changed=2    unreachable=1   failed=1    skipped=0  (3 devices, 2 failed or unreachable)');
  });
  it('says "1 device" for one, and marks a check run', () => {
    const lines = renderRecap(summarize(true, recipe, [dev('a')]), plain, englishT);
    expect(lines[0]).toBe('RECAP (check: nothing was changed)');
    expect(lines.at(-1)).toMatch(/\(1 device, 0 failed or unreachable\)$/);
  });
});
