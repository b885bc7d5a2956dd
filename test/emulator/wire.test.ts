// The raw wire shapes, with plain HTTPS requests: the challenge, error bodies, api-version
// handling (also as api%2Dversion), the latest-version path, paging with nextLink, and ARM.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Emulator } from "../../src/emulator/index.ts";
import { startEmulator } from "../../src/emulator/index.ts";
import { uniqueName } from "../helpers/emulator.ts";
import { assertNoLeaks, recordScenario, secretValue } from "../helpers/leaks.ts";
import { auth, miToken, send, type Answer } from "./wire-client.ts";

let emu: Emulator;
let vaultToken: string;
let armToken: string;
const values: string[] = [];

before(async () => {
  emu = await startEmulator();
  vaultToken = await miToken(emu, "https://vault.azure.net");
  armToken = await miToken(emu, "https://management.azure.com/");
});
after(async () => {
  await emu.stop();
  assertNoLeaks({ logs: emu.logs.join("\n") }, values, "none");
  recordScenario("emulator wire", { logs: emu.logs.join("\n") }, values, "none");
});

test("the bodiless unauthenticated request gets the 401 challenge naming tenant and resource", async () => {
  const answer = await send(`${emu.vaultUrl}/secrets/x?api-version=7.6`, { method: "PUT" });
  assert.equal(answer.status, 401);
  assert.equal(
    answer.headers["www-authenticate"],
    `Bearer authorization="${emu.authorityHost}/${emu.tenantId}", resource="https://vault.azure.net"`,
  );
  assert.deepEqual(answer.json, {
    error: { code: "Unauthorized", message: "AKV10000: Request is missing a Bearer or PoP token." },
  });
  assert.equal(emu.requests.at(-1)?.kind, "challenge");
});

test("a token for another audience, or not issued by the emulator, is 401 Unauthorized", async () => {
  for (const token of [armToken, `${vaultToken.slice(0, -4)}AAAA`]) {
    const answer = await send(`${emu.vaultUrl}/secrets?api-version=7.6`, { headers: auth(token) });
    assert.equal(answer.status, 401);
    assert.equal((answer.json.error as { code: string }).code, "Unauthorized");
  }
  const mi = await send(`${emu.identityEndpoint}?api-version=2019-08-01&resource=x`, {
    headers: { "X-IDENTITY-HEADER": "wrong" },
  });
  assert.equal(mi.status, 401);
});

test("api-version: every one the SDKs send, also as api%2Dversion; unknown or missing is 400 BadParameter", async () => {
  const sent = ["2016-10-01", "7.0", "7.1", "7.2", "7.3", "7.4", "7.4-preview.1", "7.5"];
  for (const v of [...sent, "7.6-preview.2", "7.6", "2025-07-01", "2026-04-01"]) {
    const answer = await send(`${emu.vaultUrl}/secrets?api%2Dversion=${v}`, {
      headers: auth(vaultToken),
    });
    assert.equal(answer.status, 200, v);
    assert.equal(emu.requests.at(-1)?.apiVersion, v);
  }
  for (const query of ["?api-version=7.9", "?api-version=2016-10-01-bogus", ""]) {
    const answer = await send(`${emu.vaultUrl}/secrets${query}`, { headers: auth(vaultToken) });
    assert.equal(answer.status, 400, query);
    assert.equal((answer.json.error as { code: string }).code, "BadParameter");
  }
});

test("set and GET /secrets/{name}/ for the latest; error bodies have Key Vault's shape", async () => {
  const name = uniqueName("wire");
  const value = secretValue();
  values.push(value);
  const put = await send(`${emu.vaultUrl}/secrets/${name}?api-version=7.6`, {
    method: "PUT",
    headers: { ...auth(vaultToken), "content-type": "application/json" },
    body: JSON.stringify({ value, attributes: { enabled: true } }),
  });
  assert.equal(put.status, 200);
  const attrs = put.json.attributes as Record<string, unknown>;
  assert.equal(typeof attrs.created, "number");
  assert.ok(
    Number.isInteger(attrs.created) && (attrs.created as number) < 1e11,
    "attributes are Unix seconds",
  );
  assert.equal(attrs.recoveryLevel, "Recoverable+Purgeable");
  const latest = await send(`${emu.vaultUrl}/secrets/${name}/?api-version=7.6`, {
    headers: auth(vaultToken),
  });
  assert.equal(latest.json.value, value);
  assert.equal(latest.json.id, put.json.id);

  const missing = await send(`${emu.vaultUrl}/secrets/${name}-none/?api-version=7.6`, {
    headers: auth(vaultToken),
  });
  assert.equal(missing.status, 404);
  assert.deepEqual(Object.keys(missing.json), ["error"]);
  assert.equal((missing.json.error as { code: string }).code, "SecretNotFound");

  emu.softDelete(name);
  const conflict = await send(`${emu.vaultUrl}/secrets/${name}?api-version=7.6`, {
    method: "PUT",
    headers: auth(vaultToken),
    body: JSON.stringify({ value }),
  });
  assert.equal(conflict.status, 409);
  const error = conflict.json.error as {
    code: string;
    message: string;
    innererror: { code: string };
  };
  assert.equal(error.code, "Conflict");
  assert.deepEqual(error.innererror, { code: "ObjectIsDeletedButRecoverable" });
  assert.ok(!conflict.text.includes(value));

  const disabled = uniqueName("off");
  emu.seed(disabled, value, { enabled: false });
  const forbidden = await send(`${emu.vaultUrl}/secrets/${disabled}/?api-version=7.6`, {
    headers: auth(vaultToken),
  });
  assert.equal(forbidden.status, 403);
  assert.deepEqual((forbidden.json.error as { innererror: unknown }).innererror, {
    code: "SecretDisabled",
  });
});

test("a throttled answer: 429, code Throttled, Retry-After in whole seconds", async () => {
  emu.setFaults({ throttleRate: 1, retryAfter: "always" });
  try {
    const answer = await send(`${emu.vaultUrl}/secrets?api-version=7.6`, {
      headers: auth(vaultToken),
    });
    assert.equal(answer.status, 429);
    assert.equal((answer.json.error as { code: string }).code, "Throttled");
    assert.match(String(answer.headers["retry-after"]), /^\d+$/);
  } finally {
    emu.setFaults({ throttleRate: 0 });
  }
});

test("listing: 25 per page, nextLink carries the api-version, maxresults above 25 is 400", async () => {
  const prefix = uniqueName("page");
  for (let i = 0; i < 30; i++) emu.seed(`${prefix}-${String(i).padStart(2, "0")}`, "x");
  const ids: string[] = [];
  let url: string | null = `${emu.vaultUrl}/secrets?api-version=7.5`;
  let pages = 0;
  while (url) {
    const page: Answer = await send(url, { headers: auth(vaultToken) });
    assert.equal(page.status, 200);
    const items = page.json.value as { id: string }[];
    assert.ok(items.length <= 25);
    ids.push(...items.map((i) => i.id));
    url = page.json.nextLink as string | null;
    if (url)
      assert.match(url, /^https:\/\/127\.0\.0\.1:\d+\/secrets\?api-version=7\.5&\$skiptoken=/);
    pages++;
  }
  assert.ok(pages >= 2);
  assert.equal(ids.filter((id) => id.includes(prefix)).length, 30);
  const tooMany = await send(`${emu.vaultUrl}/secrets?api-version=7.6&maxresults=26`, {
    headers: auth(vaultToken),
  });
  assert.equal(tooMany.status, 400);
});

test("ARM: workspace -> keyVault id -> vaultUri; subscriptions; 404s and 403", async () => {
  const sub = "00000000-0000-0000-0000-00000000a001";
  emu.addSubscription(sub);
  emu.addWorkspace({ subscriptionId: sub, resourceGroup: "rg-ml", name: "ws1", vaultName: "kv1" });
  const q = "?api-version=2024-10-01";
  const ws = await send(
    `${emu.armUrl}/subscriptions/${sub}/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/ws1${q}`,
    { headers: auth(armToken) },
  );
  assert.equal(ws.status, 200);
  const keyVault = (ws.json.properties as { keyVault: string }).keyVault;
  assert.equal(
    keyVault,
    `/subscriptions/${sub}/resourceGroups/rg-ml/providers/Microsoft.KeyVault/vaults/kv1`,
  );
  const vault = await send(`${emu.armUrl}${keyVault}?api-version=2026-02-01`, {
    headers: auth(armToken),
  });
  assert.equal((vault.json.properties as { vaultUri: string }).vaultUri, `${emu.vaultUrl}/`);
  const subs = await send(`${emu.armUrl}/subscriptions?api-version=2022-12-01`, {
    headers: auth(armToken),
  });
  assert.deepEqual(
    (subs.json.value as { subscriptionId: string }[]).map((s) => s.subscriptionId),
    [sub],
  );

  const base = `${emu.armUrl}/subscriptions/${sub}/resourceGroups`;
  const wsPath = "providers/Microsoft.MachineLearningServices/workspaces";
  const noGroup = await send(`${base}/rg-none/${wsPath}/ws1${q}`, { headers: auth(armToken) });
  assert.equal(noGroup.status, 404);
  assert.equal((noGroup.json.error as { code: string }).code, "ResourceGroupNotFound");
  const noWs = await send(`${base}/rg-ml/${wsPath}/ws-none${q}`, { headers: auth(armToken) });
  assert.equal((noWs.json.error as { code: string }).code, "ResourceNotFound");
  emu.setFaults({ armForbidden: ["WS1"] });
  const denied = await send(`${base}/rg-ml/${wsPath}/ws1${q}`, { headers: auth(armToken) });
  emu.setFaults({ armForbidden: [] });
  assert.equal(denied.status, 403);
  assert.equal((denied.json.error as { code: string }).code, "AuthorizationFailed");
  const anonymous = await send(`${base}/rg-ml/${wsPath}/ws1${q}`);
  assert.equal(anonymous.status, 401);
  const vaultTokenAtArm = await send(`${base}/rg-ml/${wsPath}/ws1${q}`, {
    headers: auth(vaultToken),
  });
  assert.equal(vaultTokenAtArm.status, 401);
});

test("restoring bytes that are no backup is 400 'Malformed backup blob', as Key Vault answers", async () => {
  const answer = await send(`${emu.vaultUrl}/secrets/restore?api-version=7.6`, {
    method: "POST",
    headers: { ...auth(vaultToken), "content-type": "application/json" },
    body: JSON.stringify({ value: Buffer.alloc(4096).toString("base64url") }),
  });
  assert.equal(answer.status, 400);
  // The body the Azure SDK for JavaScript recorded from Key Vault (api-version 7.3).
  assert.deepEqual(answer.json, {
    error: {
      code: "Malformed backup blob",
      message: "Backup blob contains invalid or corrupt version.",
    },
  });
});

test("2025-07-01's previousVersion: a certificate-backed secret names the version before it", async () => {
  const name = uniqueName("cert");
  const first = emu.seed(name, "pem-1", { managed: true });
  const second = emu.seed(name, "pem-2", { managed: true });
  const latest = await send(`${emu.vaultUrl}/secrets/${name}?api-version=2025-07-01`, {
    headers: auth(vaultToken),
  });
  assert.equal(latest.json.previousVersion, first);
  assert.equal(latest.json.id, `${emu.vaultUrl}/secrets/${name}/${second}`);
  const oldest = await send(`${emu.vaultUrl}/secrets/${name}/${first}?api-version=2025-07-01`, {
    headers: auth(vaultToken),
  });
  assert.equal(oldest.json.previousVersion, undefined);
});
