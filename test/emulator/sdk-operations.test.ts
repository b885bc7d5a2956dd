// Every secrets operation of the real SecretClient, with the real ManagedIdentityCredential,
// over HTTPS against the emulator, once per api-version the installed SDK can be told to use.
// Deletes and recovers take a while to complete, as on Key Vault: the SDK's pollers wait them out.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { SecretClient } from "@azure/keyvault-secrets";
import type { Emulator } from "../../src/emulator/index.ts";
import { startEmulator } from "../../src/emulator/index.ts";
import { emulatorSecretClient, uniqueName } from "../helpers/emulator.ts";
import { assertNoLeaks, recordScenario, secretValue } from "../helpers/leaks.ts";

const serviceVersions = ["7.0", "7.1", "7.2", "7.3", "7.4", "7.5", "7.6", "2025-07-01"] as const;
const poll = { intervalInMs: 10 };

let emu: Emulator;
const values: string[] = [];

before(async () => {
  emu = await startEmulator({ faults: { deleteDelayMs: 300, recoverDelayMs: 150 } });
});
after(async () => {
  await emu.stop();
  assertNoLeaks({ logs: emu.logs.join("\n") }, values, "none");
  recordScenario("emulator sdk operations", { logs: emu.logs.join("\n") }, values, "none");
});

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

for (const serviceVersion of serviceVersions) {
  void describe(`api-version ${serviceVersion}`, () => {
    let client: SecretClient;
    before(async () => {
      client = await emulatorSecretClient(emu, { serviceVersion });
    });

    void test("set, get latest, get by version, versions, update", async () => {
      const name = uniqueName("Ops");
      const first = secretValue("first");
      const second = secretValue("second\nline two\n");
      values.push(first, second);
      const expires = new Date(Date.now() + 86_400_000);
      const v1 = await client.setSecret(name, first, {
        contentType: "text/plain",
        tags: { team: "ml" },
        expiresOn: expires,
      });
      assert.equal(v1.value, first);
      assert.match(v1.properties.version ?? "", /^[0-9a-f]{32}$/);
      assert.equal(v1.properties.id, `${emu.vaultUrl}/secrets/${name}/${v1.properties.version}`);
      assert.equal(v1.properties.contentType, "text/plain");
      assert.deepEqual(v1.properties.tags, { team: "ml" });
      assert.equal(v1.properties.expiresOn?.getTime(), Math.floor(expires.getTime() / 1000) * 1000);
      assert.equal(v1.properties.recoveryLevel, "Recoverable+Purgeable");
      const v2 = await client.setSecret(name.toLowerCase(), second);
      assert.equal(v2.name, name, "the name keeps the spelling it was created with");

      const latest = await client.getSecret(name.toUpperCase());
      assert.equal(latest.value, second, "byte for byte, final newline included");
      assert.equal(latest.properties.version, v2.properties.version);
      const old = await client.getSecret(name, { version: v1.properties.version ?? "" });
      assert.equal(old.value, first);

      const versions = await collect(client.listPropertiesOfSecretVersions(name));
      assert.deepEqual(
        versions.map((v) => v.version).sort(),
        [v1.properties.version, v2.properties.version].sort(),
      );

      const updated = await client.updateSecretProperties(name, v1.properties.version ?? "", {
        enabled: false,
        tags: { team: "data" },
      });
      assert.equal(updated.enabled, false);
      assert.deepEqual(updated.tags, { team: "data" });
      assert.equal(emu.versions(name)[0]?.enabled, false);
      assert.equal(emu.versions(name)[1]?.enabled, true);

      const apiVersions = new Set(
        emu.requests.filter((r) => r.secret === name.toLowerCase()).map((r) => r.apiVersion),
      );
      assert.deepEqual([...apiVersions], [serviceVersion]);
    });

    void test("list shows the latest version's properties and no values", async () => {
      const name = uniqueName("list");
      const value = secretValue();
      values.push(value);
      await client.setSecret(name, value, { contentType: "ct" });
      const listed = (await collect(client.listPropertiesOfSecrets())).find((p) => p.name === name);
      assert.ok(listed);
      assert.equal(listed.contentType, "ct");
      assert.equal(listed.version, undefined, "a listing item's id has no version");
    });

    void test("soft delete, get and list deleted, recover, delete again, purge", async () => {
      const name = uniqueName("del");
      const value = secretValue();
      values.push(value);
      await client.setSecret(name, value);
      const deleted = await (await client.beginDeleteSecret(name, poll)).pollUntilDone();
      const waited = (fault: string): boolean =>
        emu.requests.some(
          (r) => r.secret === name.toLowerCase() && r.status === 404 && r.fault === fault,
        );
      assert.ok(waited("ObjectIsBeingDeleted"), "the delete poller met the 404s of a delete");
      assert.equal(deleted.recoveryId, `${emu.vaultUrl}/deletedsecrets/${name}`);
      assert.ok(deleted.deletedOn instanceof Date);
      assert.ok((deleted.properties.scheduledPurgeDate?.getTime() ?? 0) > Date.now());
      assert.ok(emu.isDeleted(name));

      const got = await client.getDeletedSecret(name);
      assert.equal(got.name, name);
      const listed = await collect(client.listDeletedSecrets());
      assert.ok(listed.some((d) => d.name === name));

      const recovered = await (await client.beginRecoverDeletedSecret(name, poll)).pollUntilDone();
      assert.equal(recovered.name, name);
      assert.ok(waited("ObjectIsBeingRecovered"), "the recover poller met the 404s of a recover");
      assert.equal((await client.getSecret(name)).value, value);

      await (await client.beginDeleteSecret(name, poll)).pollUntilDone();
      await client.purgeDeletedSecret(name);
      assert.equal(emu.isDeleted(name), false);
      assert.deepEqual(emu.versions(name), []);
    });

    void test("backup and restore", async () => {
      const name = uniqueName("bak");
      const value = secretValue();
      values.push(value);
      await client.setSecret(name, value);
      const blob = await client.backupSecret(name);
      assert.ok(blob && blob.length > 0);
      assert.ok(!Buffer.from(blob).toString("utf8").includes(value), "a backup is opaque");
      await (await client.beginDeleteSecret(name, poll)).pollUntilDone();
      await client.purgeDeletedSecret(name);
      const restored = await client.restoreSecretBackup(blob);
      assert.equal(restored.name, name);
      assert.equal((await client.getSecret(name)).value, value);
    });
  });
}

test("paging over more than 25 secrets and versions, as the SDK follows nextLink", async () => {
  const client = await emulatorSecretClient(emu);
  const prefix = uniqueName("many");
  for (let i = 0; i < 60; i++) emu.seed(`${prefix}-${i}`, "x");
  for (let i = 0; i < 30; i++) emu.seed(`${prefix}-0`, "x");
  emu.clearRequests();
  const names = (await collect(client.listPropertiesOfSecrets()))
    .map((p) => p.name)
    .filter((n) => n?.startsWith(prefix));
  assert.equal(names.length, 60);
  const listCalls = emu.requests.filter((r) => r.method === "GET" && r.path === "/secrets");
  assert.ok(listCalls.length >= 3, `expected at least 3 pages, saw ${listCalls.length}`);
  const versions = await collect(client.listPropertiesOfSecretVersions(`${prefix}-0`));
  assert.equal(versions.length, 31);
  const pages = await collect(client.listPropertiesOfSecrets().byPage({ maxPageSize: 10 }));
  assert.ok(pages.every((p) => p.length <= 10));
  assert.ok(pages.flat().filter((p) => p.name?.startsWith(prefix)).length === 60);
});
