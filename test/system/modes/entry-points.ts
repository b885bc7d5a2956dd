/**
 * One step of any mode, run the way each entry point is run for real: the bundled action as the
 * GitHub runner runs it, the bundled task as the Azure Pipelines agent runs it, and the bundled
 * CLI as a user runs it. Inputs are given by their GitHub names and turned into the platform's
 * own (task camelCase, CLI command and flags). Each run goes through the leak canary.
 */
import assert from "node:assert/strict";
import type { Emulator } from "../../../src/emulator/index.ts";
import { runCli } from "../../platforms/cli/cli-process.ts";
import { maskProblems, runActionStep, stepTexts } from "../../helpers/github-runner.ts";
import { assertNoLeaks, recordScenario, secretValue } from "../../helpers/leaks.ts";
import { checkTaskLeaks, emulatorEndpoint, runTask } from "../../helpers/pipelines-agent.ts";

export interface Row {
  name: string;
  source: string;
  action: string;
  version: string | null;
  id: string | null;
  error?: string;
  note?: string;
  enabled?: boolean;
  tags?: Record<string, string>;
  deletedOn?: string | null;
}

export interface ModeRun {
  ok: boolean;
  rows: Row[];
  /** The `names` output (list mode); the CLI has none. */
  names?: string;
  /** What the platform shows of the run besides the log: the summary, or the CLI's stdout. */
  report: string;
  /** The failure as the platform shows it; "" when the step succeeded. */
  failure: string;
  describe: string;
}

export interface ModeEntryPoint {
  name: string;
  /** `inputs` by GitHub name; `values`: the pipeline variables / environment of set mode. */
  run(
    emu: Emulator,
    scenario: string,
    inputs: Record<string, string>,
    values?: Record<string, string>,
  ): Promise<ModeRun>;
}

const github: ModeEntryPoint = {
  name: "GitHub Action",
  async run(emu, scenario, inputs, values = {}) {
    const run = await runActionStep({
      with: { "vault-url": emu.vaultUrl, auth: "managed-identity", ...inputs },
      env: { ...emu.env(), ...values },
    });
    const texts = stepTexts(run);
    const secrets = Object.values(values);
    assertNoLeaks(texts, secrets, "github");
    assert.deepEqual(maskProblems(run, secrets), []);
    recordScenario(`modes github ${scenario}`, texts, secrets, "github");
    const errors = run.commands.filter((c) => c.command === "error").map((c) => c.data);
    const describe = `exit ${run.exitCode}, errors:\n${errors.join("\n")}\nstderr:\n${run.stderr}`;
    assert.ok(run.exitCode === 0 || run.exitCode === 1, describe);
    return {
      ok: run.exitCode === 0,
      rows: JSON.parse(run.outputs["result"] ?? "null") as Row[],
      ...(run.outputs["names"] !== undefined ? { names: run.outputs["names"] } : {}),
      report: run.summary,
      failure: errors.join("\n"),
      describe,
    };
  },
};

/** The task's spelling of an input: camelCase. */
function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

const azurePipelines: ModeEntryPoint = {
  name: "Azure Pipelines task",
  async run(emu, scenario, inputs, values = {}) {
    const accessToken = secretValue("access-token");
    const env = emu.env();
    delete env.AZURE_AUTHORITY_HOST;
    const run = await runTask({
      endpoint: emulatorEndpoint(emu, "WorkloadIdentityFederation"),
      systemAccessToken: accessToken,
      variables: { "System.OidcRequestUri": emu.pipelinesOidcUrl },
      env,
      inputs: Object.fromEntries(
        Object.entries({ "vault-url": emu.vaultUrl, ...inputs }).map(([k, v]) => [camel(k), v]),
      ),
      secretVariables: values,
    });
    checkTaskLeaks(`modes azure-pipelines ${scenario}`, run, [
      ...Object.values(values),
      accessToken,
    ]);
    const describe = `exit ${run.exitCode}, result ${run.result}, errors:\n${run.errors.join("\n")}\nstderr:\n${run.stderr}`;
    assert.ok(run.result === "Succeeded" || run.result === "Failed", describe);
    for (const output of ["result", "names"]) {
      const variable = run.variables[output];
      if (variable) assert.deepEqual([variable.output, variable.secret], [true, false], output);
    }
    const names = run.variables["names"]?.value;
    return {
      ok: run.result === "Succeeded",
      rows: JSON.parse(run.variables["result"]?.value ?? "null") as Row[],
      ...(names !== undefined ? { names } : {}),
      report: run.summaries.join("\n"),
      failure: run.errors.join("\n"),
      describe,
    };
  },
};

/** Inputs the CLI takes as switches (`--prune`), not `--name value`. */
const switches = new Set(["dry-run", "prune", "include-deleted"]);

const cli: ModeEntryPoint = {
  name: "CLI",
  async run(emu, scenario, inputs, values = {}) {
    const { mode = "set", ...rest } = inputs;
    const flags = Object.entries(rest).flatMap(([name, value]) =>
      switches.has(name) ? (value === "true" ? [`--${name}`] : []) : [`--${name}`, value],
    );
    const args = [mode, "--vault-url", emu.vaultUrl, "--auth", "managed-identity", ...flags];
    const json = await runCli([...args, "--json"], { ...emu.env(), ...values });
    const texts = { stdout: json.stdout, stderr: json.stderr };
    const secrets = Object.values(values);
    assertNoLeaks(texts, secrets, "none");
    recordScenario(`modes cli ${scenario}`, texts, secrets, "none");
    const describe = `exit ${json.code}, stderr:\n${json.stderr}`;
    assert.ok(json.code === 0 || json.code === 1 || json.code === 2, describe);
    const failure = json.code === 0 ? "" : json.stderr.slice(json.stderr.indexOf("aml-secrets"));
    return {
      ok: json.code === 0,
      rows: (json.code === 2 ? [] : JSON.parse(json.stdout)) as Row[],
      report: json.stdout,
      failure,
      describe,
    };
  },
};

export const modeEntryPoints: readonly ModeEntryPoint[] = [github, azurePipelines, cli];
