import { describe, expect, it } from 'vitest';
import { fanOut } from '../../src/transport/fanout.js';
import { at } from '../helpers/at.js';

describe('fanOut', () => {
  it('never runs more than the limit at once and keeps input order', async () => {
    let active = 0;
    let peak = 0;
    const items = Array.from({ length: 40 }, (_, i) => i);
    const res = await fanOut(items, 7, async (i) => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 5 + (i % 3) * 3));
      active--;
      return i * 2;
    });
    expect(peak).toBe(7);
    expect(res.map((r) => (r.ok ? r.value : -1))).toEqual(items.map((i) => i * 2));
  });
  it('captures each failure without stopping the others, and reports each as it settles', async () => {
    const seen: number[] = [];
    const res = await fanOut(
      [1, 2, 3],
      2,
      async (i) => {
        if (i === 2) throw new Error('two');
        return i;
      },
      { onSettled: (r) => seen.push(r.item) },
    );
    expect(res.map((r) => r.ok)).toEqual([true, false, true]);
    const second = at(res, 1);
    expect(second.ok ? null : (second.error as Error).message).toBe('two');
    expect(seen.sort()).toEqual([1, 2, 3]);
  });
  it('a slow item holds up only its own slot', async () => {
    const t0 = Date.now();
    const done: Record<number, number> = {};
    await fanOut([0, 1, 2, 3, 4, 5], 2, async (i) => {
      await new Promise((r) => setTimeout(r, i === 0 ? 300 : 20));
      done[i] = Date.now() - t0;
    });
    expect(done[5]).toBeLessThan(250);
  });
  it('starts nothing after the signal aborts', async () => {
    const ac = new AbortController();
    const started: number[] = [];
    const res = await fanOut(
      [1, 2, 3, 4],
      1,
      async (i) => {
        started.push(i);
        if (i === 2) ac.abort(new Error('stop'));
        return i;
      },
      { signal: ac.signal },
    );
    expect(started).toEqual([1, 2]);
    expect(res.filter((r) => !r.ok).map((r) => r.item)).toEqual([3, 4]);
  });
});
