// The gate on cancellation (close) and its pacing report: no request is sent after close, those
// waiting fail as not reached, one in flight finishes, or is given up on after the grace.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CancelledError } from "../../../src/core/errors.ts";
import { createRequestGate, type Clock } from "../../../src/core/vault/gate.ts";

/** Time that moves only when the test says; timers fire when it passes them. */
function manualClock(): Clock & { advance(ms: number): Promise<void> } {
  let now = 0;
  const timers: { at: number; fn: () => void }[] = [];
  const fire = (): void => {
    for (const t of timers.filter((t) => t.at <= now)) {
      timers.splice(timers.indexOf(t), 1);
      t.fn();
    }
  };
  return {
    now: () => now,
    sleep: (ms) => new Promise((resolve) => timers.push({ at: now + ms, fn: () => resolve() })),
    timer: (ms, fn) => {
      const t = { at: now + ms, fn };
      timers.push(t);
      return () => void timers.splice(timers.indexOf(t), 1);
    },
    async advance(ms) {
      now += ms;
      fire();
      for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

const turns = async (): Promise<void> => {
  for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
};

test("close: the request in flight finishes; every queued one fails not reached, never sent", async () => {
  const clock = manualClock();
  const gate = createRequestGate({ concurrency: 1, clock });
  const sent: string[] = [];
  let answer = (): void => {};
  const first = gate.write("a", () => {
    sent.push("a");
    return new Promise<string>((resolve) => (answer = () => resolve("a done")));
  });
  const queued = ["b", "c", "d"].map((name) =>
    gate.write(name, () => {
      sent.push(name);
      return Promise.resolve(name);
    }),
  );
  await turns();
  gate.close();
  answer();
  assert.equal(await first, "a done");
  for (const q of queued) {
    await assert.rejects(q, (e: unknown) => {
      assert.ok(e instanceof CancelledError);
      assert.equal(e.message, CancelledError.notReached);
      return true;
    });
  }
  await assert.rejects(
    gate.read("e", () => Promise.resolve("e")),
    CancelledError,
  );
  assert.deepEqual(sent, ["a"]);
});

test("close: a request still in flight after the grace is given up on (aborted), saying it may have been done", async () => {
  const clock = manualClock();
  const gate = createRequestGate({ concurrency: 2, clock, timeoutMs: 60_000 });
  let aborted = false;
  const hung = gate.write("slow", (signal) => {
    signal?.addEventListener("abort", () => (aborted = true));
    return new Promise<never>(() => {});
  });
  await turns();
  gate.close(3_000);
  const givenUp = assert.rejects(hung, (e: unknown) => e instanceof CancelledError && e.inFlight);
  await clock.advance(2_999);
  assert.equal(aborted, false, "in flight within the grace");
  await clock.advance(1);
  await givenUp;
  assert.equal(aborted, true);
});

test("close: a request backing off from a 429 is not tried again", async () => {
  const clock = manualClock();
  const gate = createRequestGate({ concurrency: 1, clock, maxRetryAfterMs: 60_000 });
  let tries = 0;
  const throttled = Object.assign(new Error("throttled"), {
    statusCode: 429,
    response: { headers: { get: () => "30" } },
  });
  const write = gate.write("x", () => {
    tries += 1;
    return Promise.reject(throttled);
  });
  await turns();
  gate.close();
  await assert.rejects(write, CancelledError);
  assert.equal(tries, 1);
});

test("pacing: says how many writes wait for the vault's budget, and nothing when none waits", async () => {
  const clock = manualClock();
  const gate = createRequestGate({
    concurrency: 10,
    clock,
    budgets: { writes: { limit: 2, windowMs: 10_000 }, others: { limit: 100, windowMs: 10_000 } },
  });
  assert.equal(gate.pacing(), undefined);
  const writes = ["a", "b", "c", "d", "e"].map((n) => gate.write(n, () => Promise.resolve(n)));
  await turns();
  assert.equal(gate.pacing(), "3 writes wait for the vault's budget (2 per 10 s)");
  await clock.advance(10_000);
  await clock.advance(10_000);
  await Promise.all(writes);
  assert.equal(gate.pacing(), undefined);
});
