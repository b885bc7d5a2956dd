// The emulator's ARM refuses what ARM refuses: a missing api-version, an unknown one, and for
// Microsoft.KeyVault/vaults every version before 2026-02-01 (retired on 2027-02-27), with ARM's
// error bodies; and it serves the cloud metadata `az cloud register` reads.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Emulator } from "../../src/emulator/index.ts";
import { startEmulator } from "../../src/emulator/index.ts";
import { auth, errorOf, miToken, send } from "./wire-client.ts";

const sub = "00000000-0000-0000-0000-00000000b001";
const vaultPath = `/subscriptions/${sub}/resourceGroups/rg-ml/providers/Microsoft.KeyVault/vaults/kv1`;
const workspacePath = `/subscriptions/${sub}/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/ws1`;

let emu: Emulator;
let token: string;

before(async () => {
  emu = await startEmulator();
  emu.addWorkspace({ subscriptionId: sub, resourceGroup: "rg-ml", name: "ws1", vaultName: "kv1" });
  token = await miToken(emu, "https://management.azure.com/");
});
after(() => emu.stop());

const get = (path: string, version?: string): ReturnType<typeof send> =>
  send(`${emu.armUrl}${path}${version === undefined ? "" : `?api-version=${version}`}`, {
    headers: auth(token),
  });

test("Microsoft.KeyVault/vaults: 2026-02-01 and 2026-04-01-preview are served, every earlier one refused", async () => {
  for (const version of ["2026-02-01", "2026-04-01-preview"]) {
    const answer = await get(vaultPath, version);
    assert.equal(answer.status, 200, version);
    assert.equal((answer.json.properties as { vaultUri: string }).vaultUri, `${emu.vaultUrl}/`);
  }
  for (const version of ["2023-07-01", "2025-05-01", "2019-09-01", "2016-10-01"]) {
    const answer = await get(vaultPath, version);
    assert.equal(answer.status, 400, version);
    assert.deepEqual(answer.json, {
      error: {
        code: "NoRegisteredProviderFound",
        message: `No registered resource provider found for location 'westeurope' and API version '${version}' for type 'vaults'. The supported api-versions are '2026-02-01, 2026-04-01-preview'. The supported locations are 'westeurope'.`,
      },
    });
  }
});

test("the retired vault versions are served on request (as before 2027-02-27)", async () => {
  const before2027 = await startEmulator({ retiredVaultApiVersions: true });
  try {
    before2027.addWorkspace({
      subscriptionId: sub,
      resourceGroup: "rg-ml",
      name: "ws1",
      vaultName: "kv1",
    });
    const answer = await send(`${before2027.armUrl}${vaultPath}?api-version=2023-07-01`, {
      headers: auth(await miToken(before2027, "https://management.azure.com/")),
    });
    assert.equal(answer.status, 200);
  } finally {
    await before2027.stop();
  }
});

test("workspaces, subscriptions: an unknown api-version is refused, a missing one too", async () => {
  assert.equal((await get(workspacePath, "2024-04-01")).status, 200);
  const workspace = await get(workspacePath, "2024-13-01");
  assert.equal(workspace.status, 400);
  assert.equal(errorOf(workspace).code, "NoRegisteredProviderFound");
  assert.match(
    errorOf(workspace).message ?? "",
    /^No registered resource provider found for location 'westeurope' and API version '2024-13-01' for type 'workspaces'\. The supported api-versions are '2025-09-01, .*2024-04-01, .*'\. The supported locations are 'westeurope'\.$/,
  );
  for (const path of ["/subscriptions", `/subscriptions/${sub}`]) {
    assert.equal((await get(path, "2022-12-01")).status, 200, path);
    assert.equal(
      (await get(path, "2019-11-01")).status,
      200,
      `${path}: what the Azure CLI 2.45 sends`,
    );
    const unknown = await get(path, "2099-01-01");
    assert.equal(unknown.status, 400);
    assert.equal(errorOf(unknown).code, "InvalidApiVersionParameter");
    assert.match(
      errorOf(unknown).message ?? "",
      /^The api-version '2099-01-01' is invalid\. The supported versions are '2024-08-01,.*,2022-12-01,.*'\.$/,
    );
  }
  for (const path of [vaultPath, workspacePath, "/subscriptions", "/metadata/endpoints"]) {
    const missing = await get(path);
    assert.equal(missing.status, 400, path);
    assert.deepEqual(missing.json, {
      error: {
        code: "MissingApiVersionParameter",
        message: "The api-version query parameter (?api-version=) is required for all requests.",
      },
    });
  }
});

test("/metadata/endpoints: one cloud for 2015-01-01 (the Azure CLI 2.45), a list for 2019-05-01 and later, no token needed", async () => {
  const old = await send(`${emu.armUrl}/metadata/endpoints?api-version=2015-01-01`);
  assert.equal(old.status, 200);
  assert.deepEqual(old.json.authentication, {
    loginEndpoint: `${emu.authorityHost}/adfs`,
    audiences: ["https://management.core.windows.net/", "https://management.azure.com/"],
  });
  assert.equal(old.json.graphEndpoint, "https://graph.windows.net/");
  const list = await send(`${emu.armUrl}/metadata/endpoints?api-version=2022-09-01`);
  assert.equal(list.status, 200);
  const clouds = JSON.parse(list.text) as { resourceManager: string; name: string }[];
  assert.deepEqual(
    clouds.map((c) => [c.name, c.resourceManager]),
    [["AmlSecretsEmulator", `${emu.armUrl}/`]],
  );
  const bogus = await send(`${emu.armUrl}/metadata/endpoints?api-version=2015-01-02`);
  assert.equal(bogus.status, 400);
  assert.equal(errorOf(bogus).code, "InvalidApiVersionParameter");
});
