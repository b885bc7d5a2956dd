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
 * Calls `work` for each of `items`, at most `width` at a time, in the given order; items that
 * come later (a `Feed`) are worked on as they come. `work` must not throw (a mode turns every
 * failure into its row); if it does, the first error is thrown once the items in flight are done.
 */
export async function inWindow<T>(
  items: Iterable<T> | AsyncIterable<T>,
  width: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const iterator =
    Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : items[Symbol.iterator]();
  const worker = async (): Promise<void> => {
    for (let next = await iterator.next(); !next.done; next = await iterator.next())
      await work(next.value);
  };
  await Promise.all(Array.from({ length: width }, worker));
}

/**
 * Items handed to a window as they become known (set mode's entries, as the listings show
 * them): `push` adds one, `pushFirst` one to take before every item pushed (an entry whose
 * write is known without a request: the write budget then opens at once), `close` says no more
 * will come. The window's workers wait for the next item meanwhile. It holds only the items
 * pushed and not yet taken (set mode's indexes).
 */
export class Feed<T> implements AsyncIterable<T> {
  private readonly first = new Lane<T>();
  private readonly then = new Lane<T>();
  private closed = false;
  private readonly waiting: ((next: IteratorResult<T, undefined>) => void)[] = [];

  push(item: T): void {
    this.add(item, this.then);
  }

  pushFirst(item: T): void {
    this.add(item, this.first);
  }

  close(): void {
    this.closed = true;
    for (const waiter of this.waiting.splice(0)) waiter({ done: true, value: undefined });
  }

  [Symbol.asyncIterator](): AsyncIterator<T, undefined> {
    return { next: () => this.next() };
  }

  private add(item: T, lane: Lane<T>): void {
    const waiter = this.waiting.shift();
    if (waiter) waiter({ done: false, value: item });
    else lane.add(item);
  }

  private next(): Promise<IteratorResult<T, undefined>> {
    const lane = this.first.size > 0 ? this.first : this.then;
    if (lane.size > 0) return Promise.resolve({ done: false, value: lane.take() });
    if (this.closed) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}

/** A first-in first-out queue that drops taken items once they are half of those held. */
class Lane<T> {
  private items: T[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  add(item: T): void {
    this.items.push(item);
  }

  /** The oldest item; only when `size > 0`. */
  take(): T {
    const item = this.items[this.head] as T;
    this.head += 1;
    // Dropped by halves, not shifted one by one: the copies stay linear in the items.
    if (this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
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
