/**
 * One set-mode step, run the way each entry point is run for real: the core in this process,
 * the bundled action as the GitHub runner runs it, the bundled task as the Azure Pipelines agent
 * runs it, and the bundled CLI as a user runs it. Each hands back the same `StepOutcome`, after
 * the leak canary has gone over everything it printed and wrote, in its platform's mask dialect.
 */
import assert from "node:assert/strict";
import type { Emulator } from "../../../src/emulator/index.ts";
import { runCli } from "../../platforms/cli/cli-process.ts";
import { runCore } from "../../helpers/core-run.ts";
import { maskProblems, runActionStep, stepTexts } from "../../helpers/github-runner.ts";
import { assertNoLeaks, recordScenario, secretValue } from "../../helpers/leaks.ts";
import { checkTaskLeaks, emulatorEndpoint, runTask } from "../../helpers/pipelines-agent.ts";
import { mappingOf, variablesOf, type FaultSecret, type ResultRow } from "./scenario.ts";

export interface StepOutcome {
  status: "ok" | "failed";
  rows: ResultRow[];
  /** The failure as the platform shows it to the user; "" when the step succeeded. */
  failure: string;
  /** How the step ended, for assertion messages (already checked free of values). */
  describe: string;
}

export interface EntryPoint {
  name: string;
  run(emu: Emulator, scenario: string, secrets: readonly FaultSecret[]): Promise<StepOutcome>;
}

/** A step that failed says why, and one that succeeded says nothing of a failure. */
function outcome(ok: boolean, rows: unknown, failure: string, describe: string): StepOutcome {
  assert.ok(Array.isArray(rows), `no result output; ${describe}`);
  if (ok) assert.equal(failure, "", `a succeeded step reported a failure; ${describe}`);
  else assert.notEqual(failure.trim(), "", `a failed step said nothing; ${describe}`);
  return { status: ok ? "ok" : "failed", rows: rows as ResultRow[], failure, describe };
}

const core: EntryPoint = {
  name: "core",
  async run(emu, scenario, secrets) {
    // runCore checks for leaks and records the scenario itself.
    const { outcome: done, platform } = await runCore(
      emu,
      `faults-${scenario}`,
      { secrets: mappingOf(secrets) },
      variablesOf(secrets),
    );
    const failure = platform.failures().join("\n");
    const describe = `status ${done.status}\n${failure}`;
    assert.notEqual(done.status, "invalid", describe);
    return outcome(done.status === "ok", platform.result(), failure, describe);
  },
};

const github: EntryPoint = {
  name: "GitHub Action",
  async run(emu, scenario, secrets) {
    const values = secrets.map((s) => s.value);
    const run = await runActionStep({
      with: { "vault-url": emu.vaultUrl, auth: "managed-identity", secrets: mappingOf(secrets) },
      env: { ...emu.env(), ...variablesOf(secrets) },
    });
    const texts = stepTexts(run);
    assertNoLeaks(texts, values, "github");
    assert.deepEqual(maskProblems(run, values), []);
    recordScenario(`faults github ${scenario}`, texts, values, "github");
    const errors = run.commands.filter((c) => c.command === "error").map((c) => c.data);
    const describe = `exit ${run.exitCode}, errors:\n${errors.join("\n")}\nstderr:\n${run.stderr}`;
    // The runner fails a step on its exit code; the `::error::` annotation is what a user reads.
    assert.ok(run.exitCode === 0 || run.exitCode === 1, describe);
    const rows: unknown = JSON.parse(run.outputs["result"] ?? "null");
    return outcome(run.exitCode === 0, rows, errors.join("\n"), describe);
  },
};

const azurePipelines: EntryPoint = {
  name: "Azure Pipelines task",
  async run(emu, scenario, secrets) {
    const accessToken = secretValue("access-token");
    const values = [...secrets.map((s) => s.value), accessToken];
    // The agent machine's environment without AZURE_AUTHORITY_HOST: the authority comes from
    // the service connection, as on a real agent.
    const env = emu.env();
    delete env.AZURE_AUTHORITY_HOST;
    const run = await runTask({
      endpoint: emulatorEndpoint(emu, "WorkloadIdentityFederation"),
      systemAccessToken: accessToken,
      // System.Debug: the retries' debug lines are printed too, and must not carry a value.
      variables: { "System.OidcRequestUri": emu.pipelinesOidcUrl, "System.Debug": "true" },
      env,
      inputs: { vaultUrl: emu.vaultUrl, secrets: mappingOf(secrets) },
      secretVariables: variablesOf(secrets),
    });
    checkTaskLeaks(`faults azure-pipelines ${scenario}`, run, values);
    const describe = `exit ${run.exitCode}, result ${run.result}, errors:\n${run.errors.join("\n")}\nstderr:\n${run.stderr}`;
    // The agent fails a task on `task.complete result=Failed`, whatever its exit code.
    assert.ok(run.result === "Succeeded" || run.result === "Failed", describe);
    const rows: unknown = JSON.parse(run.variables["result"]?.value ?? "null");
    return outcome(run.result === "Succeeded", rows, run.errors.join("\n"), describe);
  },
};

const cli: EntryPoint = {
  name: "CLI",
  async run(emu, scenario, secrets) {
    const values = secrets.map((s) => s.value);
    const run = await runCli(
      [
        "set",
        ...["--vault-url", emu.vaultUrl, "--auth", "managed-identity"],
        ...["--secrets", mappingOf(secrets)],
        // --json: the result on stdout; --verbose: the retries' debug lines on stderr too.
        ...["--json", "--verbose"],
      ],
      { ...emu.env(), ...variablesOf(secrets) },
    );
    const texts = { stdout: run.stdout, stderr: run.stderr };
    assertNoLeaks(texts, values, "none");
    recordScenario(`faults cli ${scenario}`, texts, values, "none");
    const describe = `exit ${run.code}, stderr:\n${run.stderr}`;
    assert.ok(run.code === 0 || run.code === 1, describe);
    // On failure the message is the last thing on stderr, after the log lines.
    const failure = run.code === 0 ? "" : failureBlock(run.stderr);
    return outcome(run.code === 0, JSON.parse(run.stdout) as unknown, failure, describe);
  },
};

/** The CLI's failure message: stderr from its `aml-secrets: N of M secrets failed` line on. */
function failureBlock(stderr: string): string {
  const start = stderr.lastIndexOf("aml-secrets: ");
  return start < 0 ? "" : stderr.slice(start);
}

export const entryPoints: readonly EntryPoint[] = [core, github, azurePipelines, cli];
