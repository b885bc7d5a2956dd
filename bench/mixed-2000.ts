/**
 * mixed-2000: 2,000 mapped secrets (1,400 unchanged, 300 changed, 300 new) at 20 ms latency,
 * against Key Vault's quotas. The 600 writes cannot fit in one 10-s window of 300.
 */
import { defaultConcurrency } from "../src/core/inputs/settings.ts";
import type { Emulator } from "../src/emulator/index.ts";
import { secretValue } from "../test/helpers/leaks.ts";
import {
  assertStored,
  budgetFloorMs,
  checkNoLeaks,
  floorMs,
  keyVault,
  printContenders,
  printTarget,
  quotaEmulator,
  ratio,
  runAmlSecrets,
  runBaseline,
  seconds,
  tally,
  timeline,
  type Contender,
  type RunShape,
  type Secret,
} from "./helpers.ts";

const latencyMs = 20;
type State = "unchanged" | "changed" | "new";

// 14 of every 20 unchanged, 3 changed, 3 new, interleaved as a real mapping would be.
const secrets = Array.from({ length: 2_000 }, (_, i) => {
  const state: State = i % 20 < 14 ? "unchanged" : i % 20 < 17 ? "changed" : "new";
  const id = String(i).padStart(4, "0");
  return { vaultName: `mx-${id}`, variable: `MX_${id}`, value: secretValue(`mx${id}`), state };
});
const oldValues = new Map(secrets.map((s) => [s.vaultName, secretValue("old")]));
const allValues = [...secrets.map((s) => s.value), ...oldValues.values()];
const count = (state: State): number => secrets.filter((s) => s.state === state).length;

/** The same starting vault for each contender: unchanged ones hold their value, changed ones an old one. */
function seed(emu: Emulator): void {
  for (const s of secrets) {
    if (s.state === "unchanged") emu.seed(s.vaultName, s.value);
    if (s.state === "changed") emu.seed(s.vaultName, oldValues.get(s.vaultName) ?? "");
  }
}

/** Every secret holds its value, with exactly one new version where one was needed. */
function assertVersions(
  emu: Emulator,
  who: string,
  written: (s: Secret & { state: State }) => number,
): void {
  assertStored(emu, secrets, who);
  for (const s of secrets) {
    const expected = (s.state === "new" ? 0 : 1) + written(s);
    const actual = emu.versions(s.vaultName).length;
    if (actual !== expected)
      throw new Error(`${who}: ${s.vaultName} has ${actual} versions, not ${expected}`);
  }
}

async function withFreshEmulator<T>(fn: (emu: Emulator) => Promise<T>): Promise<T> {
  const emu = await quotaEmulator(latencyMs);
  try {
    seed(emu);
    return await fn(emu);
  } finally {
    await emu.stop();
  }
}

const aml = await withFreshEmulator(async (emu) => {
  const run = await runAmlSecrets(emu, secrets);
  // Exit 1 is "some secret failed": a figure (failures), not a broken bench.
  if (run.code !== 0 && run.code !== 1)
    throw new Error(`aml-secrets exited ${run.code}:\n${run.stderr.slice(0, 2000)}`);
  const failures = run.rows.filter((r) => r.action === "failed").length;
  const expected: Record<string, string> = {
    unchanged: "unchanged",
    changed: "updated",
    new: "created",
  };
  const wrong = run.rows.filter(
    (r, i) => r.action !== "failed" && r.action !== expected[secrets[i]?.state ?? ""],
  );
  if (run.rows.length !== secrets.length || wrong.length > 0)
    throw new Error(
      `aml-secrets: ${wrong.length} rows with an unexpected action, e.g. ${JSON.stringify(wrong[0])}`,
    );
  if (failures === 0) assertVersions(emu, "aml-secrets", (s) => (s.state === "unchanged" ? 0 : 1));
  checkNoLeaks("mixed-2000 aml-secrets", run, emu, allValues);
  const phases = timeline(run, emu.requests, latencyMs);
  const contender: Contender = {
    label: "aml-secrets",
    run,
    tally: tally(emu.requests, latencyMs),
    failures,
  };
  return { contender, phases };
});

const baseline = await withFreshEmulator(async (emu) => {
  const run = await runBaseline(emu, secrets);
  // The loop always sets: one new version of every secret, unchanged ones included.
  if (run.failed === 0) assertVersions(emu, "the baseline loop", () => 1);
  checkNoLeaks("mixed-2000 baseline", run, emu, allValues);
  const contender: Contender = {
    label: "baseline loop",
    run,
    tally: tally(emu.requests, latencyMs),
    failures: run.failed,
  };
  return contender;
});

// What this run must send: the 600 writes, the listing of the 1,700 existing secrets and a GET
// of each of them (overwrite: changed compares values).
const existing = count("unchanged") + count("changed");
const listPages = Math.ceil(existing / keyVault.pageSize);
const shape: RunShape = {
  writes: count("changed") + count("new"),
  others: listPages + existing,
  listPages,
};
const realFloor = floorMs(shape, keyVault, defaultConcurrency, latencyMs);
// The same, knowing that a name is known to be absent (and so written without a GET) only once
// the listing's last page is in: the pages one after the other, then the writes' window and tail.
const orderedFloor =
  listPages * latencyMs +
  budgetFloorMs(shape.writes, keyVault.writes, defaultConcurrency, latencyMs);
const wall = aml.contender.run.wallMs;
const speedup = baseline.run.wallMs / wall;

console.log(
  `mixed-2000: ${secrets.length} mapped secrets (${count("unchanged")} unchanged, ${count("changed")} changed, ${count("new")} new), ${latencyMs} ms latency, quotas ${keyVault.writes} writes / ${keyVault.others} others per 10 s, concurrency ${defaultConcurrency}`,
);
printContenders([aml.contender, baseline]);
console.log(`  baseline / aml-secrets: ${ratio(speedup)}`);
console.log(`  aml-secrets' time line: ${aml.phases}`);
const busy = aml.contender.tally.busyMs;
console.log(
  `  start excluded (busy: first request to last answer): baseline / aml-secrets ${ratio(baseline.tally.busyMs / busy)}, aml-secrets / floor ${ratio(busy / realFloor)} (real budgets), ${ratio(busy / orderedFloor)} (listing first)`,
);
console.log(
  `  floor at Key Vault's budgets (${shape.writes} writes, ${shape.others} others, ${listPages} list pages): ${seconds(realFloor)}; aml-secrets wall / floor ${ratio(wall / realFloor)}`,
);
console.log(
  `  floor with the listing before the writes (${listPages} pages, then the writes): ${seconds(orderedFloor)}; aml-secrets wall / floor ${ratio(wall / orderedFloor)}`,
);
printTarget(
  "wall ≤ 1.15 × floor (real budgets)",
  ratio(wall / realFloor),
  wall <= 1.15 * realFloor,
);
printTarget(
  "wall ≤ 1.15 × floor (listing first)",
  ratio(wall / orderedFloor),
  wall <= 1.15 * orderedFloor,
);
printTarget("zero failures", String(aml.contender.failures), aml.contender.failures === 0);
printTarget("≥ 3 × faster than the loop", ratio(speedup), speedup >= 3);
