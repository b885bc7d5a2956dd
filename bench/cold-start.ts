/**
 * start-up: each bundled entry point run the way its platform runs it, paired with bare
 * `node -e 0` of the same Node in turn (bare, bundle, bare, bundle...), so that a burst of load
 * on the shared machine hits both alike; medians, and the median of the pairs' ratios. The
 * CLI: `--version` and `--help` (load time alone) and a one-secret `plan` against the emulator
 * (challenge, token, listing); the action and the task: a one-secret dry run through the test
 * helpers that run them as the runner / agent do (their own set-up, a temp folder and reading
 * action.yml / task.json, is timed too: a few ms). The checks of each run come after the clock.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { statSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { cliBundle, runCli } from "../test/platforms/cli/cli-process.ts";
import { actionBundle } from "../test/helpers/github-runner.ts";
import { taskBundle } from "../test/helpers/pipelines-agent.ts";
import { checkOnly, median, megabytes, quotaEmulator, record } from "./helpers.ts";
import { startRuns, type Run } from "./start-runs.ts";

const runs = checkOnly ? 1 : 9;
// The action runs on the runner's node24 and the task on the agent's Node24 handler (Node20_1
// as fallback); the CLI on whatever Node the user has. So: this machine's Node 20 for all,
// and a real Node 24 (the one the tests use, fetched once into .cache/) for action and task.
const node20 = process.execPath;
const node24 = checkOnly
  ? undefined
  : execFileSync(node20, ["scripts/node24.mjs"], { encoding: "utf8" }).trim();
const emu = await quotaEmulator(0);

const { cliPlan, action, task } = startRuns(emu);

/** One run, timed in ms; its checks come after the clock stops. */
async function timed(run: Run, node: string): Promise<number> {
  const start = performance.now();
  const check = await run(node);
  const ms = performance.now() - start;
  check();
  return ms;
}

function bareNode(node: string): Promise<() => void> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, ["-e", "0"], { stdio: "ignore" });
    child.on("error", reject);
    child.on("close", (code) => resolve(() => assert.equal(code, 0)));
  });
}

function cliLoad(flag: string): Run {
  return async () => {
    const run = await runCli([flag], {});
    return () => {
      assert.equal(run.code, 0, run.stderr);
      assert.notEqual(run.stdout, "");
    };
  };
}

interface Case {
  label: string;
  node: string;
  go: Run;
}

// The action runs on the runner's node24 and the task on the agent's Node24 handler; the CLI
// on the user's Node (this machine's 20). Node 24 is skipped with --check (it is fetched once).
const cases: Case[] = [
  { label: "cli --version", node: node20, go: cliLoad("--version") },
  { label: "cli --help", node: node20, go: cliLoad("--help") },
  { label: "cli plan", node: node20, go: cliPlan },
  { label: "action dry run", node: node20, go: action },
  { label: "task dry run", node: node20, go: task },
  ...(node24
    ? [
        { label: "action dry run", node: node24, go: action },
        { label: "task dry run", node: node24, go: task },
      ]
    : []),
];
const pairs = new Map<Case, { bare: number; bundle: number }[]>(cases.map((c) => [c, []]));

// One untimed run each (disk cache, the emulator's first TLS session), then rounds of pairs.
for (const c of cases) {
  (await bareNode(c.node))();
  (await c.go(c.node))();
}
for (let round = 0; round < runs; round += 1) {
  for (const c of cases) {
    const bare = await timed(bareNode, c.node);
    pairs.get(c)?.push({ bare, bundle: await timed(c.go, c.node) });
  }
}
await emu.stop();

const versions = new Map(
  [...new Set(cases.map((c) => c.node))].map((n) => [
    n,
    execFileSync(n, ["--version"], { encoding: "utf8" }).trim(),
  ]),
);
console.log(`start-up: ${runs} pairs each`);
for (const c of cases) {
  const p = pairs.get(c) ?? [];
  record({
    scenario: `start: ${c.label} (node ${versions.get(c.node)})`,
    unit: "ms",
    product: p.map((x) => x.bundle),
    floorMs: median(p.map((x) => x.bare)),
    floorWhat: "bare node -e 0, run in turn with it",
    notes: [`median of the pairs' ratios ${median(p.map((x) => x.bundle / x.bare)).toFixed(2)}×`],
  });
}
for (const bundle of [actionBundle, taskBundle, cliBundle]) {
  console.log(`  ${path.relative(process.cwd(), bundle)}: ${megabytes(statSync(bundle).size)}`);
}
