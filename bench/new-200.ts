/**
 * new-200: 200 new secrets at 50 ms latency, against Key Vault's quotas (which do not bind:
 * 200 writes fit in one window). What matters is how many requests are in flight.
 */
import { defaultConcurrency } from "../src/core/inputs/settings.ts";
import type { Emulator } from "../src/emulator/index.ts";
import { secretValue } from "../test/helpers/leaks.ts";
import {
  assertStored,
  checkNoLeaks,
  printContenders,
  printTarget,
  quotaEmulator,
  ratio,
  runAmlSecrets,
  runBaseline,
  seconds,
  tally,
  timeline,
  type ChildRun,
  type Contender,
} from "./helpers.ts";

const latencyMs = 50;
const secrets = Array.from({ length: 200 }, (_, i) => {
  const id = String(i).padStart(3, "0");
  return { vaultName: `new-${id}`, variable: `NEW_${id}`, value: secretValue(`new${id}`) };
});
const values = secrets.map((s) => s.value);

/** A fresh, empty emulator per contender (the quotas start from zero). */
async function contender(
  label: string,
  go: (emu: Emulator) => Promise<ChildRun & { failures: number }>,
): Promise<Contender & { phases: string }> {
  const emu = await quotaEmulator(latencyMs);
  try {
    const run = await go(emu);
    if (run.failures === 0) assertStored(emu, secrets, label);
    for (const s of secrets) {
      const versions = emu.versions(s.vaultName).length;
      if (versions > 1) throw new Error(`${label}: ${s.vaultName} was written ${versions} times`);
    }
    checkNoLeaks(`new-200 ${label}`, run, emu, values);
    const phases = timeline(run, emu.requests, latencyMs);
    return { label, run, tally: tally(emu.requests, latencyMs), failures: run.failures, phases };
  } finally {
    await emu.stop();
  }
}

async function aml(emu: Emulator, args: string[]): Promise<ChildRun & { failures: number }> {
  const run = await runAmlSecrets(emu, secrets, args);
  // Exit 1 is "some secret failed": a figure (failures), not a broken bench.
  if (run.code !== 0 && run.code !== 1)
    throw new Error(`aml-secrets exited ${run.code}:\n${run.stderr.slice(0, 2000)}`);
  const wrong = run.rows.filter((r) => r.action !== "created" && r.action !== "failed");
  if (run.rows.length !== secrets.length || wrong.length > 0)
    throw new Error(`aml-secrets: unexpected rows, e.g. ${JSON.stringify(wrong[0])}`);
  return { ...run, failures: run.rows.filter((r) => r.action === "failed").length };
}

const amlDefault = await contender("aml-secrets", (emu) => aml(emu, []));
// Not a target: what the default concurrency costs at this latency (see bench/README.md).
const doubled = defaultConcurrency * 2;
const amlDoubled = await contender(`aml-secrets --max-concurrency ${doubled}`, (emu) =>
  aml(emu, ["--max-concurrency", String(doubled)]),
);
const baseline = await contender("baseline loop", async (emu) => {
  const run = await runBaseline(emu, secrets);
  return { ...run, failures: run.failed };
});

const ideal = Math.ceil(secrets.length / defaultConcurrency) * latencyMs;
const wall = amlDefault.run.wallMs;
const speedup = baseline.run.wallMs / wall;

console.log(
  `new-200: ${secrets.length} new secrets, ${latencyMs} ms latency, Key Vault's quotas, default concurrency ${defaultConcurrency}`,
);
printContenders([amlDefault, amlDoubled, baseline]);
console.log(
  `  baseline / aml-secrets: ${ratio(speedup)} (at --max-concurrency ${doubled}: ${ratio(baseline.run.wallMs / amlDoubled.run.wallMs)})`,
);
console.log(
  `  ideal ⌈${secrets.length} / ${defaultConcurrency}⌉ × ${latencyMs} ms = ${seconds(ideal)}; aml-secrets wall / ideal ${ratio(wall / ideal)}`,
);
for (const c of [amlDefault, amlDoubled]) console.log(`  ${c.label}'s time line: ${c.phases}`);
const busy = amlDefault.tally.busyMs;
console.log(
  `  start excluded (busy: first request to last answer): baseline / aml-secrets ${ratio(baseline.tally.busyMs / busy)}, aml-secrets / ideal ${ratio(busy / ideal)}`,
);
printTarget("≥ 10 × faster than the loop", ratio(speedup), speedup >= 10);
printTarget("wall ≤ 1.3 × ideal", ratio(wall / ideal), wall <= 1.3 * ideal);
