// Issue 7's fault matrix, case 2, through the core and each bundled entry point: a vault that
// answers every request with 429 for 3 s: from the start of the run (the plan's reads meet it), from
// the first accepted write (the rest of the batch meets it), or from an accepted recover (the
// SDK's read after its recover POST meets it; retrying the whole recover would send the POST
// again, which the service refuses with 404 once nothing is deleted any more).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Emulator, FaultSettings, RequestRecord } from "../../../src/emulator/index.ts";
import { realisticDelays } from "../../../src/emulator/index.ts";
import { withEmulator } from "../../helpers/emulator.ts";
import { assertConverges } from "./converge.ts";
import { entryPoints } from "./entry-points.ts";
import { faultCounts, seedSecrets } from "./scenario.ts";

const throttleAllMs = 3_000;

/** When the throttle starts, what else the vault does, and which request must meet it. */
interface Variant {
  from: string;
  /** The emulator log line of the request the throttle starts after (as its answer goes out). */
  after: RegExp;
  faults: Partial<FaultSettings>;
  meets: (r: RequestRecord) => boolean;
}

const variants: Variant[] = [
  // After the SDK's unauthenticated first request, so the plan's reads (the listing, or a
  // small mapping's GETs) meet it wherever the run is slow to start; Retry-After as Key Vault
  // sends it.
  {
    from: "the start of the run",
    after: /^GET \S+ 401 challenge/,
    faults: {},
    meets: (r) => r.method === "GET",
  },
  // No Retry-After: the gate's own backoff has to wait out the rest of the batch. Which of its
  // requests meet the throttle depends on timing: the other writes, or, when the first name's
  // GET answered before the others were sent (a small mapping writes each name as its GET
  // answers), the other names' GETs.
  {
    from: "the first write",
    after: /^PUT \/secrets\/\S+ 2\d\d /,
    faults: { retryAfter: "never" },
    meets: (r) => r.secret !== undefined,
  },
  // The write that follows an accepted recover POST (no poller GET in between) meets the
  // throttle, and the service still answers it 409 ObjectIsBeingRecovered while the recovery
  // completes.
  {
    from: "an accepted recover",
    after: /^POST \/deletedsecrets\/\S+\/recover 2\d\d /,
    faults: { recoverDelayMs: 4_000 },
    meets: (r) => r.method === "PUT" && r.secret !== undefined,
  },
];

/** Starts the hard throttle after the first request whose emulator log line matches. */
function throttleAfter(pattern: RegExp): {
  onLog: (line: string) => void;
  arm: (emu: Emulator) => void;
} {
  let armed: Emulator | undefined;
  return {
    onLog: (line) => {
      if (!armed || !pattern.test(line)) return;
      armed.setFaults({ throttleAllMs });
      armed = undefined;
    },
    arm: (emu) => (armed = emu),
  };
}

describe("a vault that throttles hard for 3 s", { concurrency: 6 }, () => {
  for (const entry of entryPoints) {
    for (const variant of variants) {
      test(`${entry.name}, from ${variant.from}: every secret is set once, the result lists each`, async (t) => {
        const trigger = throttleAfter(variant.after);
        await withEmulator(
          async (emu) => {
            const secrets = seedSecrets(emu, "hard", [
              "new",
              "new",
              "changed",
              "unchanged",
              "deleted",
            ]);
            // The "deleted" secret is recovered: with Key Vault's recorded recover timing.
            emu.setFaults({ recoverDelayMs: realisticDelays.recoverDelayMs, ...variant.faults });
            trigger.arm(emu);

            const { first } = await assertConverges(emu, entry, "throttle", secrets);
            const throttled = first.filter((r) => r.fault === "throttle-all");
            assert.ok(throttled.some(variant.meets), "the throttle met the request it was for");
            t.diagnostic(`faults ${JSON.stringify(faultCounts(first))}`);
          },
          { onLog: trigger.onLog },
        );
      });
    }
  }
});
