/**
 * new-250: 250 new secrets at 20 ms latency (the first run of a pipeline), against Key
 * Vault's quotas, which do not bind (250 writes fit in one window of 300): what counts is how
 * many round trips run at once. `--check`: 25 secrets.
 */
import type { Emulator } from "../src/emulator/index.ts";
import { secretValue } from "../test/helpers/leaks.ts";
import { floor, setShape } from "./floors.ts";
import {
  checkNoLeaks,
  checkOnly,
  pacing,
  quotaEmulator,
  record,
  rounds,
  runLoop,
  runProduct,
  seconds,
  tally,
  type ChildRun,
} from "./helpers.ts";

const latencyMs = 20;
const size = checkOnly ? 25 : 250;
const secrets = Array.from({ length: size }, (_, i) => {
  const id = String(i).padStart(3, "0");
  return { vaultName: `new-${id}`, variable: `NEW_${id}`, value: secretValue(`new${id}`) };
});
const values = secrets.map((s) => s.value);

/** A fresh, empty emulator per run (the quotas start from zero); every secret written once. */
async function fresh(who: string, go: (emu: Emulator) => Promise<ChildRun>): Promise<ChildRun> {
  const emu = await quotaEmulator(latencyMs);
  try {
    const run = await go(emu);
    for (const s of secrets) {
      const versions = emu.versions(s.vaultName);
      if (versions.length !== 1 || versions[0]?.value !== s.value)
        throw new Error(`${who}: ${s.vaultName} has ${versions.length} versions or another value`);
    }
    checkNoLeaks(`new-${size} ${who}`, run, emu, values);
    return run;
  } finally {
    await emu.stop();
  }
}

const product: ChildRun[] = [];
const careful: ChildRun[] = [];
const blind: ChildRun[] = [];
const notes: string[] = [];
console.log(`new-${size}: ${size} new secrets, ${latencyMs} ms, ${rounds} round(s)`);
for (let round = 0; round < rounds; round += 1) {
  product.push(
    await fresh("aml-secrets", async (emu) => {
      const run = await runProduct(emu, "set", secrets);
      const wrong = run.rows.filter((r) => r.action !== "created");
      if (run.code !== 0 || run.rows.length !== secrets.length || wrong.length > 0)
        throw new Error(`aml-secrets exited ${run.code}, rows e.g. ${JSON.stringify(wrong[0])}`);
      const t = tally(emu.requests, latencyMs);
      notes.push(
        `product round ${round + 1}: ${t.reads} reads, ${t.writes} writes; ${pacing(emu.requests, latencyMs)}; busy ${seconds(t.busyMs)}`,
      );
      return run;
    }),
  );
  for (const [which, runs] of [
    ["careful", careful],
    ["blind", blind],
  ] as const) {
    runs.push(
      await fresh(`the ${which} loop`, async (emu) => {
        const run = await runLoop(which, emu, secrets);
        if (run.failed !== 0 || run.set !== secrets.length)
          throw new Error(`the ${which} loop: ${run.stdout}`);
        return run;
      }),
    );
  }
}

const shape = setShape({ unchanged: 0, changed: 0, created: size, disabled: 0, deleted: 0 });
const f = floor(shape, latencyMs);
record({
  scenario: `new-${size}`,
  unit: "s",
  product: product.map((r) => r.wallMs),
  careful: careful.map((r) => r.wallMs),
  blind: blind.map((r) => r.wallMs),
  floorMs: f.ms,
  floorWhat: `${shape.writes} writes in one window: token, listing, writes = ${shape.chain} round trips`,
  rss: product.map((r) => r.maxRss),
  notes,
});
