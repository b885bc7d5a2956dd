// Each way the action signs in, end to end: the bundle run as the runner runs it, the real
// @azure/identity credential, and the emulator standing in for Microsoft Entra, the managed
// identity endpoint, GitHub's OIDC token service and (through a stub `az`) the Azure CLI.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { execFile } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { promisify } from "node:util";
import { emulatorPerFile, unique } from "../../helpers/emulator.ts";
import {
  describeRun,
  errorsOf,
  maskProblems,
  runActionStep,
  stepTexts,
  type StepRun,
} from "../../helpers/github-runner.ts";
import { assertNoLeaks, recordScenario, secretValue } from "../../helpers/leaks.ts";

const emulator = emulatorPerFile();

const root = path.resolve(import.meta.dirname, "..", "..", "..");
const azStub = path.resolve(import.meta.dirname, "fixtures", "az-stub.mjs");

/** A folder with an `az` on it that runs the stub with this Node, and the file it logs to. */
function azOnPath(): { dir: string; log: string } {
  const dir = mkdtempSync(path.join(tmpdir(), "aml-gh-az-"));
  const az = path.join(dir, "az");
  writeFileSync(az, `#!/bin/sh\nexec "${process.execPath}" "${azStub}" "$@"\n`);
  chmodSync(az, 0o755);
  return { dir, log: path.join(dir, "calls.jsonl") };
}

/** One secret to set, so each path proves it reached the vault. */
function oneSecret(): {
  id: string;
  inputs: { "vault-url": string; secrets: string };
  env: Record<string, string>;
  value: string;
} {
  const id = unique();
  const name = `AUTH_${id.toUpperCase()}`;
  const value = secretValue("auth-path");
  return {
    id,
    inputs: { "vault-url": emulator().vaultUrl, secrets: name },
    env: { [name]: value },
    value,
  };
}

function checkNoLeaks(
  scenario: string,
  run: StepRun,
  masked: string[],
  alsoSecret: string[] = [],
): void {
  const texts = stepTexts(run);
  assertNoLeaks(texts, [...masked, ...alsoSecret], "github");
  assert.deepEqual(maskProblems(run, masked), []);
  recordScenario(`github auth ${scenario}`, texts, [...masked, ...alsoSecret], "github");
}

describe("auth paths", () => {
  void test("auto without ids uses the Azure CLI session (a stub az on PATH)", async () => {
    const s = oneSecret();
    const az = azOnPath();
    const run = await runActionStep({
      with: s.inputs,
      env: {
        ...emulator().env(),
        ...s.env,
        PATH: `${az.dir}${path.delimiter}${process.env["PATH"] ?? ""}`,
        AZ_STUB_LOG: az.log,
      },
    });
    assert.equal(run.exitCode, 0, describeRun(run));
    assert.equal(emulator().versions(`auth-${s.id}`).at(-1)?.value, s.value);
    const calls = readFileSync(az.log, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { args: string[]; env: string[] });
    assert.ok(calls.length > 0);
    const [variable] = Object.keys(s.env);
    for (const { args, env } of calls) {
      assert.deepEqual(args.slice(0, 4), ["account", "get-access-token", "--output", "json"]);
      assert.equal(args[args.indexOf("--resource") + 1], "https://vault.azure.net");
      // The value was read from the step's env, then kept out of every child process's.
      assert.ok(env.includes("AZ_STUB_LOG") && !env.includes(variable ?? ""), env.join(" "));
    }
    checkNoLeaks("azure-cli", run, [s.value]);
  });

  void test("a logged-out Azure CLI fails with the path tried and azure/login as the fix", async () => {
    const s = oneSecret();
    const az = azOnPath();
    const run = await runActionStep({
      with: s.inputs,
      env: {
        ...emulator().env(),
        ...s.env,
        PATH: `${az.dir}${path.delimiter}${process.env["PATH"] ?? ""}`,
        AZ_STUB_LOGGED_OUT: "1",
      },
    });
    assert.equal(run.exitCode, 1, describeRun(run));
    assert.match(errorsOf(run), /Azure CLI session/);
    assert.match(errorsOf(run), /azure\/login/);
    assert.deepEqual(emulator().versions(`auth-${s.id}`), []);
    checkNoLeaks("azure-cli logged out", run, [s.value]);
  });

  void test("managed-identity uses the runner's identity endpoint", async () => {
    const s = oneSecret();
    emulator().clearRequests();
    const run = await runActionStep({
      with: { ...s.inputs, auth: "managed-identity" },
      env: { ...emulator().env(), ...s.env },
    });
    assert.equal(run.exitCode, 0, describeRun(run));
    assert.equal(emulator().versions(`auth-${s.id}`).at(-1)?.value, s.value);
    assert.ok(
      emulator().requests.some(
        (r) => r.path === new URL(emulator().identityEndpoint).pathname && r.status === 200,
      ),
    );
    checkNoLeaks("managed-identity", run, [s.value]);
  });

  void test("client-id, tenant-id and client-secret sign in at the authority, the secret masked", async () => {
    const s = oneSecret();
    const clientSecret = secretValue("client-secret");
    emulator().clearRequests();
    const run = await runActionStep({
      with: {
        ...s.inputs,
        "client-id": randomUUID(),
        "tenant-id": emulator().tenantId,
        "client-secret": clientSecret,
      },
      env: { ...emulator().env(), ...s.env },
    });
    assert.equal(run.exitCode, 0, describeRun(run));
    assert.equal(emulator().versions(`auth-${s.id}`).at(-1)?.value, s.value);
    assert.ok(
      emulator().requests.some(
        (r) => r.kind === "token" && r.method === "POST" && r.status === 200,
      ),
    );
    checkNoLeaks("client-secret", run, [s.value, clientSecret]);
  });

  void test("client-id and tenant-id alone use GitHub OIDC with the runner's request token", async () => {
    const s = oneSecret();
    const requestToken = secretValue("request-token");
    emulator().clearRequests();
    const run = await runActionStep({
      with: { ...s.inputs, "client-id": randomUUID(), "tenant-id": emulator().tenantId },
      env: {
        ...emulator().env(),
        ...s.env,
        ACTIONS_ID_TOKEN_REQUEST_URL: emulator().githubOidcUrl,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken,
      },
    });
    assert.equal(run.exitCode, 0, describeRun(run));
    assert.equal(emulator().versions(`auth-${s.id}`).at(-1)?.value, s.value);
    assert.ok(emulator().requests.some((r) => r.kind === "oidc" && r.status === 200));
    assert.ok(
      emulator().requests.some(
        (r) => r.kind === "token" && r.method === "POST" && r.status === 200,
      ),
    );
    // The toolkit masks the ID token it fetched; the runner's request token is never printed.
    assert.ok(run.commands.some((c) => c.command === "add-mask" && c.data.split(".").length === 3));
    checkNoLeaks("oidc", run, [s.value], [requestToken]);
  });

  void test("OIDC without the id-token permission fails before any request, saying what to add", async () => {
    const s = oneSecret();
    emulator().clearRequests();
    const run = await runActionStep({
      with: {
        ...s.inputs,
        auth: "oidc",
        "client-id": randomUUID(),
        "tenant-id": emulator().tenantId,
      },
      env: { ...emulator().env(), ...s.env },
    });
    assert.equal(run.exitCode, 1, describeRun(run));
    assert.match(errorsOf(run), /id-token: write/);
    assert.deepEqual(emulator().requests, []);
    checkNoLeaks("oidc without permission", run, [s.value]);
  });

  void test("the bundle runs on Node 24, as runs.using: node24 asks (OIDC)", async () => {
    // scripts/node24.mjs fetches a Node 24 binary through npm once and caches it in .cache/.
    const { stdout } = await promisify(execFile)(process.execPath, ["scripts/node24.mjs"], {
      cwd: root,
    });
    const node = stdout.trim();
    const s = oneSecret();
    const run = await runActionStep({
      node,
      with: { ...s.inputs, "client-id": randomUUID(), "tenant-id": emulator().tenantId },
      env: {
        ...emulator().env(),
        ...s.env,
        ACTIONS_ID_TOKEN_REQUEST_URL: emulator().githubOidcUrl,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: secretValue("request-token"),
      },
    });
    assert.equal(run.exitCode, 0, describeRun(run));
    assert.equal(emulator().versions(`auth-${s.id}`).at(-1)?.value, s.value);
    checkNoLeaks("node24 oidc", run, [s.value]);
  });
});
