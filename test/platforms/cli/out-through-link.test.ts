// `aml-secrets get --out` never writes through a symbolic link in any folder of the path, nor
// into a folder anyone may write without the sticky bit: refused before any request, exit 2.
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { emulatorPerFile, uniqueName } from "../../helpers/emulator.ts";
import { assertNoLeaks, secretValue } from "../../helpers/leaks.ts";
import { runCli } from "./cli-process.ts";

const emulator = emulatorPerFile();
const dir = mkdtempSync(path.join(tmpdir(), "aml-cli-out-link-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("--out through a linked folder, or into an open folder, is refused before any request", async () => {
  const name = uniqueName("linked");
  const value = secretValue("linked");
  emulator().seed(name, value);
  const shared = path.join(dir, "shared");
  const elsewhere = path.join(dir, "elsewhere");
  mkdirSync(shared);
  mkdirSync(elsewhere);
  chmodSync(shared, 0o1777);
  symlinkSync(elsewhere, path.join(shared, "ci"));
  const open = path.join(dir, "open");
  mkdirSync(open);
  chmodSync(open, 0o777);
  const args = ["get", "--vault-url", emulator().vaultUrl, "--auth", "managed-identity"];
  for (const [out, why] of [
    [path.join(shared, "ci", "values.env"), /ci is a symbolic link.*real path/],
    [path.join(open, "values.env"), /may be written by anyone and has no sticky bit/],
  ] as const) {
    const run = await runCli([...args, "--secrets", name, "--out", out], emulator().env());
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, why);
    assert.match(run.stderr, /--out/);
    assertNoLeaks({ stdout: run.stdout, stderr: run.stderr }, [value], "none");
  }
  assert.deepEqual(readdirSync(elsewhere), []);
  assert.deepEqual(readdirSync(open), []);
  assert.deepEqual(emulator().requests, [], "nothing was sent");
});
