import assert from "node:assert/strict";
import { test } from "node:test";
import { RestError, createHttpHeaders, createPipelineRequest } from "@azure/core-rest-pipeline";
import { createRequestGate, retryReason, type Clock } from "../../../src/core/vault/gate.ts";
import { parseRetryAfter } from "../../../src/core/vault/service-error.ts";

/** Virtual time: a sleep moves the clock on at once, and is recorded (for one request at a time). */
function fakeClock(): Clock & { sleeps: number[] } {
  let now = 1_000_000;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: (ms) => {
      sleeps.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
}

/**
 * Virtual time for many requests at once: sleeps wait on timers, and `settle` moves the clock
 * to the next timer only when nothing else can run (so no request sees time move under it).
 */
function virtualClock(): Clock & { settle<T>(work: Promise<T>): Promise<T> } {
  let now = 1_000_000;
  const timers: { at: number; resolve: () => void }[] = [];
  // Several turns of the event loop: work in flight settles before the clock moves on.
  const idle = async (): Promise<void> => {
    for (let i = 0; i < 10; i += 1) await new Promise((resolve) => setImmediate(resolve));
  };
  return {
    now: () => now,
    sleep: (ms) =>
      new Promise<void>((resolve) => timers.push({ at: now + Math.max(0, ms), resolve })),
    async settle<T>(work: Promise<T>): Promise<T> {
      let done = false;
      const finished = work.finally(() => (done = true));
      // Work may take several turns of the event loop to reach its next sleep.
      for (let quiet = 0; ;) {
        await idle();
        if (done) return finished;
        timers.sort((a, b) => a.at - b.at);
        const next = timers.shift();
        if (!next) {
          quiet += 1;
          if (quiet > 20) return finished;
          continue;
        }
        quiet = 0;
        now = Math.max(now, next.at);
        next.resolve();
      }
    },
  };
}

/** Operations that note `name@ms` (virtual time since the start) as each is sent. */
function sentLog(clock: Clock): { sent: string[]; op: (name: string) => () => Promise<void> } {
  const sent: string[] = [];
  const op = (name: string) => () =>
    new Promise<void>((resolve) => {
      sent.push(`${name}@${clock.now() - 1_000_000}`);
      setImmediate(resolve);
    });
  return { sent, op };
}

function serviceFailure(
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): RestError {
  const request = createPipelineRequest({ url: "https://v.vault.azure.net/secrets/x" });
  return new RestError(message, {
    statusCode: status,
    code,
    request,
    response: { status, headers: createHttpHeaders(headers), request },
  });
}

test("writes are paced to the budget over a sliding window: never more than the limit in any window", async () => {
  const clock = virtualClock();
  const gate = createRequestGate({
    concurrency: 4,
    clock,
    budgets: { writes: { limit: 3, windowMs: 1_000 }, others: { limit: 100, windowMs: 1_000 } },
  });
  const starts: number[] = [];
  await clock.settle(
    Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        gate.write(`s${i}`, () => Promise.resolve(starts.push(clock.now()))),
      ),
    ),
  );
  assert.equal(starts.length, 10);
  for (const start of starts) {
    assert.ok(
      starts.filter((s) => s >= start && s < start + 1_000).length <= 3,
      "at most 3 starts in a 1 s window",
    );
  }
  assert.ok(
    starts.at(-1)! - starts[0]! >= 3_000,
    "10 writes at 3 a second span at least 3 windows",
  );
  // Reads have their own budget: they do not wait for writes.
  const readClock = fakeClock();
  const reads = createRequestGate({
    concurrency: 4,
    clock: readClock,
    budgets: { writes: { limit: 1, windowMs: 1_000 }, others: { limit: 100, windowMs: 1_000 } },
  });
  await Promise.all(
    Array.from({ length: 10 }, (_, i) => reads.read(`r${i}`, () => Promise.resolve(i))),
  );
  assert.deepEqual(readClock.sleeps, []);
});

test("writes go before queued reads, and a write waiting for its budget leaves its slot to reads", async () => {
  const clock = virtualClock();
  const gate = createRequestGate({
    concurrency: 1,
    clock,
    budgets: { writes: { limit: 1, windowMs: 1_000 }, others: { limit: 100, windowMs: 1_000 } },
  });
  const { sent, op } = sentLog(clock);
  await clock.settle(
    Promise.all([
      gate.read("r0", op("r0")),
      gate.read("r1", op("r1")),
      gate.read("r2", op("r2")),
      gate.write("w0", op("w0")),
      gate.write("w1", op("w1")),
    ]),
  );
  // r0 was under way; w0 jumps the queued reads; w1 waits a window without holding the slot.
  assert.deepEqual(sent, ["r0@0", "w0@0", "r1@0", "r2@0", "w1@1000"]);
});

test("a listing's page goes before queued reads and after queued writes, from the others' budget", async () => {
  const clock = virtualClock();
  const gate = createRequestGate({
    concurrency: 1,
    clock,
    budgets: { writes: { limit: 10, windowMs: 1_000 }, others: { limit: 4, windowMs: 1_000 } },
  });
  const { sent, op } = sentLog(clock);
  await clock.settle(
    Promise.all([
      gate.read("r0", op("r0")),
      gate.read("r1", op("r1")),
      gate.read("r2", op("r2")),
      gate.read("*", op("p0"), { page: true }),
      gate.write("w0", op("w0")),
      gate.read("*", op("p1"), { page: true }),
    ]),
  );
  // r0 was under way; w0, then the page, jump the queued reads. The budget is first come, first
  // served: p1, the 5th request of the others' budget (4 a window), waits for the next window.
  assert.deepEqual(sent, ["r0@0", "w0@0", "p0@0", "r1@0", "r2@0", "p1@1000"]);
});

test("concurrency is bounded", async () => {
  const gate = createRequestGate({ concurrency: 3, clock: fakeClock() });
  let inFlight = 0;
  let most = 0;
  await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      gate.read(`s${i}`, async () => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight -= 1;
      }),
    ),
  );
  assert.equal(most, 3);
});

test("a 429 waits its Retry-After; without one the gate backs off with jitter, growing", async () => {
  const clock = fakeClock();
  const gate = createRequestGate({ concurrency: 1, clock, random: () => 0.5, baseDelayMs: 100 });
  let calls = 0;
  const value = await gate.write("x", () => {
    calls += 1;
    if (calls === 1)
      return Promise.reject(serviceFailure(429, "Throttled", "too many", { "retry-after": "3" }));
    if (calls <= 3) return Promise.reject(serviceFailure(429, "Throttled", "too many"));
    return Promise.resolve("done");
  });
  assert.equal(value, "done");
  // Retry-After 3 s; then equal jitter (half the delay plus random 0.5 of the other half) of
  // the exponential 200 ms and 400 ms of the 2nd and 3rd tries: 150 and 300.
  assert.deepEqual(clock.sleeps, [3_000, 150, 300]);
});

test("what is retried and what is not", () => {
  const retried = [
    serviceFailure(429, "Throttled", "x"),
    serviceFailure(500, "InternalServerError", "x"),
    serviceFailure(503, "ServiceUnavailable", "x"),
    serviceFailure(409, "Conflict", "Secret s is currently being recovered."),
    serviceFailure(409, "Conflict", "Secret s is currently being deleted."),
    new RestError("read ECONNRESET", { code: "ECONNRESET" }),
    new RestError("socket hang up", { code: "ECONNRESET" }),
    new RestError("socket hang up", {}),
  ];
  for (const e of retried) assert.ok(retryReason(e), e.message);
  const final = [
    serviceFailure(409, "Conflict", "Secret s is currently in a deleted but recoverable state"),
    serviceFailure(403, "Forbidden", "x"),
    serviceFailure(401, "Unauthorized", "x"),
    serviceFailure(400, "BadParameter", "x"),
    serviceFailure(404, "SecretNotFound", "x"),
    new Error("a bug"),
  ];
  for (const e of final) assert.equal(retryReason(e), undefined, e.message);
});

test("attempts are bounded: the last error reaches the caller", async () => {
  const clock = fakeClock();
  const gate = createRequestGate({ concurrency: 1, clock, maxAttempts: 4, random: () => 0 });
  let calls = 0;
  await assert.rejects(
    gate.write("x", () => {
      calls += 1;
      return Promise.reject(serviceFailure(503, "ServiceUnavailable", `try ${calls}`));
    }),
    /try 4/,
  );
  assert.equal(calls, 4);
  let forbidden = 0;
  await assert.rejects(
    gate.read("y", () => Promise.reject(serviceFailure(403, "Forbidden", `no ${++forbidden}`))),
    /no 1/,
  );
});

test("Retry-After as seconds or an HTTP date", () => {
  assert.equal(parseRetryAfter("2"), 2_000);
  assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4_000), 6_000);
  assert.equal(parseRetryAfter("soon"), undefined);
  assert.equal(parseRetryAfter(undefined), undefined);
});
