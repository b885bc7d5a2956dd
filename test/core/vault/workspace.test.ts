import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { clouds } from "../../../src/core/vault/clouds.ts";
import { ValidationError, VaultError } from "../../../src/core/errors.ts";
import type { Connection } from "../../../src/core/platform.ts";
import { createSecretClient } from "../../../src/core/vault/client.ts";
import { resolveWorkspaceVault } from "../../../src/core/vault/workspace.ts";
import { startEmulator, type Emulator } from "../../../src/emulator/index.ts";
import { emulatorManagedIdentity, uniqueName, withEmulator } from "../../helpers/emulator.ts";
import { assertNoLeaks, recordScenario, secretValue } from "../../helpers/leaks.ts";
import { startArmFront } from "./arm-front.ts";

let emu: Emulator;
let connection: Connection;
const subscription = randomUUID();
const resourceGroup = uniqueName("rg-ml");
const workspace = uniqueName("ws");

before(async () => {
  emu = await startEmulator();
  emu.addWorkspace({
    subscriptionId: subscription,
    resourceGroup,
    name: workspace,
    vaultName: uniqueName("kv"),
  });
  connection = {
    credential: await emulatorManagedIdentity(),
    cloud: clouds.AzureCloud ?? assert.fail("no AzureCloud"),
    describe: "managed identity (emulator)",
    hint: "grant the managed identity a role on the workspace",
  };
});
after(async () => {
  await emu.stop();
});

/** What the resolution threw, for assertions on its message. */
async function failure(promise: Promise<unknown>): Promise<VaultError> {
  const error = await promise.then(
    () => assert.fail("expected the resolution to fail"),
    (e: unknown) => e,
  );
  assert.ok(error instanceof VaultError, `a VaultError, not ${String(error)}`);
  return error;
}

test("an explicit subscription wins over the connection's; the vault URL found reads the vault", async () => {
  const vaultUrl = await resolveWorkspaceVault(
    { name: workspace, resourceGroup, subscriptionId: subscription },
    { ...connection, subscriptionId: randomUUID() },
    emu.armUrl,
  );
  assert.equal(vaultUrl, `${emu.vaultUrl}/`);
  // The URL is the one a SecretClient needs: a secret seeded in the emulator reads back through it.
  const name = uniqueName("aml");
  const value = secretValue("aml");
  emu.seed(name, value);
  const secret = await createSecretClient(vaultUrl, connection.credential).getSecret(name);
  assert.equal(secret.value, value);
  const armRequests = emu.requests.filter((r) => r.kind === "arm");
  assert.deepEqual(
    armRequests.map((r) => [r.method, r.status]),
    [
      ["GET", 200],
      ["GET", 200],
    ],
  );
  assert.match(armRequests[0]?.path ?? "", /Microsoft\.MachineLearningServices\/workspaces\//);
  assert.match(armRequests[1]?.path ?? "", /Microsoft\.KeyVault\/vaults\//);
  const texts = { vaultUrl, logs: emu.logs.join("\n") };
  assertNoLeaks(texts, [value], "none");
  recordScenario("workspace-explicit", texts, [value], "none");
});

test("without an explicit subscription, the connection's is used", async () => {
  const vaultUrl = await resolveWorkspaceVault(
    { name: workspace, resourceGroup },
    { ...connection, subscriptionId: subscription },
    emu.armUrl,
  );
  assert.equal(vaultUrl, `${emu.vaultUrl}/`);
});

test("names are matched as ARM matches them, without regard to case; a trailing slash on the ARM URL is fine", async () => {
  const vaultUrl = await resolveWorkspaceVault(
    {
      name: workspace.toUpperCase(),
      resourceGroup: resourceGroup.toUpperCase(),
      subscriptionId: subscription,
    },
    connection,
    `${emu.armUrl}/`,
  );
  assert.equal(vaultUrl, `${emu.vaultUrl}/`);
});

test("with no subscription given anywhere: the only one listed is used, none or several are an error naming the choice", async () => {
  await withEmulator(async (arm) => {
    const sub = randomUUID();
    const ws = uniqueName("ws");
    arm.addWorkspace({ subscriptionId: sub, resourceGroup: "rg", name: ws, vaultName: "kv" });
    const ref = { name: ws, resourceGroup: "rg" };

    const none = await failure(resolveWorkspaceVault(ref, connection, arm.armUrl));
    assert.match(
      none.message,
      /no subscription given and managed identity \(emulator\) can see none: give subscription-id/,
    );

    arm.addSubscription(sub);
    assert.equal(await resolveWorkspaceVault(ref, connection, arm.armUrl), `${arm.vaultUrl}/`);

    const other = randomUUID();
    arm.addSubscription(other);
    const several = await failure(resolveWorkspaceVault(ref, connection, arm.armUrl));
    assert.match(several.message, /can see 2: /);
    assert.ok(several.message.includes(sub) && several.message.includes(other), several.message);
    assert.match(several.message, /give subscription-id to choose/);
  });
});

/**
 * The api-versions that Azure serves after 2027-02-27, as the README lists them: Key Vault's
 * control plane retires every version before 2026-02-01 on that date.
 */
const servedAfterRetirement = [
  ["subscriptions", "2022-12-01"],
  ["Microsoft.MachineLearningServices/workspaces", "2024-04-01"],
  ["Microsoft.KeyVault/vaults", "2026-02-01"],
];

test("every ARM request of the look-up (subscriptions, workspace, vault) carries an api-version Azure serves after 2027-02-27", async () => {
  await withEmulator(async (arm) => {
    const sub = randomUUID();
    const ws = uniqueName("ws");
    arm.addWorkspace({ subscriptionId: sub, resourceGroup: "rg", name: ws, vaultName: "kv" });
    arm.addSubscription(sub);
    await resolveWorkspaceVault({ name: ws, resourceGroup: "rg" }, connection, arm.armUrl);
    const sent = arm.requests
      .filter((r) => r.kind === "arm")
      .map((r) => {
        const type = /providers\/([^/]+\/[^/]+)\//i.exec(r.path)?.[1] ?? "subscriptions";
        return [type, r.apiVersion];
      });
    assert.deepEqual(sent, servedAfterRetirement);
  });
});

test("a workspace that does not exist: 404 ResourceNotFound naming the workspace and what to check", async () => {
  const missing = uniqueName("no-such-ws");
  const error = await failure(
    resolveWorkspaceVault(
      { name: missing, resourceGroup, subscriptionId: subscription },
      connection,
      emu.armUrl,
    ),
  );
  assert.equal(error.status, 404);
  assert.equal(error.code, "ResourceNotFound");
  assert.ok(
    error.message.startsWith(
      `Azure ML workspace ${missing} (resource group ${resourceGroup}, subscription ${subscription}): ARM answered 404 ResourceNotFound`,
    ),
    error.message,
  );
  assert.match(error.message, /check workspace-name and resource-group/);
  recordScenario("workspace-404", { error: error.message }, [], "none");
});

test("a resource group that does not exist: 404 ResourceGroupNotFound pointing at resource-group", async () => {
  const rg = uniqueName("no-such-rg");
  const error = await failure(
    resolveWorkspaceVault(
      { name: workspace, resourceGroup: rg, subscriptionId: subscription },
      connection,
      emu.armUrl,
    ),
  );
  assert.equal(error.status, 404);
  assert.equal(error.code, "ResourceGroupNotFound");
  assert.match(
    error.message,
    new RegExp(`Azure ML workspace ${workspace} \\(resource group ${rg},`),
  );
  assert.match(error.message, /check resource-group: no resource group of that name/);
});

test("a subscription ARM does not know: 404 SubscriptionNotFound pointing at subscription-id", async () => {
  const sub = randomUUID();
  const error = await failure(
    resolveWorkspaceVault(
      { name: workspace, resourceGroup, subscriptionId: sub },
      connection,
      emu.armUrl,
    ),
  );
  assert.equal(error.code, "SubscriptionNotFound");
  assert.match(error.message, /check subscription-id/);
});

test("a workspace the identity may not read: 403 AuthorizationFailed naming the identity, the role and the hint", async () => {
  emu.setFaults({ armForbidden: [workspace] });
  try {
    const error = await failure(
      resolveWorkspaceVault(
        { name: workspace, resourceGroup, subscriptionId: subscription },
        connection,
        emu.armUrl,
      ),
    );
    assert.equal(error.status, 403);
    assert.equal(error.code, "AuthorizationFailed");
    assert.match(
      error.message,
      new RegExp(`^Azure ML workspace ${workspace} .*ARM answered 403 AuthorizationFailed`),
    );
    assert.match(
      error.message,
      /check that managed identity \(emulator\) has a role that can read the workspace/,
    );
    assert.match(error.message, /grant the managed identity a role on the workspace$/);
    recordScenario("workspace-403", { error: error.message }, [], "none");
  } finally {
    emu.setFaults({ armForbidden: [] });
  }
});

test("ARM's throttling, transient 5xx and dropped connections are retried a bounded number of times", async () => {
  const ref = { name: workspace, resourceGroup, subscriptionId: subscription };
  const flaky = await startArmFront(emu.armUrl, [
    { status: 429 },
    { status: 503, retryAfter: "0" },
    "drop",
  ]);
  try {
    assert.equal(
      await resolveWorkspaceVault(ref, connection, flaky.url, { retryDelayMs: 5 }),
      `${emu.vaultUrl}/`,
    );
    // Three refused tries of the workspace, its fourth, then the vault.
    assert.equal(flaky.seen, 5);
  } finally {
    await flaky.stop();
  }

  const down = await startArmFront(
    emu.armUrl,
    Array.from({ length: 10 }, () => ({ status: 500 })),
  );
  try {
    const error = await failure(
      resolveWorkspaceVault(ref, connection, down.url, { retryDelayMs: 5 }),
    );
    assert.equal(error.status, 500);
    // A 5xx shows its status and code, never its message (see service-error.ts).
    assert.match(error.message, /ARM answered 500 Injected500; retry later/);
    assert.doesNotMatch(error.message, /injected by the test/);
    assert.equal(down.seen, 4, "four tries, then the error");
  } finally {
    await down.stop();
  }

  // An answer that is not transient is reported at once.
  const refused = await startArmFront(emu.armUrl, [{ status: 400 }, { status: 400 }]);
  try {
    const error = await failure(
      resolveWorkspaceVault(ref, connection, refused.url, { retryDelayMs: 5 }),
    );
    assert.equal(error.status, 400);
    assert.equal(refused.seen, 1);
  } finally {
    await refused.stop();
  }
});

test("a resource-manager-url that is not https is refused before any request", async () => {
  const before = emu.requests.length;
  await assert.rejects(
    resolveWorkspaceVault(
      { name: workspace, resourceGroup, subscriptionId: subscription },
      connection,
      emu.armUrl.replace("https:", "http:"),
    ),
    (e: unknown) => e instanceof ValidationError && /must be an https URL/.test(e.message),
  );
  assert.equal(emu.requests.length, before);
});
