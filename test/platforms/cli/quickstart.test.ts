import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { assertNoLeaks, recordScenario, secretValue } from "../../helpers/leaks.ts";

const script = path.resolve(import.meta.dirname, "..", "..", "..", "scripts", "quickstart.mjs");

function quickstart(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], {
      env: { PATH: process.env.PATH, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (output += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (output += c));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

test("npm start: the table, then on a second run every secret unchanged with zero writes", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "aml-quickstart-"));
  try {
    // The sample secrets come from the environment when set there: here, with canaries.
    const values = {
      QUICKSTART_DB_PASSWORD: secretValue("db"),
      QUICKSTART_STORAGE_KEY: secretValue("storage"),
      QUICKSTART_API_TOKEN: secretValue("api"),
      QUICKSTART_TLS_KEY: `-----BEGIN PRIVATE KEY-----\n${secretValue("tls")}\n-----END PRIVATE KEY-----\n`,
    };
    const env = { AML_QUICKSTART_DIR: dir, ...values };
    const first = await quickstart(env);
    assertNoLeaks({ first: first.output }, Object.values(values), "none");
    recordScenario("quickstart-first", { first: first.output }, Object.values(values), "none");
    assert.equal(first.code, 0, first.output);
    assert.match(first.output, /db-password\s+QUICKSTART_DB_PASSWORD\s+created/);
    assert.match(first.output, /4 secrets, 4 changed, 0 failed/);
    assert.match(first.output, /The emulator saw 4 secret writes/);

    const second = await quickstart(env);
    assertNoLeaks({ second: second.output }, Object.values(values), "none");
    recordScenario("quickstart-second", { second: second.output }, Object.values(values), "none");
    assert.equal(second.code, 0, second.output);
    for (const name of ["db-password", "storage-key", "api-token", "tls-key"]) {
      assert.match(second.output, new RegExp(`${name}\\s+QUICKSTART_\\w+\\s+unchanged`));
    }
    assert.match(second.output, /4 secrets, 0 changed, 0 failed/);
    assert.match(second.output, /The emulator saw 0 secret writes/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
