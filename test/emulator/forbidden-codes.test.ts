// Key Vault's 403 refusals on request (`--forbid CODE[:PATTERN]`, `faults.forbid`), as the real
// SecretClient surfaces them: status 403, code Forbidden, the inner code, and the service's
// wording (firewall, RBAC, access policy, a vault policy).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { RestError } from "@azure/core-rest-pipeline";
import type { SecretClient } from "@azure/keyvault-secrets";
import type { Emulator } from "../../src/emulator/index.ts";
import { startEmulator } from "../../src/emulator/index.ts";
import { parseCommand } from "../../src/emulator/main.ts";
import { emulatorSecretClient, uniqueName } from "../helpers/emulator.ts";
import { auth, errorOf, miToken, send } from "./wire-client.ts";
import { assertNoLeaks, recordScenario, secretValue } from "../helpers/leaks.ts";

let emu: Emulator;
let client: SecretClient;
const values: string[] = [];

before(async () => {
  emu = await startEmulator();
  client = await emulatorSecretClient(emu);
});
after(async () => {
  await emu.stop();
  assertNoLeaks({ logs: emu.logs.join("\n") }, values, "none");
  recordScenario("emulator forbidden codes", { logs: emu.logs.join("\n") }, values, "none");
});

function value(): string {
  const v = secretValue();
  values.push(v);
  return v;
}

/** The RestError a call fails with, and the inner code of its body. */
async function refusal(call: () => Promise<unknown>): Promise<{ e: RestError; inner: unknown }> {
  try {
    await call();
  } catch (e: unknown) {
    assert.ok(e instanceof RestError, `expected a RestError, got ${String(e)}`);
    // The SDK deserializes the body into `details` (the inner error as `innerError`); a paged
    // listing keeps only the status, the code and the message.
    const body = (e.details ?? {}) as { error?: { code?: string; innerError?: { code?: string } } };
    assert.equal(e.code, "Forbidden");
    return { e, inner: body.error?.innerError?.code };
  }
  assert.fail("the call succeeded");
}

test("ForbiddenByFirewall refuses every vault request, listings included, in the service's words", async () => {
  emu.setFaults({ forbid: [{ code: "ForbiddenByFirewall" }] });
  try {
    const { e, inner } = await refusal(() => client.getSecret(uniqueName("any")));
    assert.equal(e.statusCode, 403);
    assert.equal(inner, "ForbiddenByFirewall");
    // The SDK's pager keeps only the status of a refused page: the wire shows the body.
    const listing = await refusal(() => client.listPropertiesOfSecrets().next());
    assert.equal(listing.e.statusCode, 403);
    const token = await miToken(emu, "https://vault.azure.net");
    const page = await send(`${emu.vaultUrl}/secrets?api-version=7.6`, { headers: auth(token) });
    assert.equal(page.status, 403);
    assert.deepEqual(errorOf(page), {
      code: "Forbidden",
      message: e.message,
      innererror: { code: "ForbiddenByFirewall" },
    });
    assert.match(
      e.message,
      /^Client address is not authorized and caller is not a trusted service\.\r\nClient address: 127\.0\.0\.1\r\nCaller: appid=[^;]+;oid=[^;]+;iss=https:\/\/sts\.windows\.net\/[0-9a-f-]+\/\r\nVault: emulator;location=local$/,
    );
  } finally {
    emu.setFaults({ forbid: [] });
  }
});

test("ForbiddenByRbac on a name pattern names the data action and the resource; other names pass", async () => {
  const locked = uniqueName("locked");
  emu.setFaults({ forbid: [{ code: "ForbiddenByRbac", names: "LOCKED-*" }] });
  try {
    const get = await refusal(() => client.getSecret(locked));
    assert.equal(get.e.statusCode, 403);
    assert.equal(get.inner, "ForbiddenByRbac");
    assert.match(
      get.e.message,
      /^Caller is not authorized to perform action on resource\.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time\.\r\n/,
    );
    assert.ok(
      get.e.message.includes("Action: 'Microsoft.KeyVault/vaults/secrets/getSecret/action'"),
    );
    assert.ok(get.e.message.includes(`/vaults/emulator/secrets/${locked}'`), get.e.message);
    const set = await refusal(() => client.setSecret(locked, value()));
    assert.ok(
      set.e.message.includes("Action: 'Microsoft.KeyVault/vaults/secrets/setSecret/action'"),
    );
    const free = uniqueName("free");
    await client.setSecret(free, value());
    assert.equal(emu.versions(free).length, 1);
    assert.equal(emu.versions(locked).length, 0);
    assert.ok(emu.logs.some((l) => l.includes("fault=forbidden-ForbiddenByRbac")));
  } finally {
    emu.setFaults({ forbid: [] });
  }
});

test("AccessDenied (an access-policy vault) and ForbiddenByPolicy carry the service's sentences", async () => {
  const name = uniqueName("policy");
  emu.setFaults({ forbid: [{ code: "AccessDenied", names: name }] });
  try {
    const { e, inner } = await refusal(() => client.getSecret(name));
    assert.equal(inner, "AccessDenied");
    assert.match(
      e.message,
      /^The user, group or application 'appid=[^']+' does not have secrets get permission on key vault 'emulator;location=local'\. For help resolving this issue, please see https:\/\/go\.microsoft\.com\/fwlink\/\?linkid=2125287$/,
    );
    const token = await miToken(emu, "https://vault.azure.net");
    const versions = await send(`${emu.vaultUrl}/secrets/${name}/versions?api-version=7.6`, {
      headers: auth(token),
    });
    assert.match(String(errorOf(versions).message), /does not have secrets list permission/);
    emu.setFaults({ forbid: [{ code: "ForbiddenByPolicy" }] });
    const policy = await refusal(() => client.getSecret(name));
    assert.equal(policy.inner, "ForbiddenByPolicy");
    assert.match(
      policy.e.message,
      /^The policy requires the caller 'appid=[^']+' to use on-behalf-of \(OBO\) flow\./,
    );
  } finally {
    emu.setFaults({ forbid: [] });
  }
});

test("--forbid CODE[:PATTERN] is parsed into faults.forbid; an unknown code is refused", () => {
  const { options } = parseCommand([
    "--forbid",
    "ForbiddenByFirewall",
    "--forbid",
    "ForbiddenByRbac:db-*",
  ]);
  assert.deepEqual(options.faults?.forbid, [
    { code: "ForbiddenByFirewall" },
    { code: "ForbiddenByRbac", names: "db-*" },
  ]);
  assert.throws(() => parseCommand(["--forbid", "Forbidden"]), /CODE one of ForbiddenByFirewall/);
  assert.throws(() => parseCommand(["--forbid", "ForbiddenByRbac:"]), /--forbid must be/);
});
