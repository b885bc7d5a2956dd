// Names from the vault cannot choose dangerous variables, through the bundled action as the
// runner runs it: `*` refuses a derived name that a shell, Node, the loader or the runner gives
// meaning to (and never reads its value), `output-prefix` puts every derived name under a
// prefix (checked again), and a name written in the mapping needs `allow-reserved-names`.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { describe, test } from "node:test";
import type { Emulator } from "../../../src/emulator/index.ts";
import {
  emulatorPerFile,
  emulatorSecretClient,
  unique,
  withEmulator,
} from "../../helpers/emulator.ts";
import {
  describeRun,
  errorsOf,
  maskProblems,
  runActionStep,
  stepTexts,
  type StepRun,
} from "../../helpers/github-runner.ts";
import { assertNoLeaks, recordScenario, secretValue } from "../../helpers/leaks.ts";
import { gitHubCommandProblems } from "../hostile-input/command-checks.ts";
import { derived, seedHostileVault, valuesRequested, type HostileVault } from "./vault.ts";

interface Row {
  name: string;
  source: string;
  action: string;
  error?: string;
}

function rows(run: StepRun): Row[] {
  const result = run.outputs["result"];
  assert.ok(result !== undefined, `no result output; ${describeRun(run)}`);
  return JSON.parse(result) as Row[];
}

function getStep(emu: Emulator, inputs: Record<string, string>) {
  return {
    with: { "vault-url": emu.vaultUrl, auth: "managed-identity", mode: "get", ...inputs },
    env: emu.env(),
  };
}

/**
 * A later step of the job: bash, with the environment the runner builds from GITHUB_ENV (it
 * refuses NODE_OPTIONS there). Says whether the file BASH_ENV named was run.
 */
function laterBashStep(run: StepRun, vault: HostileVault): boolean {
  const exported = Object.fromEntries(
    Object.entries(run.exported).filter(([name]) => name !== "NODE_OPTIONS"),
  );
  return bashRunsMarker(exported, vault);
}

function bashRunsMarker(env: Record<string, string>, vault: HostileVault): boolean {
  const bash = spawnSync("/bin/bash", ["-c", "true"], {
    env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", ...env },
  });
  assert.equal(bash.status, 0, "the later step runs");
  const ran = existsSync(vault.bashEnvMarker);
  rmSync(vault.bashEnvMarker, { force: true });
  return ran;
}

/**
 * Nothing of a refused secret shows anywhere, outputs and GITHUB_ENV included (it was never
 * read); the values handed on show only in the outputs and GITHUB_ENV, masked first.
 */
function checkLeaks(scenario: string, run: StepRun, vault: HostileVault, handedOn: string[]): void {
  const texts = stepTexts(run);
  const refused = vault.reserved.filter((n) => !handedOn.includes(n));
  assertNoLeaks(
    texts,
    refused.map((n) => vault.values[n] ?? ""),
    "github",
  );
  const given = handedOn.map((n) => vault.values[n] ?? "");
  const logs = { ...texts };
  delete logs["GITHUB_OUTPUT"];
  delete logs["GITHUB_ENV"];
  assertNoLeaks(logs, given, "github");
  assert.deepEqual(
    maskProblems(run, given).filter((p) => !/after line/.test(p)),
    [],
  );
  // The sweep searches every scenario's texts for every value of the suite: it gets the logs,
  // where no value may be (the refused ones were checked in the files just above).
  recordScenario(`github reserved names ${scenario}`, logs, Object.values(vault.values), "github");
}

describe("get * with export-env, vault names chosen by whoever can write to the vault", () => {
  void test("without output-prefix, `*` with export-env or out-file is an input problem: nothing is sent, nothing exported (makeflags, cc, lua-init...)", async () => {
    await withEmulator(async (emu) => {
      const vault = await seedHostileVault(emu);
      const cases: Record<string, string>[] = [
        { "export-env": "true" },
        { "out-file": "values.env" },
      ];
      for (const inputs of cases) {
        const before = emu.requests.length;
        const run = await runActionStep(getStep(emu, { secrets: "app-token\n*", ...inputs }));
        assert.equal(run.exitCode, 1, describeRun(run));
        assert.deepEqual(emu.requests.slice(before), [], "no request of any kind");
        const errors = errorsOf(run);
        assert.match(
          errors,
          /secrets line 2: `\*` would let whoever can write to the vault choose variable names \((export-env makes each an environment variable|out-file writes each as a line)\): give output-prefix \(e\.g\. KV_\)/,
        );
        assert.deepEqual(run.exported, {});
        assert.deepEqual(run.outputs, { result: "[]", changed: "0" });
        checkLeaks(`unprefixed ${Object.keys(inputs)[0]}`, run, vault, []);
      }
    });
  });

  void test("a pattern is a prefix the user wrote: app-* with export-env hands on APP_ names only, and makeflags or cc are never read", async () => {
    await withEmulator(async (emu) => {
      const vault = await seedHostileVault(emu);
      const before = emu.requests.length;
      const run = await runActionStep(getStep(emu, { secrets: "APP-*", "export-env": "true" }));
      assert.equal(run.exitCode, 0, describeRun(run));
      assert.deepEqual(valuesRequested(emu, before), ["app-token"]);
      assert.deepEqual(
        rows(run).map((r) => [r.name, r.source, r.action]),
        [["app-token", "APP_TOKEN", "read"]],
      );
      assert.deepEqual(run.exported, { APP_TOKEN: vault.values["app-token"] });
      checkLeaks("pattern", run, vault, ["app-token"]);

      const prefixed = await runActionStep(
        getStep(emu, { secrets: "app-*", "export-env": "true", "output-prefix": "KV_" }),
      );
      assert.equal(prefixed.exitCode, 0, describeRun(prefixed));
      assert.deepEqual(prefixed.exported, { KV_APP_TOKEN: vault.values["app-token"] });
    });
  });

  void test("outputs only (no export-env, no out-file): each reserved derived name is refused with a message and never read; the others are step outputs, nothing is exported", async () => {
    await withEmulator(async (emu) => {
      const vault = await seedHostileVault(emu);
      const before = emu.requests.length;
      const run = await runActionStep(getStep(emu, { secrets: "*" }));
      assert.equal(run.exitCode, 1, describeRun(run));

      const found = rows(run);
      // SYSTEM_ACCESSTOKEN means something to the Azure Pipelines agent only: free here.
      const reserved = vault.reserved.filter((n) => !vault.pipelinesOnly.includes(n));
      for (const name of reserved) {
        const row = found.find((r) => r.name === name);
        assert.equal(row?.action, "failed", `${name}: ${JSON.stringify(row)}`);
        assert.match(row.error ?? "", new RegExp(`as ${derived(name)}, a name that`));
        assert.match(row.error ?? "", /give output-prefix \(e\.g\. KV_\)/);
        assert.ok(errorsOf(run).includes(`secret ${name}:`), `the failure names ${name}`);
      }
      const handedOnNames = [...vault.ordinary, ...vault.unlisted, ...vault.pipelinesOnly].sort();
      assert.deepEqual(
        valuesRequested(emu, before),
        handedOnNames,
        "refused secrets are never read",
      );

      assert.deepEqual(run.exported, {});
      const handedOn = Object.fromEntries(handedOnNames.map((n) => [derived(n), vault.values[n]]));
      assert.deepEqual(
        Object.keys(run.outputs).sort(),
        [...Object.keys(handedOn), "changed", "result", "vault-url"].sort(),
      );
      assert.equal(run.outputs["vault-url"], emu.vaultUrl);
      assert.equal(laterBashStep(run, vault), false, "no BASH_ENV reached the later step");
      assert.equal(existsSync(vault.githubEnvTarget), false, "GITHUB_ENV was not redirected");
      assert.deepEqual(
        gitHubCommandProblems(run, {
          masked: handedOnNames.map((n) => vault.values[n] ?? ""),
          alsoAllowed: ["error"],
        }),
        [],
      );
      checkLeaks("refused", run, vault, handedOnNames);
    });
  });

  void test("output-prefix KV_: every secret is handed on under the prefix, and the later bash still runs nothing", async () => {
    await withEmulator(async (emu) => {
      const vault = await seedHostileVault(emu);
      const run = await runActionStep(
        getStep(emu, { secrets: "*", "export-env": "true", "output-prefix": "KV_" }),
      );
      assert.equal(run.exitCode, 0, describeRun(run));
      const all = Object.keys(vault.values);
      assert.deepEqual(
        rows(run).map((r) => [r.name, r.source, r.action]),
        all.sort().map((n) => [n, derived(n, "KV_"), "read"]),
      );
      assert.deepEqual(
        run.exported,
        Object.fromEntries(all.map((n) => [derived(n, "KV_"), vault.values[n]])),
      );
      assert.equal(run.outputs["KV_BASH_ENV"], vault.values["bash-env"]);
      assert.equal(laterBashStep(run, vault), false);
      assert.equal(existsSync(vault.githubEnvTarget), false);
      checkLeaks("prefixed", run, vault, all);
    });
  });

  void test("a prefix that is itself reserved (LD_) is checked again: every entry is refused", async () => {
    await withEmulator(async (emu) => {
      const vault = await seedHostileVault(emu);
      const before = emu.requests.length;
      const run = await runActionStep(getStep(emu, { secrets: "*", "output-prefix": "LD_" }));
      assert.equal(run.exitCode, 1, describeRun(run));
      const found = rows(run);
      assert.deepEqual(
        found.map((r) => [r.source, r.action]),
        Object.keys(vault.values)
          .sort()
          .map((n) => [derived(n, "LD_"), "failed"]),
      );
      assert.match(found[0]?.error ?? "", /choose another output-prefix/);
      assert.deepEqual(valuesRequested(emu, before), []);
      assert.deepEqual(Object.keys(run.outputs).sort(), ["changed", "result", "vault-url"]);
      checkLeaks("prefix reserved", run, vault, []);
    });
  });
});

describe("names written in the mapping", () => {
  const emulator = emulatorPerFile();

  void test("a reserved output name (given or derived from a lone vault name) is an input problem without allow-reserved-names; nothing is sent", async () => {
    const id = unique();
    const ID = id.toUpperCase();
    const secrets = [`bash-${id}: BASH_ENV`, `ok-${id}: OK_${ID}`, `node-options-${id}`].join("\n");
    const before = emulator().requests.length;
    const run = await runActionStep(getStep(emulator(), { secrets }));
    assert.equal(run.exitCode, 1, describeRun(run));
    assert.deepEqual(emulator().requests.slice(before), [], "no request of any kind");
    const errors = errorsOf(run);
    assert.match(errors, /secrets line 1: output BASH_ENV is a name that a shell/);
    assert.match(errors, new RegExp(`secrets line 3: output NODE_OPTIONS_${ID} is a name that`));
    assert.match(errors, /set allow-reserved-names to true if you mean it/);
    assert.doesNotMatch(errors, /secrets line 2/);
    assert.deepEqual(run.outputs, { result: "[]", changed: "0" });
  });

  void test("allow-reserved-names lets a named entry through, but not a name no opt-in can make work", async () => {
    const id = unique();
    const value = secretValue("named");
    const client = await emulatorSecretClient(emulator());
    await client.setSecret(`bash-${id}`, value);

    const allowed = await runActionStep(
      getStep(emulator(), { secrets: `bash-${id}: BASH_ENV`, "allow-reserved-names": "true" }),
    );
    assert.equal(allowed.exitCode, 0, describeRun(allowed));
    assert.equal(allowed.outputs["BASH_ENV"], value);

    const never = await runActionStep(
      getStep(emulator(), {
        secrets: `bash-${id}: GITHUB_ENV\nbash-${id}: Result`,
        "allow-reserved-names": "true",
        "export-env": "true",
      }),
    );
    assert.equal(never.exitCode, 1, describeRun(never));
    const errors = errorsOf(never);
    assert.match(errors, /secrets line 1: output GITHUB_ENV is a name that the GitHub toolkit/);
    assert.match(errors, /secrets line 2: output Result is a name that this step uses/);
    assert.deepEqual(never.exported, {});
    for (const run of [allowed, never]) {
      const logs = stepTexts(run);
      delete logs["GITHUB_OUTPUT"];
      assertNoLeaks(logs, [value], "github");
    }
    const logs = stepTexts(never);
    delete logs["GITHUB_OUTPUT"];
    recordScenario("github reserved names opt-in", logs, [value], "github");
  });

  void test("SECRET_KEY (Django, Flask) is free on GitHub; ignore-not-found makes a missing secret a warning and a skipped row", async () => {
    const id = unique();
    const value = secretValue("django");
    await (await emulatorSecretClient(emulator())).setSecret(`django-${id}`, value);
    const secrets = `django-${id}: SECRET_KEY\nmissing-${id}: MISSING`;
    const failed = await runActionStep(getStep(emulator(), { secrets }));
    assert.equal(failed.exitCode, 1, describeRun(failed));
    assert.equal(failed.outputs["SECRET_KEY"], value);
    assert.match(errorsOf(failed), new RegExp(`secret missing-${id} was not found`));

    const run = await runActionStep(
      getStep(emulator(), { secrets, "ignore-not-found": "true", "export-env": "true" }),
    );
    assert.equal(run.exitCode, 0, describeRun(run));
    assert.equal(run.outputs["SECRET_KEY"], value);
    assert.equal(run.exported["SECRET_KEY"], value);
    assert.equal(run.outputs["MISSING"], undefined);
    assert.deepEqual(
      rows(run).map((r) => [r.name, r.source, r.action]),
      [
        [`django-${id}`, "SECRET_KEY", "read"],
        [`missing-${id}`, "MISSING", "skipped"],
      ],
    );
    const warnings = run.commands.filter((c) => c.command === "warning").map((c) => c.data);
    assert.ok(
      warnings.some((w) =>
        w.includes(
          `secret missing-${id} was not found in the vault; output MISSING is not set (ignore-not-found)`,
        ),
      ),
      warnings.join("\n"),
    );
    for (const r of [failed, run]) {
      const logs = stepTexts(r);
      delete logs["GITHUB_OUTPUT"];
      delete logs["GITHUB_ENV"];
      assertNoLeaks(logs, [value], "github");
    }
  });
});
