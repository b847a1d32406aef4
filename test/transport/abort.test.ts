import { describe, expect, it } from 'vitest';
import { getEventListeners } from 'node:events';
import { onAbort } from '../../src/transport/abort.js';
import { at } from '../helpers/at.js';

describe('onAbort', () => {
  it('many waiters share one listener on the signal; each fires once, an undone one never', async () => {
    const c = new AbortController();
    const fired: number[] = [];
    const undo = Array.from({ length: 100 }, (_, i) => onAbort(c.signal, () => fired.push(i)));
    expect(getEventListeners(c.signal, 'abort')).toHaveLength(1);
    at(undo, 7)();
    c.abort();
    c.abort();
    expect(fired).toHaveLength(99);
    expect(fired).not.toContain(7);
    expect(new Set(fired).size).toBe(99);
  });
  it('a signal that has already aborted calls back at once (soon), and no signal never does', async () => {
    const c = new AbortController();
    c.abort();
    let called = 0;
    onAbort(c.signal, () => called++);
    onAbort(undefined, () => called++)();
    await Promise.resolve();
    expect(called).toBe(1);
  });
});
