// Names from the vault cannot choose the agent's variables, through the bundled task as the
// agent runs it: every value becomes a secret variable there, so `*` refuses a derived name the
// agent, a task, a shell or a runtime gives meaning to (System.AccessToken, Agent.TempDirectory
// are one variable with SYSTEM_ACCESSTOKEN, AGENT_TEMPDIRECTORY to a task), `outputPrefix` puts
// every derived name under a prefix, and a name written in the mapping needs `allowReservedNames`.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Emulator } from "../../../src/emulator/index.ts";
import {
  emulatorPerFile,
  emulatorSecretClient,
  unique,
  withEmulator,
} from "../../helpers/emulator.ts";
import { secretValue } from "../../helpers/leaks.ts";
import {
  checkTaskLeaks,
  emulatorEndpoint,
  runTask,
  type TaskRun,
} from "../../helpers/pipelines-agent.ts";
import { pipelinesCommandProblems } from "../hostile-input/command-checks.ts";
import { derived, seedHostileVault, valuesRequested } from "./vault.ts";

interface Row {
  name: string;
  source: string;
  action: string;
  error?: string;
}

function getTask(emu: Emulator, inputs: Record<string, string>) {
  return runTask({
    endpoint: emulatorEndpoint(emu, "ManagedServiceIdentity"),
    env: emu.env(),
    inputs: { mode: "get", vaultUrl: emu.vaultUrl, ...inputs },
  });
}

function rows(run: TaskRun): Row[] {
  return JSON.parse(run.variables["result"]?.value ?? "[]") as Row[];
}

describe("get * on Azure Pipelines, vault names chosen by whoever can write to the vault", () => {
  void test("each reserved derived name is refused with a message naming outputPrefix and never read; the others become secret variables", async () => {
    await withEmulator(async (emu) => {
      const vault = await seedHostileVault(emu);
      const before = emu.requests.length;
      const run = await getTask(emu, { secrets: "*" });
      assert.equal(run.result, "Failed", run.stderr);
      const found = rows(run);
      for (const name of vault.reserved) {
        const row = found.find((r) => r.name === name);
        assert.equal(row?.action, "failed", `${name}: ${JSON.stringify(row)}`);
        assert.match(row.error ?? "", /give outputPrefix \(e\.g\. KV_\)/);
      }
      assert.match(
        found.find((r) => r.name === "system-accesstoken")?.error ?? "",
        /as SYSTEM_ACCESSTOKEN, a name that the Azure Pipelines agent or a task reads/,
      );
      assert.deepEqual(valuesRequested(emu, before), vault.ordinary);
      const ordinary = vault.ordinary.map((n) => vault.values[n] ?? "");
      assert.deepEqual(
        pipelinesCommandProblems(run, {
          masked: ordinary,
          multilineAllowed: false,
          secretVariables: vault.ordinary.map((n) => derived(n)),
          result: "Failed",
        }),
        [],
      );
      for (const name of vault.ordinary)
        assert.equal(run.variables[derived(name)]?.value, vault.values[name]);
      // A refused value shows nowhere at all, not even in a secret variable.
      checkTaskLeaks("azure-pipelines reserved names refused", run, Object.values(vault.values));
    });
  });

  void test("outputPrefix KV_: every secret becomes a KV_ secret variable", async () => {
    await withEmulator(async (emu) => {
      const vault = await seedHostileVault(emu);
      const run = await getTask(emu, { secrets: "*", outputPrefix: "KV_" });
      assert.equal(run.result, "Succeeded", run.stderr);
      const all = Object.keys(vault.values);
      assert.deepEqual(
        pipelinesCommandProblems(run, {
          masked: Object.values(vault.values),
          multilineAllowed: false,
          secretVariables: all.map((n) => derived(n, "KV_")),
          result: "Succeeded",
        }),
        [],
      );
      for (const name of all)
        assert.equal(run.variables[derived(name, "KV_")]?.value, vault.values[name]);
      checkTaskLeaks("azure-pipelines reserved names prefixed", run, Object.values(vault.values));
    });
  });
});

describe("names written in the mapping, on Azure Pipelines", () => {
  const emulator = emulatorPerFile();

  void test("System.AccessToken as an output is an input problem naming allowReservedNames; with it, the variable is set", async () => {
    const id = unique();
    const value = secretValue("named");
    await (await emulatorSecretClient(emulator())).setSecret(`token-${id}`, value);
    const before = emulator().requests.length;
    const refused = await getTask(emulator(), { secrets: `token-${id}: System.AccessToken` });
    assert.equal(refused.result, "Failed", refused.stderr);
    assert.deepEqual(emulator().requests.slice(before), [], "no request of any kind");
    assert.match(
      refused.errors.join("\n"),
      /secrets line 1: output System\.AccessToken is a name that the Azure Pipelines agent or a task reads; choose another name, or set allowReservedNames to true/,
    );

    const allowed = await getTask(emulator(), {
      secrets: `token-${id}: System.AccessToken`,
      allowReservedNames: "true",
    });
    assert.equal(allowed.result, "Succeeded", allowed.stderr);
    assert.equal(allowed.variables["System.AccessToken"]?.value, value);
    checkTaskLeaks("azure-pipelines reserved names opt-in", allowed, [value]);
  });
});
