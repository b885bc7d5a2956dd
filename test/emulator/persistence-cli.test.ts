// Persistence across a restart, and the `aml-secrets emulator` command: it prints the URLs and
// the environment lines, serves the real SDK with only those, and stops on SIGTERM.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { ClientSecretCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import { startEmulator } from "../../src/emulator/index.ts";
import { main } from "../../src/emulator/main.ts";
import { emulatorSecretClient, uniqueName } from "../helpers/emulator.ts";
import { assertNoLeaks, recordScenario, secretValue } from "../helpers/leaks.ts";

const tmp = mkdtempSync(path.join(os.tmpdir(), "aml-emu-data-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

test("the vault persists to its data file across a restart", async () => {
  const dataFile = path.join(tmp, "vault.json");
  const kept = uniqueName("kept");
  const gone = uniqueName("gone");
  const [v1, v2, v3] = [secretValue("v1"), secretValue("v2"), secretValue("v3")];
  const first = await startEmulator({ dataFile });
  const logs: string[] = [];
  try {
    const client = await emulatorSecretClient(first);
    await client.setSecret(kept, v1, { tags: { a: "b" } });
    await client.setSecret(kept, v2);
    await client.setSecret(gone, v3);
    await (await client.beginDeleteSecret(gone, { intervalInMs: 10 })).pollUntilDone();
  } finally {
    await first.stop();
    logs.push(...first.logs);
  }
  assert.equal(statSync(dataFile).mode & 0o777, 0o600);
  const second = await startEmulator({ dataFile });
  try {
    const client = await emulatorSecretClient(second);
    assert.equal((await client.getSecret(kept)).value, v2);
    assert.deepEqual(
      second.versions(kept).map((v) => v.value),
      [v1, v2],
    );
    assert.deepEqual(second.versions(kept)[0]?.tags, { a: "b" });
    assert.ok(second.isDeleted(gone));
    assert.equal((await client.getDeletedSecret(gone)).name, gone);
  } finally {
    await second.stop();
    logs.push(...second.logs);
  }
  assertNoLeaks({ logs: logs.join("\n") }, [v1, v2, v3], "none");
  recordScenario("emulator persistence", { logs: logs.join("\n") }, [v1, v2, v3], "none");
});

test("emulator --help prints the usage; a bad flag exits 2", async () => {
  const written: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  const capture = (chunk: string | Uint8Array): boolean => written.push(String(chunk)) > 0;
  process.stdout.write = capture;
  process.stderr.write = capture;
  try {
    assert.equal(await main(["--help"]), 0);
    assert.equal(await main(["--drop-rate", "2"]), 2);
    assert.equal(await main(["--bogus"]), 2);
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeErr;
  }
  assert.match(written.join(""), /Usage: aml-secrets emulator/);
  assert.match(written.join(""), /--drop-rate must be a number from 0 to 1/);
});

test("emulator command: prints the environment, serves the SDK with only that, stops on SIGTERM", async () => {
  const dataFile = path.join(tmp, "cli.json");
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "src/emulator/main.ts",
      "--data",
      dataFile,
      "--workspace",
      "sub-1/rg-1/ws-1/kv-1",
      "--latency",
      "1",
    ],
    { cwd: path.resolve(import.meta.dirname, "../.."), stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  child.stdout.on("data", (c: Buffer) => (out += c.toString("utf8")));
  let err = "";
  child.stderr.on("data", (c: Buffer) => (err += c.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  try {
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (out.includes("Press Ctrl+C")) resolve();
      };
      child.stdout.on("data", check);
      void exited.then(() => reject(new Error(`the emulator exited early: ${err}`)));
    });
    const env: Record<string, string> = Object.fromEntries(
      [
        ...out.matchAll(
          /^export (NODE_EXTRA_CA_CERTS|IDENTITY_ENDPOINT|IDENTITY_HEADER|AZURE_AUTHORITY_HOST)='([^']*)'$/gm,
        ),
      ].map((m) => [m[1] ?? "", m[2] ?? ""]),
    );
    assert.deepEqual(Object.keys(env).sort(), [
      "AZURE_AUTHORITY_HOST",
      "IDENTITY_ENDPOINT",
      "IDENTITY_HEADER",
      "NODE_EXTRA_CA_CERTS",
    ]);
    assert.equal(env.NODE_EXTRA_CA_CERTS, process.env.NODE_EXTRA_CA_CERTS);
    const vaultUrl = /^Key Vault emulator: (\S+)$/m.exec(out)?.[1] ?? "";
    assert.match(vaultUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.match(out, /^ARM endpoint: +https:\/\/127\.0\.0\.1:\d+$/m);
    const tenant = /^Tenant: +(\S+)$/m.exec(out)?.[1] ?? "";
    const credential = new ClientSecretCredential(tenant, "cli-test-client", "secret", {
      authorityHost: env.AZURE_AUTHORITY_HOST ?? "",
      disableInstanceDiscovery: true,
    });
    const client = new SecretClient(vaultUrl, credential, {
      disableChallengeResourceVerification: true,
    });
    const value = secretValue();
    const name = uniqueName("cli");
    await client.setSecret(name, value);
    assert.equal((await client.getSecret(name)).value, value);
    child.kill("SIGTERM");
    assert.equal(await exited, 0);
    assert.match(out, new RegExp(`PUT /secrets/${name} 200 secret-write`));
    assertNoLeaks({ stdout: out, stderr: err }, [value], "none");
    recordScenario("emulator command", { stdout: out, stderr: err }, [value], "none");
  } finally {
    child.kill("SIGKILL");
  }
});
