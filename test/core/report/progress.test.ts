// The core's progress: each finished entry is counted and sent to the platform's port, with
// the pacing the gate reports; a periodic printer prints nothing for a short run and then a line
// every interval, never at the end.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ProgressState } from "../../../src/core/platform.ts";
import { Progress, periodicLines, progressLine } from "../../../src/core/report/progress.ts";
import { MemoryPlatform } from "../../helpers/memory-platform.ts";

test("each finished entry is sent with the counts, the pacing while it binds, and a final state", () => {
  const platform = new MemoryPlatform();
  let now = 0;
  let pacing: string | undefined = "3 writes wait for the vault's budget (300 per 10 s)";
  const progress = new Progress(
    platform,
    "set",
    () => pacing,
    () => now,
  );
  progress.expect(4);
  now = 1_500;
  progress.finished({ action: "created" });
  pacing = undefined;
  progress.finished({ action: "failed" });
  progress.stop();
  assert.deepEqual(platform.progressStates, [
    {
      mode: "set",
      done: 1,
      total: 4,
      failed: 0,
      elapsedMs: 1_500,
      pacing: "3 writes wait for the vault's budget (300 per 10 s)",
      final: false,
    },
    { mode: "set", done: 2, total: 4, failed: 1, elapsedMs: 1_500, final: false },
    { mode: "set", done: 2, total: 4, failed: 1, elapsedMs: 1_500, final: true },
  ]);
  assert.equal(
    progressLine(platform.progressStates[0] as ProgressState),
    "set: 1 of 4 done, 2 s (3 writes wait for the vault's budget (300 per 10 s))",
  );
  assert.equal(
    progressLine({ mode: "list", done: 120, failed: 0, elapsedMs: 400, final: false }),
    "list: 120 done, 0 s",
  );
});

test("periodic lines: none in the first interval, then one per interval, none at the end", () => {
  const printed: string[] = [];
  const show = periodicLines((line) => printed.push(line), 2_000);
  const at = (elapsedMs: number, done: number, final = false): void =>
    show({ mode: "set", done, total: 10, failed: 0, elapsedMs, final });
  at(100, 1);
  at(1_999, 2);
  at(2_000, 3);
  at(2_500, 4);
  at(4_100, 5);
  at(9_000, 10, true);
  assert.deepEqual(printed, ["set: 3 of 10 done, 2 s", "set: 5 of 10 done, 4 s"]);
});
