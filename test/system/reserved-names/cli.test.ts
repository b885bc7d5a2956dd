// The CLI's `get` as a user runs the bundle: its values go to `--out` / `--stdout` lines that a
// shell or a dotenv loader reads, so `*` needs `--output-prefix` (issue 18.2); the flags its
// messages name exist (`--output-prefix`, `--allow-reserved-names`); `SECRET_KEY` means
// nothing to a shell and is free; `--ignore-not-found` turns a missing secret into a warning.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { emulatorPerFile, emulatorSecretClient, unique } from "../../helpers/emulator.ts";
import { assertNoLeaks, secretValue } from "../../helpers/leaks.ts";
import { runCli } from "../../platforms/cli/cli-process.ts";

describe("aml-secrets get: names from the vault, and the flags its messages name", () => {
  const emulator = emulatorPerFile();
  const base = (): string[] => [
    "get",
    "--vault-url",
    emulator().vaultUrl,
    "--auth",
    "managed-identity",
  ];

  void test("`*` with --out needs --output-prefix (exit 2, nothing sent); with it every line is KV_", async () => {
    const id = unique();
    const value = secretValue("cli");
    await (await emulatorSecretClient(emulator())).setSecret(`makeflags-${id}`, value);
    const out = path.join(mkdtempSync(path.join(tmpdir(), "aml-names-")), "values.env");
    const before = emulator().requests.length;
    const refused = await runCli([...base(), "--secrets", "*", "--out", out], emulator().env());
    assert.equal(refused.code, 2, refused.stderr);
    assert.deepEqual(emulator().requests.slice(before), [], "no request of any kind");
    assert.match(
      refused.stderr,
      /secrets line 1: `\*` would let whoever can write to the vault choose variable names \(each value is a line of --out or --stdout\): give --output-prefix/,
    );

    const prefixed = await runCli(
      [...base(), "--secrets", "*", "--output-prefix", "KV_", "--out", out],
      emulator().env(),
    );
    assert.equal(prefixed.code, 0, prefixed.stderr);
    const lines = readFileSync(out, "utf8").split("\n").filter(Boolean);
    assert.ok(lines.length > 0);
    for (const line of lines) assert.match(line, /^KV_/);
    assert.ok(lines.includes(`KV_MAKEFLAGS_${id.toUpperCase()}='${value}'`));
    assertNoLeaks({ stdout: prefixed.stdout, stderr: prefixed.stderr }, [value], "none");
  });

  void test("SECRET_KEY is free on the CLI; PATH needs --allow-reserved-names, which exists", async () => {
    const id = unique();
    const value = secretValue("django");
    await (await emulatorSecretClient(emulator())).setSecret(`django-${id}`, value);
    const secretKey = await runCli(
      [...base(), "--secrets", `django-${id}: SECRET_KEY`, "--stdout"],
      emulator().env(),
    );
    assert.equal(secretKey.code, 0, secretKey.stderr);
    assert.equal(secretKey.stdout, `SECRET_KEY='${value}'\n`);

    const path1 = await runCli(
      [...base(), "--secrets", `django-${id}: PATH`, "--stdout"],
      emulator().env(),
    );
    assert.equal(path1.code, 2, path1.stderr);
    assert.match(path1.stderr, /set --allow-reserved-names to true if you mean it/);
    const allowed = await runCli(
      [...base(), "--secrets", `django-${id}: PATH`, "--allow-reserved-names", "--stdout"],
      emulator().env(),
    );
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.equal(allowed.stdout, `PATH='${value}'\n`);
  });

  void test("--ignore-not-found: a missing secret is a warning and a skipped row; without it, a failure", async () => {
    const id = unique();
    const value = secretValue("present");
    await (await emulatorSecretClient(emulator())).setSecret(`present-${id}`, value);
    const secrets = `missing-${id}: MISSING\npresent-${id}: PRESENT`;
    const failed = await runCli([...base(), "--secrets", secrets, "--stdout"], emulator().env());
    assert.equal(failed.code, 1, failed.stderr);
    assert.match(failed.stderr, new RegExp(`secret missing-${id} was not found in the vault`));

    const ignored = await runCli(
      [...base(), "--secrets", secrets, "--ignore-not-found", "--stdout"],
      emulator().env(),
    );
    assert.equal(ignored.code, 0, ignored.stderr);
    assert.equal(ignored.stdout, `PRESENT='${value}'\n`);
    assert.match(
      ignored.stderr,
      new RegExp(
        `warning: secret missing-${id} was not found in the vault; output MISSING is not set \\(--ignore-not-found\\)`,
      ),
    );
    assert.match(ignored.stderr, /MISSING\s+skipped/);
  });
});
