// Issue 7's fault matrix, case 1, through the core and each bundled entry point: a vault that
// answers 20 % 429 (half without Retry-After), 5 % 500/503, drops 2 % of connections, and
// answers 409 ObjectIsBeingRecovered for a while after each recover. (test/core/faults.test.ts
// covers the random faults through the core; this adds the recover 409s, the accepted writes
// per path and the result rows, and runs it through every entry point.)
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { withEmulator } from "../../helpers/emulator.ts";
import { assertConverges } from "./converge.ts";
import { entryPoints } from "./entry-points.ts";
import { faultCounts, seedSecrets } from "./scenario.ts";

const mixedFaults = {
  throttleRate: 0.2,
  retryAfter: "half",
  serverErrorRate: 0.05,
  dropRate: 0.02,
  // Long enough that the write after a recover meets it even after a random fault or two
  // delayed that write (a Retry-After is a second; backoffs start at 250-500 ms).
  recoverDelayMs: 3_000,
} as const;

/** The faults drawn at random (the recover 409s are certain, so they do not count here). */
const randomFault = /^(random-|drop$)/;

describe("mixed faults", { concurrency: 4 }, () => {
  for (const entry of entryPoints) {
    test(`${entry.name}: every secret is set once, the result lists each, the re-run writes nothing`, async (t) => {
      await withEmulator(async (emu) => {
        const secrets = seedSecrets(emu, "mix", [
          "new",
          "new",
          "changed",
          "unchanged",
          "deleted",
          "deleted",
        ]);
        emu.setFaults(mixedFaults);
        const { first, rerun } = await assertConverges(emu, entry, "mixed", secrets);
        // Certain, not drawn: the write after a recover comes inside the 409 window.
        assert.ok(first.some((r) => r.fault === "ObjectIsBeingRecovered"));
        const all = [...first, ...rerun];
        assert.ok(
          all.some((r) => randomFault.test(r.fault ?? "")),
          "random faults were injected",
        );
        t.diagnostic(`${all.length} vault requests, faults ${JSON.stringify(faultCounts(all))}`);
      });
    });
  }
});
