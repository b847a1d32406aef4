/**
 * Fan-out over a selection through a concurrency limit (p-limit): a slow or dead device holds up
 * nothing beyond its own slot and timeout. Never a bare Promise.all over the fleet.
 */
import pLimit from 'p-limit';

export type Settled<T, R> = { item: T; ok: true; value: R } | { item: T; ok: false; error: unknown };

export async function fanOut<T, R>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<R>,
  opts: { signal?: AbortSignal; onSettled?: (r: Settled<T, R>) => void } = {},
): Promise<Array<Settled<T, R>>> {
  const run = pLimit(Math.max(1, Math.floor(limit) || 1));
  const one = async (item: T): Promise<Settled<T, R>> => {
    let r: Settled<T, R>;
    if (opts.signal?.aborted) {
      r = { item, ok: false, error: opts.signal.reason ?? new Error('aborted') };
    } else {
      try {
        r = { item, ok: true, value: await fn(item) };
      } catch (error) {
        r = { item, ok: false, error };
      }
    }
    opts.onSettled?.(r);
    return r;
  };
  return Promise.all(items.map((item) => run(() => one(item))));
}
