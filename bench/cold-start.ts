/**
 * cold start: each bundled entry point run the way its platform runs it, with a trivial dry-run
 * (one secret) against the emulator, versus bare `node -e 0`; medians of several interleaved
 * runs, and the bundle sizes. The runs go through the test helpers that run the bundles as the
 * runner / agent do, so their own set-up (a temp folder, reading action.yml or task.json) is
 * timed too: a few ms, counted against the entry point. The checks of each run (exit code,
 * result, leak canary) come after the clock stops.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { statSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { cliBundle, runCli } from "../test/platforms/cli/cli-process.ts";
import {
  actionBundle,
  maskProblems,
  runActionStep,
  stepTexts,
} from "../test/helpers/github-runner.ts";
import { assertNoLeaks, recordScenario, secretValue } from "../test/helpers/leaks.ts";
import {
  checkTaskLeaks,
  emulatorEndpoint,
  runTask,
  taskBundle,
} from "../test/helpers/pipelines-agent.ts";
import { megabytes, printTarget, quotaEmulator, ratio } from "./helpers.ts";

const runs = 9;
// The action runs on the runner's node24 and the task on the agent's Node24 handler (Node20_1
// as fallback); the CLI on whatever Node the user has. So: this machine's Node 20 for all,
// and a real Node 24 (the one the tests use, fetched once into .cache/) for action and task.
const node20 = process.execPath;
const node24 = execFileSync(node20, ["scripts/node24.mjs"], { encoding: "utf8" }).trim();
const emu = await quotaEmulator(0);

/** A run that resolves, once its process has exited, to the checks of what it did. */
type Run = (node: string) => Promise<() => void>;

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

/** A fresh secret per run: its name, its variable and a canary value; planned `create`. */
function oneSecret(): { name: string; variable: string; value: string } {
  const id = randomUUID().slice(0, 8);
  return { name: `cold-${id}`, variable: `COLD_${id.toUpperCase()}`, value: secretValue("cold") };
}

async function action(node: string): Promise<() => void> {
  const s = oneSecret();
  const run = await runActionStep({
    node,
    with: {
      "vault-url": emu.vaultUrl,
      auth: "managed-identity",
      secrets: `${s.name}: ${s.variable}`,
      "dry-run": "true",
    },
    env: { ...emu.env(), [s.variable]: s.value },
  });
  return () => {
    assert.equal(run.exitCode, 0, run.stderr);
    assert.match(run.outputs.result ?? "", /"action":"create"/);
    assertNoLeaks(stepTexts(run), [s.value], "github");
    assert.deepEqual(maskProblems(run, [s.value]), []);
    recordScenario("bench cold-start action", stepTexts(run), [s.value], "github");
  };
}

async function task(node: string): Promise<() => void> {
  const s = oneSecret();
  // The agent machine's managed identity, through an AzureRM connection of that scheme.
  const env = emu.env();
  delete env.AZURE_AUTHORITY_HOST;
  const run = await runTask({
    node,
    inputs: { vaultUrl: emu.vaultUrl, secrets: `${s.name}: ${s.variable}`, dryRun: "true" },
    secretVariables: { [s.variable]: s.value },
    endpoint: emulatorEndpoint(emu, "ManagedServiceIdentity"),
    env,
  });
  return () => {
    assert.equal(run.result, "Succeeded", `${run.errors.join("\n")}\n${run.stderr}`);
    assert.match(run.variables.result?.value ?? "", /"action":"create"/);
    checkTaskLeaks("bench cold-start task", run, [s.value]);
  };
}

async function cli(): Promise<() => void> {
  const s = oneSecret();
  const run = await runCli(
    ["plan", "--vault-url", emu.vaultUrl, "--secrets", `${s.name}: ${s.variable}`, "--json"],
    { ...emu.env(), [s.variable]: s.value },
  );
  return () => {
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /"action":"create"/);
    const texts = { stdout: run.stdout, stderr: run.stderr };
    assertNoLeaks(texts, [s.value], "none");
    recordScenario("bench cold-start cli", texts, [s.value], "none");
  };
}

interface Case {
  label: string;
  node: string;
  go: Run;
  /** The bundle; none for bare Node. */
  bundle?: string;
}

const cases: Case[] = [
  { label: "node -e 0", node: node20, go: bareNode },
  { label: "dist/action.cjs", node: node20, go: action, bundle: actionBundle },
  { label: "dist/task.cjs", node: node20, go: task, bundle: taskBundle },
  { label: "dist/cli.cjs", node: node20, go: cli, bundle: cliBundle },
  { label: "node -e 0", node: node24, go: bareNode },
  { label: "dist/action.cjs", node: node24, go: action, bundle: actionBundle },
  { label: "dist/task.cjs", node: node24, go: task, bundle: taskBundle },
];
const times = new Map<Case, number[]>(cases.map((c) => [c, []]));

// One untimed run each (disk cache, the emulator's first TLS session), then interleaved rounds,
// so that a burst of load from another process on the machine hits every case alike.
for (const c of cases) (await c.go(c.node))();
for (let round = 0; round < runs; round += 1) {
  for (const c of cases) times.get(c)?.push(await timed(c.go, c.node));
}
await emu.stop();

function median(c: Case): number {
  const sorted = [...(times.get(c) ?? [])].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

console.log(`cold start: medians of ${runs} runs, a one-secret dry-run against the emulator`);
for (const node of [node20, node24]) {
  const version = execFileSync(node, ["--version"], { encoding: "utf8" }).trim();
  const bare = median(cases.find((c) => c.node === node && !c.bundle) ?? cases[0]!);
  console.log(`  Node ${version}: node -e 0 ${bare.toFixed(0)} ms`);
  for (const c of cases.filter((c) => c.node === node && c.bundle)) {
    const over = median(c) - bare;
    const figure = `${median(c).toFixed(0)} ms = +${over.toFixed(0)} ms, ${ratio(median(c) / bare)} bare node`;
    printTarget(`${c.label} ≤ 80 ms over bare node`, figure, over <= 80);
  }
}
for (const bundle of [actionBundle, taskBundle, cliBundle]) {
  const size = statSync(bundle).size;
  printTarget(`${path.relative(process.cwd(), bundle)} ≤ 1.5 MB`, megabytes(size), size <= 1.5e6);
}
