// At the defaults (30 s a try, two retries), a vault that never answers fails every request
// within two minutes, however many are queued: measured on virtual time.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createRequestGate, type Clock } from "../../../src/core/vault/gate.ts";
import { defaultConcurrency } from "../../../src/core/inputs/settings.ts";

/** Virtual time: timers fire in order, each once nothing else is left to run. */
function virtualClock(): Clock & { run<T>(work: Promise<T>): Promise<T> } {
  let now = 0;
  let timers: { at: number; fn: () => void }[] = [];
  const idle = async (): Promise<void> => {
    for (let i = 0; i < 20; i += 1) await new Promise((resolve) => setImmediate(resolve));
  };
  const timer = (ms: number, fn: () => void): (() => void) => {
    const entry = { at: now + ms, fn };
    timers.push(entry);
    return () => {
      timers = timers.filter((t) => t !== entry);
    };
  };
  return {
    now: () => now,
    sleep: (ms) => new Promise((resolve) => timer(ms, () => resolve())),
    timer,
    async run(work) {
      let done = false;
      const result = work.finally(() => (done = true));
      result.catch(() => undefined);
      while (!done) {
        await idle();
        if (done) break;
        timers.sort((a, b) => a.at - b.at);
        const next = timers.shift();
        assert.ok(next, "work is waiting on nothing");
        now = Math.max(now, next.at);
        next.fn();
      }
      return result;
    },
  };
}

void test("at the defaults, 100 requests to a vault that never answers all fail within two minutes", async () => {
  const clock = virtualClock();
  const gate = createRequestGate({
    concurrency: defaultConcurrency,
    clock,
    target: "the vault https://hung.vault.azure.net",
    timeoutInput: "request-timeout",
  });
  const aborted: boolean[] = [];
  const never = (signal?: AbortSignal): Promise<never> =>
    new Promise((_, reject) =>
      signal?.addEventListener("abort", () => {
        aborted.push(true);
        reject(new Error("aborted"));
      }),
    );
  const outcomes = await clock.run(
    Promise.allSettled(Array.from({ length: 100 }, (_, i) => gate.read(`s${i}`, never))),
  );
  assert.ok(clock.now() < 120_000, `the last request failed after ${clock.now()} ms`);
  for (const outcome of outcomes) {
    assert.equal(outcome.status, "rejected");
    assert.match(
      String(outcome.reason),
      /the vault https:\/\/hung\.vault\.azure\.net did not answer within 30 s \(request-timeout\), 3 tries/,
    );
  }
  // Every try that was sent was aborted: no connection is left open.
  assert.equal(aborted.length, 3 * defaultConcurrency);
});

void test("a listing that keeps making progress is not cut off by the timeout of one request", async () => {
  const clock = virtualClock();
  const gate = createRequestGate({ concurrency: 1, clock, timeoutMs: 1_000 });
  // Ten pages of 900 ms each: 9 s in all, each page well within its second.
  const listing = async (_signal?: AbortSignal, progress?: () => void): Promise<number> => {
    for (let page = 0; page < 10; page += 1) {
      await clock.sleep(900);
      progress?.();
    }
    return 10;
  };
  assert.equal(await clock.run(gate.read("*", listing)), 10);
  assert.equal(clock.now(), 9_000);
});

void test("a Retry-After of 99999 s never makes one request outlive request-timeout × tries", async () => {
  const clock = virtualClock();
  const timeoutMs = 30_000;
  const gate = createRequestGate({ concurrency: 1, clock, timeoutMs });
  let tries = 0;
  const throttled = (): Promise<never> => {
    tries += 1;
    const headers = new Map([["retry-after", "99999"]]);
    return Promise.reject(
      Object.assign(new Error("Too many requests"), {
        name: "RestError",
        statusCode: 429,
        response: { status: 429, headers: { get: (n: string) => headers.get(n) }, bodyAsText: "" },
      }),
    );
  };
  const outcome = await clock.run(gate.read("s", throttled).then(() => "read", String));
  assert.match(outcome, /Too many requests/);
  // 8 tries at the defaults: the request is given up within 30 s × 8, not 7 waits of 60 s.
  assert.ok(clock.now() <= timeoutMs * 8, `the request ended after ${clock.now()} ms`);
  assert.ok(tries >= 2, `${tries} tries`);
});
