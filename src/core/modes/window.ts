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

/**
 * Tasks started from a window that run on without holding its place: set mode's writes, which
 * may wait up to a window of the write budget (10 s) while the next entries' reads could go.
 * At most `limit` run at once; `start` waits while that many do, so memory stays bounded.
 * A task must not throw (as `inWindow`'s work); if one does, `done` rejects.
 */
export class Detached {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly tasks = new Set<Promise<void>>();

  constructor(private readonly limit: number) {}

  /** Starts `task` once fewer than `limit` run; resolves when it has started, not finished. */
  async start(task: () => Promise<void>): Promise<void> {
    while (this.running >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    this.running += 1;
    const run: Promise<void> = task().finally(() => {
      this.running -= 1;
      this.tasks.delete(run);
      this.waiting.shift()?.();
    });
    this.tasks.add(run);
  }

  /** Resolves once every task started is done. */
  async done(): Promise<void> {
    await Promise.all([...this.tasks]);
  }
}
