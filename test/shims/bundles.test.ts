// What the bundles load when they start (scripts/lazy-load.mjs, docs/design.md "Dependencies"):
// each entry point run as its platform runs it, with a preload that reports at exit which of
// Node's modules were loaded and whether the global FormData was read.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { startEmulator, type Emulator } from "../../src/emulator/index.ts";
import { actionBundle, runActionStep, stepTexts } from "../helpers/github-runner.ts";
import { assertNoLeaks, recordScenario, secretValue } from "../helpers/leaks.ts";
import {
  checkTaskLeaks,
  emulatorEndpoint,
  runTask,
  taskBundle,
} from "../helpers/pipelines-agent.ts";
import { cliBundle, runCli } from "../platforms/cli/cli-process.ts";

let emu: Emulator;
let dir: string;
let preload: string;
before(async () => {
  emu = await startEmulator();
  dir = mkdtempSync(path.join(tmpdir(), "aml-bundle-loads-"));
  preload = path.join(dir, "report-loads.cjs");
  writeFileSync(
    preload,
    `"use strict";
const fs = require("node:fs");
const report = process.env.AML_TEST_LOAD_REPORT;
const global = Object.getOwnPropertyDescriptor(globalThis, "FormData");
let formDataReads = 0;
Object.defineProperty(globalThis, "FormData", {
  configurable: true,
  enumerable: global.enumerable,
  get() {
    formDataReads += 1;
    return global.get ? global.get.call(globalThis) : global.value;
  },
});
process.on("exit", () => {
  fs.writeFileSync(report, JSON.stringify({ formDataReads, modules: process.moduleLoadList }));
});
`,
  );
});
after(async () => {
  await emu.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Loads {
  formDataReads: number;
  modules: string[];
}

/** The variables that make a run report what it loaded, and the reader of that report. */
function reporting(): { env: Record<string, string>; loads: () => Loads } {
  const report = path.join(dir, `${randomUUID()}.json`);
  return {
    env: { NODE_OPTIONS: `--require ${preload}`, AML_TEST_LOAD_REPORT: report },
    loads: () => JSON.parse(readFileSync(report, "utf8")) as Loads,
  };
}

const loaded = (loads: Loads, module: string): boolean =>
  loads.modules.includes(`NativeModule ${module}`);
const undici = (loads: Loads): string[] => loads.modules.filter((m) => /undici/.test(m));

function oneSecret(): { name: string; variable: string; value: string } {
  const id = randomUUID().slice(0, 8);
  return {
    name: `loads-${id}`,
    variable: `LOADS_${id.toUpperCase()}`,
    value: secretValue("loads"),
  };
}

test("cli --version and --help load none of the network or crypto modules: the core is not evaluated", async () => {
  for (const flag of ["--version", "--help"]) {
    const { env, loads } = reporting();
    const run = await runCli([flag], env);
    assert.equal(run.code, 0, run.stderr);
    for (const module of ["https", "tls", "crypto", "zlib"])
      assert.equal(loaded(loads(), module), false, `${flag} loaded ${module}`);
  }
});

test("cli plan: the SDK's FormData check leaves Node's undici unloaded, and no proxy agent is built", async () => {
  const s = oneSecret();
  const { env, loads } = reporting();
  const run = await runCli(
    ["plan", "--vault-url", emu.vaultUrl, "--secrets", `${s.name}: ${s.variable}`, "--json"],
    { ...emu.env(), [s.variable]: s.value, ...env },
  );
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /"action":"create"/);
  const texts = { stdout: run.stdout, stderr: run.stderr };
  assertNoLeaks(texts, [s.value], "none");
  recordScenario("bundle-loads-cli", texts, [s.value], "none");
  assert.equal(loads().formDataReads, 0);
  assert.deepEqual(undici(loads()), []);
  // zlib: for compressed answers only (none here).
  assert.equal(loaded(loads(), "zlib"), false);
  // `assert` is loaded by the proxy agents (and by nothing else this run evaluates).
  assert.equal(loaded(loads(), "assert"), false);
});

test("action dry run: no FormData read, no undici (neither Node's nor the bundle's), no tunnel", async () => {
  const s = oneSecret();
  const { env, loads } = reporting();
  const run = await runActionStep({
    with: {
      "vault-url": emu.vaultUrl,
      auth: "managed-identity",
      secrets: `${s.name}: ${s.variable}`,
      "dry-run": "true",
    },
    env: { ...emu.env(), [s.variable]: s.value, ...env },
  });
  assert.equal(run.exitCode, 0, run.stderr);
  assert.match(run.outputs.result ?? "", /"action":"create"/);
  assertNoLeaks(stepTexts(run), [s.value], "github");
  recordScenario("bundle-loads-action", stepTexts(run), [s.value], "github");
  assert.equal(loads().formDataReads, 0);
  assert.deepEqual(undici(loads()), []);
  // zlib: for compressed answers only (none here).
  assert.equal(loaded(loads(), "zlib"), false);
  // `assert` is loaded by `tunnel` and the proxy agents, built behind a proxy only.
  assert.equal(loaded(loads(), "assert"), false);
  // The bundle carries a stand-in for undici instead of its 550 KB.
  const bundle = readFileSync(actionBundle, "utf8");
  assert.match(bundle, /was left out of this bundle/);
  assert.ok(bundle.length < 1_000_000, `${bundle.length} characters`);
});

test("task dry run: no FormData read, no undici, no proxy agent built", async () => {
  const s = oneSecret();
  const { env, loads } = reporting();
  const agent = emu.env();
  delete agent.AZURE_AUTHORITY_HOST;
  const run = await runTask({
    inputs: { vaultUrl: emu.vaultUrl, secrets: `${s.name}: ${s.variable}`, dryRun: "true" },
    secretVariables: { [s.variable]: s.value },
    endpoint: emulatorEndpoint(emu, "ManagedServiceIdentity"),
    env: { ...agent, ...env },
  });
  assert.equal(run.result, "Succeeded", `${run.errors.join("\n")}\n${run.stderr}`);
  checkTaskLeaks("bundle-loads-task", run, [s.value]);
  assert.equal(loads().formDataReads, 0);
  assert.deepEqual(undici(loads()), []);
  // zlib: for compressed answers only (none here).
  assert.equal(loaded(loads(), "zlib"), false);
  assert.equal(loaded(loads(), "assert"), false);
});

test("each bundle carries its rarely used packages behind stand-ins, loaded on first use", () => {
  for (const bundle of [cliBundle, actionBundle, taskBundle]) {
    const text = readFileSync(bundle, "utf8");
    for (const name of ["https-proxy-agent", "http-proxy-agent", "jsonwebtoken"])
      assert.ok(text.includes(`"lazy-package:node_modules/${name}/`), `${bundle}: ${name}`);
  }
  // @actions/http-client's proxy tunnel.
  assert.ok(readFileSync(actionBundle, "utf8").includes('"lazy-package:node_modules/tunnel/'));
  // The task library's glob matching and its ToolRunner's promise library.
  const task = readFileSync(taskBundle, "utf8");
  for (const name of ["minimatch", "q"])
    assert.ok(task.includes(`"lazy-package:node_modules/${name}/`), `task: ${name}`);
});
