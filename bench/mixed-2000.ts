/**
 * mixed-2000: a vault as users have it. 2,000 mapped secrets at 20 ms latency, against Key
 * Vault's quotas, interleaved in every 20: 15 already hold their value, 2 hold an old one, 1 is
 * new, 1 is disabled (its current version holds an old value), 1 is soft-deleted. At the least
 * that is 600 writes (200 changed, 100 new, 100 disabled, 100 × recover + write): two of Key
 * Vault's 10-s windows of 300. `--check`: 100 secrets, the same mix.
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
  type Secret,
} from "./helpers.ts";

const latencyMs = 20;
const size = checkOnly ? 100 : 2_000;
type State = "unchanged" | "changed" | "new" | "disabled" | "deleted";
const pattern: State[] = [
  ...Array<State>(15).fill("unchanged"),
  "changed",
  "new",
  "changed",
  "disabled",
  "deleted",
];

const secrets = Array.from({ length: size }, (_, i) => {
  const id = String(i).padStart(4, "0");
  const state = pattern[i % pattern.length] ?? "unchanged";
  return { vaultName: `mx-${id}`, variable: `MX_${id}`, value: secretValue(`mx${id}`), state };
});
type Mixed = Secret & { state: State };
const oldValues = new Map(secrets.map((s) => [s.vaultName, secretValue("old")]));
const allValues = [...secrets.map((s) => s.value), ...oldValues.values()];
const count = (state: State): number => secrets.filter((s) => s.state === state).length;

/** The same starting vault for each contender. */
function seed(emu: Emulator): void {
  for (const s of secrets) {
    const old = oldValues.get(s.vaultName) ?? "";
    if (s.state === "unchanged") emu.seed(s.vaultName, s.value);
    if (s.state === "changed") emu.seed(s.vaultName, old);
    if (s.state === "disabled") emu.seed(s.vaultName, old, { enabled: false });
    if (s.state === "deleted") {
      emu.seed(s.vaultName, old);
      emu.softDelete(s.vaultName);
    }
  }
}

/**
 * The vault after a contender: every secret live, its latest version enabled and holding its
 * value, with exactly `versions(s)` versions (nothing written twice, nothing unchanged
 * rewritten); `failedOn` names the secrets the contender is known to fail (the blind loop's
 * deleted ones), which must be left as they were.
 */
function assertVault(
  emu: Emulator,
  who: string,
  versions: (s: Mixed) => number,
  failedOn: (s: Mixed) => boolean = () => false,
): void {
  for (const s of secrets) {
    const all = emu.versions(s.vaultName);
    const latest = all.at(-1);
    if (failedOn(s)) {
      if (!emu.isDeleted(s.vaultName) || all.length !== 1)
        throw new Error(`${who}: ${s.vaultName} (${s.state}) changed, though it failed`);
      continue;
    }
    const problem = emu.isDeleted(s.vaultName)
      ? "is still deleted"
      : latest?.value !== s.value
        ? "does not hold its value"
        : !latest.enabled
          ? "is disabled"
          : all.length !== versions(s)
            ? `has ${all.length} versions, not ${versions(s)}`
            : undefined;
    if (problem) throw new Error(`${who}: ${s.vaultName} (${s.state}) ${problem}`);
  }
}

/** One more version where a write was needed (a careful writer)... */
const needed = (s: Mixed): number => (s.state === "new" || s.state === "unchanged" ? 1 : 2);
/** ...and where the blind loop writes: everywhere. */
const blindVersions = (s: Mixed): number => (s.state === "new" ? 1 : 2);

async function fresh<T>(go: (emu: Emulator) => Promise<T>): Promise<T> {
  const emu = await quotaEmulator(latencyMs);
  try {
    seed(emu);
    return await go(emu);
  } finally {
    await emu.stop();
  }
}

const expected: Record<State, string> = {
  unchanged: "unchanged",
  changed: "updated",
  new: "created",
  disabled: "updated",
  deleted: "recovered",
};

const product: ChildRun[] = [];
const careful: ChildRun[] = [];
const blind: ChildRun[] = [];
const notes = new Set<string>();

console.log(
  `mixed-${size}: ${count("unchanged")} unchanged, ${count("changed")} changed, ${count("new")} new, ${count("disabled")} disabled, ${count("deleted")} soft-deleted; ${latencyMs} ms; ${rounds} round(s)`,
);
for (let round = 0; round < rounds; round += 1) {
  // In turn, so that a burst of load on the shared machine hits each contender alike.
  product.push(
    await fresh(async (emu) => {
      const run = await runProduct(emu, "set", secrets);
      const wrong = run.rows.filter((r, i) => r.action !== expected[secrets[i]?.state ?? "new"]);
      if (run.code !== 0 || run.rows.length !== secrets.length || wrong.length > 0)
        throw new Error(
          `aml-secrets exited ${run.code}, ${wrong.length} rows not as expected, e.g. ${JSON.stringify(wrong[0])}\n${run.stderr.slice(0, 1000)}`,
        );
      assertVault(emu, "aml-secrets", needed);
      checkNoLeaks(`mixed-${size} aml-secrets`, run, emu, allValues);
      const t = tally(emu.requests, latencyMs);
      notes.add(
        `product round ${round + 1}: ${t.reads} reads, ${t.writes} writes, ${t.throttled} 429s; ${pacing(emu.requests, latencyMs)}; busy ${seconds(t.busyMs)}`,
      );
      return run;
    }),
  );
  careful.push(
    await fresh(async (emu) => {
      const run = await runLoop("careful", emu, secrets);
      if (
        run.failed !== 0 ||
        run.unchanged !== count("unchanged") ||
        run.recovered !== count("deleted")
      )
        throw new Error(
          `the careful loop: ${run.stdout} (every unchanged one unchanged, every deleted one recovered)`,
        );
      assertVault(emu, "the careful loop", needed);
      checkNoLeaks(`mixed-${size} careful loop`, run, emu, allValues);
      const t = tally(emu.requests, latencyMs);
      notes.add(
        `careful loop round ${round + 1}: ${t.reads} reads, ${t.writes} writes, ${t.throttled} 429s`,
      );
      return run;
    }),
  );
  blind.push(
    await fresh(async (emu) => {
      const run = await runLoop("blind", emu, secrets);
      // It writes every secret, and fails on each soft-deleted one (409, not recovered).
      if (run.failed !== count("deleted"))
        throw new Error(`the blind loop failed ${run.failed}, not ${count("deleted")}`);
      assertVault(emu, "the blind loop", blindVersions, (s) => s.state === "deleted");
      checkNoLeaks(`mixed-${size} blind loop`, run, emu, allValues);
      const t = tally(emu.requests, latencyMs);
      notes.add(
        `blind loop round ${round + 1}: ${t.reads} reads, ${t.writes} writes, ${t.throttled} 429s, ${run.failed} failed (the soft-deleted)`,
      );
      return run;
    }),
  );
}

const shape = setShape({
  unchanged: count("unchanged"),
  changed: count("changed"),
  created: count("new"),
  disabled: count("disabled"),
  deleted: count("deleted"),
});
const f = floor(shape, latencyMs);
record({
  scenario: `mixed-${size}`,
  unit: "s",
  product: product.map((r) => r.wallMs),
  careful: careful.map((r) => r.wallMs),
  blind: blind.map((r) => r.wallMs),
  floorMs: f.ms,
  floorWhat: `${shape.writes} writes at 300 / 10 s after ${shape.beforeFirstWrite} round trips (${shape.others} others, chain of ${shape.chain}); ${f.binding} bind`,
  rss: product.map((r) => r.maxRss),
  notes: [...notes],
});
