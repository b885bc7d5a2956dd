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
  void test("`*` without outputPrefix is an input problem naming it: every value would be a secret variable named by the vault; nothing is sent", async () => {
    await withEmulator(async (emu) => {
      const vault = await seedHostileVault(emu);
      const before = emu.requests.length;
      const run = await getTask(emu, { secrets: "*" });
      assert.equal(run.result, "Failed", run.stderr);
      assert.deepEqual(emu.requests.slice(before), [], "no request of any kind");
      assert.match(
        run.errors.join("\n"),
        /secrets line 1: `\*` would let whoever can write to the vault choose variable names \(each value is a secret variable of the job\): give outputPrefix \(e\.g\. KV_\)/,
      );
      assert.deepEqual(
        Object.keys(run.variables).sort(),
        ["changed", "result"],
        "no secret variable was set",
      );
      checkTaskLeaks("azure-pipelines unprefixed *", run, Object.values(vault.values));
    });
  });

  void test("a pattern is a prefix the user wrote: app-* sets APP_ secret variables only, makeflags and cc are never read", async () => {
    await withEmulator(async (emu) => {
      const vault = await seedHostileVault(emu);
      const before = emu.requests.length;
      const run = await getTask(emu, { secrets: "app-*" });
      assert.equal(run.result, "Succeeded", run.stderr);
      assert.deepEqual(valuesRequested(emu, before), ["app-token"]);
      assert.equal(run.variables["APP_TOKEN"]?.value, vault.values["app-token"]);
      assert.equal(run.variables["APP_TOKEN"]?.secret, true);
      assert.equal(run.variables["vaultUrl"]?.value, emu.vaultUrl);
      assert.equal(run.variables["MAKEFLAGS"], undefined);
      checkTaskLeaks("azure-pipelines pattern", run, Object.values(vault.values));
    });
  });

  void test("with outputPrefix, a reserved prefix (SYSTEM_) is checked again: each entry is refused with a message and never read", async () => {
    await withEmulator(async (emu) => {
      const vault = await seedHostileVault(emu);
      const before = emu.requests.length;
      const run = await getTask(emu, { secrets: "*", outputPrefix: "System_" });
      assert.equal(run.result, "Failed", run.stderr);
      const found = rows(run);
      assert.equal(found.length, Object.keys(vault.values).length);
      for (const row of found) {
        assert.equal(row.action, "failed", JSON.stringify(row));
        assert.match(
          row.error ?? "",
          /a name that the Azure Pipelines agent or a task reads; choose another outputPrefix/,
        );
      }
      assert.deepEqual(valuesRequested(emu, before), []);
      assert.equal(
        pipelinesCommandProblems(run, {
          masked: [],
          multilineAllowed: false,
          secretVariables: [],
          result: "Failed",
        }).length,
        0,
      );
      checkTaskLeaks("azure-pipelines reserved prefix", run, Object.values(vault.values));
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

  void test("SECRET_KEY (Django, Flask) is a name the agent reads (SECRET_*): refused without allowReservedNames", async () => {
    const id = unique();
    const before = emulator().requests.length;
    const refused = await getTask(emulator(), { secrets: `django-${id}: SECRET_KEY` });
    assert.equal(refused.result, "Failed", refused.stderr);
    assert.deepEqual(emulator().requests.slice(before), [], "no request of any kind");
    assert.match(
      refused.errors.join("\n"),
      /secrets line 1: output SECRET_KEY is a name that the Azure Pipelines agent or a task reads/,
    );
  });
});
