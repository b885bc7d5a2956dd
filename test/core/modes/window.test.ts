import assert from "node:assert/strict";
import { test } from "node:test";
import { Detached, Feed, inWindow } from "../../../src/core/modes/window.ts";

/** A promise and the function that resolves it. */
function later(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => {};
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

test("Detached: at most `limit` tasks run; start waits for a place, not for the task; done waits for all", async () => {
  const detached = new Detached(2);
  const gates = [later(), later(), later()];
  const finished: number[] = [];
  const started: number[] = [];
  await detached.start(async () => {
    started.push(0);
    await gates[0]!.promise;
    finished.push(0);
  });
  await detached.start(async () => {
    started.push(1);
    await gates[1]!.promise;
    finished.push(1);
  });
  let third = false;
  const starting = detached
    .start(async () => {
      started.push(2);
      await gates[2]!.promise;
      finished.push(2);
    })
    .then(() => (third = true));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(started, [0, 1]);
  assert.equal(third, false, "the third waits for a place");
  gates[1]!.resolve();
  await starting;
  assert.deepEqual(started, [0, 1, 2]);
  let done = false;
  const all = detached.done().then(() => (done = true));
  gates[2]!.resolve();
  await new Promise((r) => setImmediate(r));
  assert.equal(done, false, "done waits for the first");
  gates[0]!.resolve();
  await all;
  assert.deepEqual(finished, [1, 2, 0]);
});

test("a window's work goes on while detached tasks wait: a window of one plans every item behind a waiting task", async () => {
  const detached = new Detached(10);
  const hold = later();
  const planned: number[] = [];
  await inWindow([0, 1, 2, 3], 1, async (i) => {
    planned.push(i);
    await detached.start(() => (i === 0 ? hold.promise : Promise.resolve()));
  });
  assert.deepEqual(planned, [0, 1, 2, 3]);
  hold.resolve();
  await detached.done();
});

test("a window over a Feed works on each item as it is pushed, at most `width` at a time, and ends once the feed is closed and its work done", async () => {
  const feed = new Feed<number>();
  const gates = [later(), later(), later(), later()];
  const started: number[] = [];
  let ended = false;
  const running = inWindow(feed, 2, async (i) => {
    started.push(i);
    await gates[i]!.promise;
  }).then(() => (ended = true));
  const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
  await tick();
  assert.deepEqual(started, [], "nothing pushed yet");
  feed.push(0);
  await tick();
  assert.deepEqual(started, [0], "started before any other item is known");
  feed.push(1);
  feed.push(2);
  feed.push(3);
  await tick();
  assert.deepEqual(started, [0, 1], "two at a time");
  gates[0]!.resolve();
  await tick();
  assert.deepEqual(started, [0, 1, 2]);
  feed.close();
  gates[1]!.resolve();
  await tick();
  assert.deepEqual(started, [0, 1, 2, 3], "what was pushed before the close is still worked on");
  gates[2]!.resolve();
  await tick();
  assert.equal(ended, false, "the last item's work is not done");
  gates[3]!.resolve();
  await running;
  assert.equal(ended, true);
});

test("a closed Feed hands out what it holds, then ends every waiting worker", async () => {
  const feed = new Feed<string>();
  feed.push("a");
  feed.close();
  const seen: string[] = [];
  await inWindow(feed, 3, (item) => {
    seen.push(item);
    return Promise.resolve();
  });
  assert.deepEqual(seen, ["a"]);
});

test("a Feed hands out what was pushed first before every other item, each lane in order", async () => {
  const feed = new Feed<string>();
  feed.push("a");
  feed.push("b");
  feed.pushFirst("x");
  feed.pushFirst("y");
  feed.push("c");
  feed.close();
  const seen: string[] = [];
  await inWindow(feed, 1, (item) => {
    seen.push(item);
    return Promise.resolve();
  });
  assert.deepEqual(seen, ["x", "y", "a", "b", "c"]);
});
