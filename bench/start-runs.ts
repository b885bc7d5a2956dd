/**
 * The one-secret runs whose start the bench times (cold-start.ts) and counts in instructions
 * (start-instructions.ts): the CLI's `plan`, and the action's and the task's dry runs through
 * the test helpers that run them as the runner and the agent do. Each runs with `node` (a Node
 * binary, or a wrapper that runs one under callgrind) and resolves, once its process has
 * exited, to the checks of what it did, so that a timer can stop before them.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { Emulator } from "../src/emulator/index.ts";
import { runCli } from "../test/platforms/cli/cli-process.ts";
import { maskProblems, runActionStep, stepTexts } from "../test/helpers/github-runner.ts";
import { assertNoLeaks, recordScenario, secretValue } from "../test/helpers/leaks.ts";
import { checkTaskLeaks, emulatorEndpoint, runTask } from "../test/helpers/pipelines-agent.ts";

export type Run = (node: string) => Promise<() => void>;

/** A fresh secret per run: its name, its variable and a canary value; planned `create`. */
function oneSecret(): { name: string; variable: string; value: string } {
  const id = randomUUID().slice(0, 8);
  return { name: `cold-${id}`, variable: `COLD_${id.toUpperCase()}`, value: secretValue("cold") };
}

export function startRuns(emu: Emulator): { cliPlan: Run; action: Run; task: Run } {
  return {
    async cliPlan(node) {
      const s = oneSecret();
      const run = await runCli(
        ["plan", "--vault-url", emu.vaultUrl, "--secrets", `${s.name}: ${s.variable}`, "--json"],
        { ...emu.env(), [s.variable]: s.value },
        node,
      );
      return () => {
        assert.equal(run.code, 0, run.stderr);
        assert.match(run.stdout, /"action":"create"/);
        const texts = { stdout: run.stdout, stderr: run.stderr };
        assertNoLeaks(texts, [s.value], "none");
        recordScenario("bench cold-start cli", texts, [s.value], "none");
      };
    },

    async action(node) {
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
    },

    async task(node) {
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
    },
  };
}
