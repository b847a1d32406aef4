/**
 * `arr[i]` for tests under `noUncheckedIndexedAccess`: returns the element typed without
 * `| undefined`, and throws a clear error (instead of a later "cannot read properties of
 * undefined") when the index is out of range.
 */
export function at<T>(arr: ArrayLike<T>, i: number): T {
  if (!Number.isInteger(i) || i < 0 || i >= arr.length) throw new Error(`at(): no index ${i} (length ${arr.length})`);
  return arr[i] as T;
}
