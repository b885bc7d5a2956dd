// The bundled action (dist/action.cjs, `npm run build`) run as the GitHub runner runs it,
// against the emulator: set, re-run, get, bad input, outputs and the step summary.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import { emulatorPerFile, unique } from "../../helpers/emulator.ts";
import {
  describeRun,
  errorsOf,
  maskProblems,
  runActionStep,
  type StepOptions,
  type StepRun,
  stepTexts,
} from "../../helpers/github-runner.ts";
import {
  assertNoLeaks,
  canary,
  pemValue,
  recordScenario,
  secretValue,
} from "../../helpers/leaks.ts";

const emulator = emulatorPerFile();

interface Row {
  name: string;
  source: string;
  action: string;
  version?: string;
  id?: string;
  error?: string;
}

/** A step against the emulator's vault, signed in with the emulator's managed identity. */
function step(inputs: Record<string, string>, env: Record<string, string> = {}): StepOptions {
  return {
    with: { "vault-url": emulator().vaultUrl, auth: "managed-identity", ...inputs },
    env: { ...emulator().env(), ...env },
  };
}

function rows(run: StepRun): Row[] {
  const result = run.outputs["result"];
  assert.ok(result !== undefined, `no result output; ${describeRun(run)}`);
  return JSON.parse(result) as Row[];
}

/** The leak canary over everything printed and written, masks first, recorded for the sweep. */
function checkNoLeaks(
  scenario: string,
  run: StepRun,
  values: readonly string[],
  options: { maskedBeforeAnything: boolean; skipFiles?: string[] } = { maskedBeforeAnything: true },
): void {
  const texts = stepTexts(run);
  for (const file of options.skipFiles ?? []) delete texts[file];
  assertNoLeaks(texts, values, "github");
  const problems = maskProblems(run, values).filter(
    (p) => options.maskedBeforeAnything || !/after line/.test(p),
  );
  assert.deepEqual(problems, []);
  recordScenario(`github ${scenario}`, texts, values, "github");
}

describe("set", () => {
  void test("multi-line, unicode and command-like values are stored byte for byte, masked first", async () => {
    const id = unique();
    const ID = id.toUpperCase();
    const values = {
      pem: pemValue(),
      unicode: `pässwörd-日本語-🔑-${canary()}`,
      command: `50%25 %0A ::error::no\r::add-mask::x %${canary()}`,
      crlf: `first-${canary()}\r\nsecond-${canary()}\r\n`,
    };
    const env = {
      [`PEM_${ID}`]: values.pem,
      [`UNICODE_${ID}`]: values.unicode,
      [`CMD_${ID}`]: values.command,
      [`CRLF_${ID}`]: values.crlf,
    };
    const secrets = [
      `gh-${id}-pem: PEM_${ID}    # a PEM`,
      `UNICODE_${ID}`,
      "",
      `# the next two look like workflow commands`,
      `gh-${id}-cmd: CMD_${ID}`,
      `gh-${id}-crlf: CRLF_${ID}`,
    ].join("\n");
    const run = await runActionStep(step({ secrets }, env));
    assert.equal(run.exitCode, 0, describeRun(run));

    assert.equal(emulator().versions(`gh-${id}-pem`).at(-1)?.value, values.pem);
    assert.equal(emulator().versions(`unicode-${id}`).at(-1)?.value, values.unicode);
    assert.equal(emulator().versions(`gh-${id}-cmd`).at(-1)?.value, values.command);
    assert.equal(emulator().versions(`gh-${id}-crlf`).at(-1)?.value, values.crlf);

    const result = rows(run);
    assert.deepEqual(result.map((r) => [r.name, r.source, r.action]).sort(), [
      [`gh-${id}-cmd`, `CMD_${ID}`, "created"],
      [`gh-${id}-crlf`, `CRLF_${ID}`, "created"],
      [`gh-${id}-pem`, `PEM_${ID}`, "created"],
      [`unicode-${id}`, `UNICODE_${ID}`, "created"],
    ]);
    for (const row of result) {
      assert.equal(row.version, emulator().versions(row.name).at(-1)?.version);
    }
    assert.equal(run.outputs["changed"], "4");

    // The step summary: a markdown table naming each secret, never a value.
    assert.match(run.summary, /^\|.*\|\s*$/m);
    assert.match(run.summary, /\|\s*-{3,}/);
    for (const row of result)
      assert.ok(run.summary.includes(row.name), `summary names ${row.name}`);

    checkNoLeaks("set multi-line unicode command-like", run, Object.values(values));
  });

  void test("a re-run with the same values writes nothing and reports unchanged", async () => {
    const id = unique();
    const ID = id.toUpperCase();
    const env = { [`ONE_${ID}`]: secretValue("one"), [`TWO_${ID}`]: `two\n${canary()}` };
    const inputs = { secrets: `ONE_${ID}\ngh-${id}-two: TWO_${ID}` };
    const first = await runActionStep(step(inputs, env));
    assert.equal(first.exitCode, 0, describeRun(first));
    assert.equal(first.outputs["changed"], "2");

    emulator().clearRequests();
    const second = await runActionStep(step(inputs, env));
    assert.equal(second.exitCode, 0, describeRun(second));
    assert.deepEqual(
      rows(second).map((r) => r.action),
      ["unchanged", "unchanged"],
    );
    assert.equal(second.outputs["changed"], "0");
    assert.deepEqual(
      emulator().requests.filter((r) => r.kind === "secret-write"),
      [],
    );
    assert.equal(emulator().versions(`one-${id}`).length, 1);
    checkNoLeaks("set re-run unchanged", second, Object.values(env));
  });

  void test("a changed value gets a new version, an unchanged one does not", async () => {
    const id = unique();
    const ID = id.toUpperCase();
    emulator().seed(`same-${id}`, "kept-" + canary());
    const kept = emulator().versions(`same-${id}`)[0]?.value ?? "";
    emulator().seed(`moved-${id}`, secretValue("old"));
    const env = { [`SAME_${ID}`]: kept, [`MOVED_${ID}`]: secretValue("new") };
    const run = await runActionStep(step({ secrets: `SAME_${ID}\nMOVED_${ID}` }, env));
    assert.equal(run.exitCode, 0, describeRun(run));
    const byName = Object.fromEntries(rows(run).map((r) => [r.name, r.action]));
    assert.deepEqual(byName, { [`same-${id}`]: "unchanged", [`moved-${id}`]: "updated" });
    assert.equal(run.outputs["changed"], "1");
    assert.equal(emulator().versions(`moved-${id}`).at(-1)?.value, env[`MOVED_${ID}`]);
    checkNoLeaks("set changed and unchanged", run, Object.values(env));
  });
});

describe("bad input", () => {
  void test("every problem is reported, the step fails, and no request is made", async () => {
    const id = unique();
    const ID = id.toUpperCase();
    const big = secretValue("big").padEnd(26_000, "x");
    const env = { [`BIG_${ID}`]: big, [`FINE_${ID}`]: secretValue("fine") };
    emulator().clearRequests();
    const run = await runActionStep(
      step(
        {
          mode: "sideways",
          overwrite: "sometimes",
          secrets: `BIG_${ID}\nFINE_${ID}\nMISSING_${ID}\nbad_name!: FINE_${ID}`,
        },
        env,
      ),
    );
    assert.equal(run.exitCode, 1, describeRun(run));
    const errors = errorsOf(run);
    assert.match(errors, /mode/);
    assert.match(errors, /sideways/);
    assert.match(errors, /overwrite/);
    assert.match(errors, new RegExp(`MISSING_${ID}`));
    assert.match(errors, new RegExp(`BIG_${ID}|big-${id}`));
    assert.match(errors, /bad_name!/);
    assert.deepEqual(emulator().requests, [], "no request, not even for a token");
    checkNoLeaks("bad input", run, Object.values(env));
  });

  void test("an empty value fails unless allow-empty", async () => {
    const id = unique();
    const ID = id.toUpperCase();
    emulator().clearRequests();
    const refused = await runActionStep(step({ secrets: `EMPTY_${ID}` }, { [`EMPTY_${ID}`]: "" }));
    assert.equal(refused.exitCode, 1, describeRun(refused));
    assert.match(errorsOf(refused), new RegExp(`EMPTY_${ID}`));
    assert.match(errorsOf(refused), /allow-empty/);
    assert.deepEqual(emulator().requests, []);

    const allowed = await runActionStep(
      step({ secrets: `EMPTY_${ID}`, "allow-empty": "true" }, { [`EMPTY_${ID}`]: "" }),
    );
    assert.equal(allowed.exitCode, 0, describeRun(allowed));
    assert.equal(emulator().versions(`empty-${id}`).at(-1)?.value, "");
    assert.ok(
      !allowed.commands.some((c) => c.command === "add-mask" && c.data === ""),
      "an empty string is never sent as a mask",
    );
  });
});

describe("dry run", () => {
  void test("plans without writing, and says so in the result", async () => {
    const id = unique();
    const ID = id.toUpperCase();
    emulator().seed(`kept-${id}`, "kept-" + canary());
    const kept = emulator().versions(`kept-${id}`)[0]?.value ?? "";
    const env = { [`KEPT_${ID}`]: kept, [`NEW_${ID}`]: secretValue("new") };
    emulator().clearRequests();
    const run = await runActionStep(
      step({ secrets: `KEPT_${ID}\nNEW_${ID}`, "dry-run": "true" }, env),
    );
    assert.equal(run.exitCode, 0, describeRun(run));
    const byName = Object.fromEntries(rows(run).map((r) => [r.name, r.action]));
    assert.deepEqual(byName, { [`kept-${id}`]: "unchanged", [`new-${id}`]: "create" });
    assert.equal(run.outputs["changed"], "0");
    assert.deepEqual(
      emulator().requests.filter((r) => r.kind === "secret-write"),
      [],
    );
    assert.deepEqual(emulator().versions(`new-${id}`), []);
    checkNoLeaks("dry run", run, Object.values(env));
  });
});

describe("get", () => {
  void test("vault secrets become masked outputs, and env variables with export-env", async () => {
    const id = unique();
    const ID = id.toUpperCase();
    const apiKey = secretValue("api-key");
    const cert = pemValue();
    emulator().seed(`api-key-${id}`, apiKey);
    emulator().seed(`gh-${id}-cert`, cert);
    const run = await runActionStep(
      step({
        mode: "get",
        secrets: `api-key-${id}\ngh-${id}-cert: CERT_${ID}`,
        "export-env": "true",
      }),
    );
    assert.equal(run.exitCode, 0, describeRun(run));
    // The toolkit's heredoc ends the value with a newline of its own, so a PEM's final newline stays.
    assert.equal(run.outputs[`API_KEY_${ID}`], apiKey);
    assert.equal(run.outputs[`CERT_${ID}`], cert);
    assert.equal(run.exported[`API_KEY_${ID}`], apiKey);
    assert.deepEqual(
      rows(run).map((r) => r.action),
      ["read", "read"],
    );
    // The outputs and GITHUB_ENV are where get mode is asked to put the values; nothing else may.
    checkNoLeaks("get outputs and export-env", run, [apiKey, cert], {
      maskedBeforeAnything: false,
      skipFiles: ["GITHUB_OUTPUT", "GITHUB_ENV"],
    });
  });
});

describe("the vault of an Azure ML workspace", () => {
  void test("workspace-name finds the vault through ARM at resource-manager-url", async () => {
    const id = unique();
    const ID = id.toUpperCase();
    // ARM takes a subscription id only as a GUID; the input is checked for that before any request.
    const subscriptionId = randomUUID();
    emulator().addWorkspace({
      subscriptionId,
      resourceGroup: `rg-${id}`,
      name: `mlw-${id}`,
      vaultName: `kv-${id}`,
    });
    const env = { [`WS_${ID}`]: secretValue("workspace") };
    const run = await runActionStep({
      with: {
        auth: "managed-identity",
        "workspace-name": `mlw-${id}`,
        "resource-group": `rg-${id}`,
        "subscription-id": subscriptionId,
        "resource-manager-url": emulator().armUrl,
        secrets: `WS_${ID}`,
      },
      env: { ...emulator().env(), ...env },
    });
    assert.equal(run.exitCode, 0, describeRun(run));
    assert.equal(emulator().versions(`ws-${id}`).at(-1)?.value, env[`WS_${ID}`]);
    assert.ok(emulator().requests.some((r) => r.kind === "arm" && r.path.includes(`mlw-${id}`)));
    checkNoLeaks("workspace-name", run, Object.values(env));
  });
});

describe("generate", () => {
  void test("a rotated value is stored and handed on as a masked output", async () => {
    const id = unique();
    const ID = id.toUpperCase();
    const run = await runActionStep(step({ generate: `rotated-${id}: 40` }));
    assert.equal(run.exitCode, 0, describeRun(run));
    const value = run.outputs[`ROTATED_${ID}`] ?? "";
    assert.equal(value.length, 40);
    assert.equal(emulator().versions(`rotated-${id}`).at(-1)?.value, value);
    assert.deepEqual(
      rows(run).map((r) => [r.name, r.action]),
      [[`rotated-${id}`, "created"]],
    );
    checkNoLeaks("generate", run, [value], {
      maskedBeforeAnything: false,
      skipFiles: ["GITHUB_OUTPUT"],
    });
  });
});
