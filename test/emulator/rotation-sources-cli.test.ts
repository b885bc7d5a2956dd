// `aml-secrets emulator` takes the rotation sources on its command line: --storage-account
// SUB/RG/NAME and --application CLIENT_ID (both repeatable), lists them in --help, refuses a
// value of the wrong shape, and names the blob endpoints and the Graph URL in its banner.
import assert from "node:assert/strict";
import { test } from "node:test";
import { startEmulator } from "../../src/emulator/index.ts";
import { banner, parseCommand, usage } from "../../src/emulator/main.ts";

const appId = "55555555-6666-7777-8888-999999999999";

test("--help lists --storage-account and --application, and says --data does not keep them", () => {
  assert.match(usage, /--storage-account SUB\/RG\/NAME/);
  assert.match(usage, /--application CLIENT_ID/);
  assert.match(usage, /not saved by --data/);
});

test("the flags are parsed into EmulatorOptions, repeatable", () => {
  const command = parseCommand([
    "--storage-account",
    "sub-1/rg-a/amlaccount1",
    "--storage-account",
    "sub-2/rg-b/amlaccount2",
    "--application",
    appId,
    "--quiet",
  ]);
  assert.deepEqual(command.options.storageAccounts, [
    { subscriptionId: "sub-1", resourceGroup: "rg-a", name: "amlaccount1" },
    { subscriptionId: "sub-2", resourceGroup: "rg-b", name: "amlaccount2" },
  ]);
  assert.deepEqual(command.options.applications, [appId]);
});

test("a value of the wrong shape is refused", () => {
  for (const bad of ["sub/rg", "sub/rg/name/extra", "sub/rg/Upper_Case", "sub/rg/ab"]) {
    assert.throws(() => parseCommand(["--storage-account", bad]), /--storage-account/, bad);
  }
  assert.throws(() => parseCommand(["--application", "not-a-guid"]), /--application/);
});

test("the banner names each account's blob endpoint and the Graph URL", async () => {
  const { options } = parseCommand([
    "--storage-account",
    "sub-1/rg-a/amlbanner1",
    "--application",
    appId,
    "--quiet",
  ]);
  const emu = await startEmulator(options);
  try {
    const text = banner(emu, [], false, options.storageAccounts, options.applications);
    assert.ok(text.includes(`sub-1/rg-a/amlbanner1 -> blob ${emu.vaultUrl}/blob/amlbanner1/`));
    assert.ok(text.includes(`Microsoft Graph:    ${emu.vaultUrl}/graph`));
    assert.ok(text.includes(`Application:        ${appId}`));
  } finally {
    await emu.stop();
  }
});
