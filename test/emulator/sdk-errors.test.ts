// Each Key Vault error as the real SDK surfaces it (RestError.code, statusCode, the inner code),
// and the injected faults: quota with and without Retry-After, transient 409s, 403, 5xx, drops.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { AccessToken, TokenCredential } from "@azure/core-auth";
import { RestError } from "@azure/core-rest-pipeline";
import { SecretClient } from "@azure/keyvault-secrets";
import type { Emulator } from "../../src/emulator/index.ts";
import { maxValueBytes, startEmulator } from "../../src/emulator/index.ts";
import { emulatorSecretClient, uniqueName } from "../helpers/emulator.ts";
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
  recordScenario("emulator sdk errors", { logs: emu.logs.join("\n") }, values, "none");
});

function value(): string {
  const v = secretValue();
  values.push(v);
  return v;
}

/** The RestError a call fails with. */
async function failure(call: () => Promise<unknown>): Promise<RestError> {
  try {
    await call();
  } catch (e: unknown) {
    assert.ok(e instanceof RestError, `expected a RestError, got ${String(e)}`);
    return e;
  }
  assert.fail("the call succeeded");
}

// The SDK (4.11, through @typespec/ts-http-runtime) keeps only the outer code: Key Vault's inner
// code reaches a caller through the message alone (the raw bodies are checked in wire.test.ts).
test("404 SecretNotFound for an unknown name and an unknown version", async () => {
  const e = await failure(() => client.getSecret(uniqueName("none")));
  assert.equal(e.statusCode, 404);
  assert.equal(e.code, "SecretNotFound");
  const name = uniqueName("known");
  await client.setSecret(name, value());
  const v = await failure(() => client.getSecret(name, { version: "0".repeat(32) }));
  assert.equal(v.code, "SecretNotFound");
});

test("409 Conflict ObjectIsDeletedButRecoverable when setting a soft-deleted name", async () => {
  const name = uniqueName("gone");
  emu.seed(name, value());
  emu.softDelete(name);
  const e = await failure(() => client.setSecret(name, value()));
  assert.equal(e.statusCode, 409);
  assert.equal(e.code, "Conflict");
  assert.match(e.message, /deleted but recoverable state/);
});

test("403 Forbidden SecretDisabled when reading a disabled version", async () => {
  const name = uniqueName("off");
  emu.seed(name, value(), { enabled: false });
  const e = await failure(() => client.getSecret(name));
  assert.equal(e.statusCode, 403);
  assert.equal(e.code, "Forbidden");
  assert.match(e.message, /not allowed on a disabled secret/);
});

test("400 BadParameter: invalid name, value over the limit, too many tags", async () => {
  const badName = await failure(() => client.setSecret("bad_name", value()));
  assert.equal(badName.statusCode, 400);
  assert.equal(badName.code, "BadParameter");
  const big = await failure(() =>
    client.setSecret(uniqueName("big"), "x".repeat(maxValueBytes + 1)),
  );
  assert.equal(big.code, "BadParameter");
  await client.setSecret(uniqueName("limit"), "x".repeat(maxValueBytes));
  const tags = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`t${i}`, "v"]));
  const many = await failure(() => client.setSecret(uniqueName("tags"), value(), { tags }));
  assert.equal(many.code, "BadParameter");
});

test("401 Unauthorized for a token the emulator did not issue", async () => {
  const foreign: TokenCredential = {
    getToken: (): Promise<AccessToken> =>
      Promise.resolve({
        token: "eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiJ4In0.forged",
        expiresOnTimestamp: Date.now() + 3600_000,
      }),
  };
  const stranger = new SecretClient(emu.vaultUrl, foreign, {
    disableChallengeResourceVerification: true,
    retryOptions: { maxRetries: 0 },
  });
  const e = await failure(() => stranger.getSecret(uniqueName("x")));
  assert.equal(e.statusCode, 401);
  assert.equal(e.code, "Unauthorized");
});

test("403 Forbidden on a name the faults forbid, other names unaffected", async () => {
  const name = uniqueName("locked");
  emu.setFaults({ forbidden: [name.toUpperCase()] });
  try {
    const e = await failure(() => client.setSecret(name, value()));
    assert.equal(e.statusCode, 403);
    assert.equal(e.code, "Forbidden");
    await client.setSecret(uniqueName("free"), value());
  } finally {
    emu.setFaults({ forbidden: [] });
  }
});

test("quota: the 301st secret write in 10 s is 429 Throttled with Retry-After in seconds", async () => {
  const quota = await startEmulator({ faults: { quota: true } });
  try {
    const c = await emulatorSecretClient(quota);
    const name = uniqueName("q");
    const v = value();
    for (let i = 0; i < 300; i++) await c.setSecret(name, v);
    const e = await failure(() => c.setSecret(name, v));
    assert.equal(e.statusCode, 429);
    assert.equal(e.code, "Throttled");
    const retryAfter = e.response?.headers.get("retry-after");
    assert.match(retryAfter ?? "", /^([1-9]|10)$/);
    // Reads have their own, larger budget.
    assert.equal((await c.getSecret(name)).value, v);
    assert.equal(quota.requests.at(-2)?.fault, "quota");
    recordScenario("emulator quota", { logs: quota.logs.join("\n") }, [v], "none");
  } finally {
    await quota.stop();
  }
});

test("quota without Retry-After, and with it on every other 429", async () => {
  const quota = await startEmulator({ faults: { quota: true, retryAfter: "never" } });
  try {
    const c = await emulatorSecretClient(quota);
    const name = uniqueName("q");
    const v = value();
    await Promise.all(Array.from({ length: 300 }, () => c.setSecret(name, v)));
    const never = await failure(() => c.setSecret(name, v));
    assert.equal(never.code, "Throttled");
    assert.equal(never.response?.headers.get("retry-after"), undefined);
    quota.setFaults({ retryAfter: "half" });
    const headers = [];
    for (let i = 0; i < 4; i++)
      headers.push(
        (await failure(() => c.setSecret(name, v))).response?.headers.get("retry-after"),
      );
    assert.deepEqual(
      headers.map((h) => h !== undefined),
      [true, false, true, false],
    );
  } finally {
    await quota.stop();
  }
});

test("throttleAllMs: every vault request is 429 for that long", async () => {
  const name = uniqueName("all");
  emu.seed(name, value());
  emu.setFaults({ throttleAllMs: 60_000 });
  try {
    const e = await failure(() => client.getSecret(name));
    assert.equal(e.code, "Throttled");
    assert.equal(e.response?.headers.get("retry-after"), "60");
  } finally {
    emu.setFaults({ throttleAllMs: 0 });
  }
  assert.ok((await client.getSecret(name)).value);
});

test("transient 409 ObjectIsBeingDeleted after a delete, ObjectIsBeingRecovered after a recover", async () => {
  const name = uniqueName("busy");
  emu.seed(name, value());
  emu.setFaults({ deleteDelayMs: 60_000, recoverDelayMs: 60_000 });
  try {
    await client.beginDeleteSecret(name);
    const deleting = await failure(() => client.purgeDeletedSecret(name));
    assert.equal(deleting.statusCode, 409);
    assert.match(deleting.message, /currently being deleted/);
    assert.equal(emu.requests.at(-1)?.fault, "ObjectIsBeingDeleted");
    emu.setFaults({ deleteDelayMs: 0 });
    // A new window replaces the old one once the delete is "done".
    const other = uniqueName("busy");
    emu.seed(other, value());
    emu.softDelete(other);
    await client.beginRecoverDeletedSecret(other);
    const recovering = await failure(() => client.setSecret(other, value()));
    assert.equal(recovering.statusCode, 409);
    assert.match(recovering.message, /currently being recovered/);
    assert.equal(emu.requests.at(-1)?.fault, "ObjectIsBeingRecovered");
    // While it completes, a read does not find the secret yet (what the SDK's poller waits on).
    const reading = await failure(() => client.getSecret(other));
    assert.equal(reading.statusCode, 404);
  } finally {
    emu.setFaults({ deleteDelayMs: 0, recoverDelayMs: 0 });
  }
});

test("random 5xx and dropped connections; a dropped write never happened", async () => {
  const name = uniqueName("flaky");
  emu.setFaults({ serverErrorRate: 1 });
  try {
    const e = await failure(() => client.setSecret(name, value()));
    assert.ok(e.statusCode === 500 || e.statusCode === 503);
  } finally {
    emu.setFaults({ serverErrorRate: 0 });
  }
  emu.setFaults({ dropRate: 1 });
  try {
    await assert.rejects(() => client.setSecret(name, value()));
  } finally {
    emu.setFaults({ dropRate: 0 });
  }
  assert.deepEqual(emu.versions(name), []);
  assert.ok(emu.requests.some((r) => r.secret === name.toLowerCase() && r.fault === "drop"));
  emu.setFaults({ throttleRate: 1, retryAfter: "always" });
  try {
    const t = await failure(() => client.setSecret(name, value()));
    assert.equal(t.code, "Throttled");
    assert.equal(t.response?.headers.get("retry-after"), "1");
  } finally {
    emu.setFaults({ throttleRate: 0 });
  }
});
