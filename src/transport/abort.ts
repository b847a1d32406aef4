/**
 * One abort listener per signal, however many commands wait on it. A fleet command runs
 * hundreds of execs against the same cancel signal (Ctrl-C), and Node's EventTarget checks
 * every registered listener for a duplicate on each addEventListener: with 100 in flight that
 * was ~90 ms of a 100-device cold sweep's client CPU (measured). Here adding and removing are O(1).
 */
const waiting = new WeakMap<AbortSignal, Set<() => void>>();

/** Calls fn once when signal aborts (at once if it already has); returns the undo. */
export function onAbort(signal: AbortSignal | undefined, fn: () => void): () => void {
  if (!signal) return () => undefined;
  if (signal.aborted) {
    queueMicrotask(fn);
    return () => undefined;
  }
  let set = waiting.get(signal);
  if (!set) {
    const fns = new Set<() => void>();
    set = fns;
    waiting.set(signal, fns);
    signal.addEventListener(
      'abort',
      () => {
        waiting.delete(signal);
        for (const f of fns) f();
      },
      { once: true },
    );
  }
  const s = set;
  s.add(fn);
  return () => void s.delete(fn);
}
