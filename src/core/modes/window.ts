/**
 * Work on many items through a bounded window: at most `width` of them in flight, each started
 * as one before it finishes. A mode over 10,000 secrets then holds `width` closures, requests and
 * values at a time, not 10,000 (which `Promise.all(items.map(...))` creates at once).
 */

/**
 * How many items a mode works on at once: enough to keep every request slot of the gate busy
 * while some items wait for the next window of their budget (writes) and others are between
 * their requests, few enough that memory stays flat in the number of secrets.
 */
export function windowWidth(maxConcurrency: number): number {
  return Math.max(64, 4 * maxConcurrency);
}

/**
 * Calls `work` for each of `items`, at most `width` at a time, in the given order. `work` must
 * not throw (a mode turns every failure into its row); if it does, the first error is thrown
 * once the items in flight are done.
 */
export async function inWindow<T>(
  items: Iterable<T>,
  width: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const iterator = items[Symbol.iterator]();
  const worker = async (): Promise<void> => {
    for (let next = iterator.next(); !next.done; next = iterator.next()) await work(next.value);
  };
  await Promise.all(Array.from({ length: width }, worker));
}
