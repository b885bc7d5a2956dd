// Python's own SecretClient and ManagedIdentityCredential (Debian's python3-azure) over every
// secrets operation against the emulator, once per api-version that SDK offers (2016-10-01
// included), with deletes and recovers taking a while to complete as on Key Vault.
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { withEmulator } from "../../helpers/emulator.ts";
import { assertNoLeaks, pemValue, recordScenario, secretValue } from "../../helpers/leaks.ts";
import { baseEnv, describeClient, python, required, runClient, skipWithout } from "./clients.ts";

const script = path.join(import.meta.dirname, "python", "secrets_ops.py");

interface VersionRun {
  api_version: string;
  name: string;
  set: string[];
  latest: string;
  by_version: string;
  content_type: string;
  tags: Record<string, string>;
  listed: boolean;
  versions: string[];
  written_versions: string[];
  updated: { enabled: boolean; tags: Record<string, string> };
  disabled_read: number | null;
  deleted_recovery_id: string;
  get_deleted: string;
  listed_deleted: boolean;
  recovered: string;
  after_recover: string;
  restored: string;
  after_restore: string;
  malformed_restore: [number, string, string] | null;
}

test(
  "Python azure-keyvault-secrets: every operation, every api-version it offers",
  { skip: skipWithout(python, "python3 with azure-keyvault-secrets", "python3-azure") },
  async () => {
    const py = required(python, "python3 with azure-keyvault-secrets and azure-identity");
    await withEmulator(
      async (emu) => {
        const first = `${secretValue("first")} héllo wörld ✓ 🔐`;
        const second = pemValue();
        const prefix = `py-${Date.now().toString(36)}`;
        const run = await runClient(
          py,
          [script],
          { ...baseEnv(), ...emu.pythonEnv() },
          JSON.stringify({ vault_url: emu.vaultUrl, prefix, values: [first, second] }),
        );
        assert.equal(run.code, 0, describeClient(run));
        const runs = run.stdout
          .trim()
          .split("\n")
          .map((line) => JSON.parse(line) as VersionRun);
        assert.ok(
          runs.some((r) => r.api_version === "2016-10-01"),
          "the SDK offers 2016-10-01 and the emulator serves it",
        );
        for (const r of runs) {
          const v = r.api_version;
          assert.deepEqual(r.set, [first, second], v);
          assert.equal(r.latest, second, `${v}: byte for byte, the PEM's final newline included`);
          assert.equal(r.by_version, first, v);
          assert.equal(r.content_type, "text/plain", v);
          assert.deepEqual(r.tags, { team: "ml" }, v);
          assert.ok(r.listed, v);
          assert.deepEqual(r.versions, r.written_versions, v);
          assert.deepEqual(r.updated, { enabled: false, tags: { team: "data" } }, v);
          assert.equal(r.disabled_read, 403, v);
          assert.equal(r.deleted_recovery_id, `${emu.vaultUrl}/deletedsecrets/${r.name}`, v);
          assert.equal(r.get_deleted, r.name, v);
          assert.ok(r.listed_deleted, v);
          assert.equal(r.recovered, r.name, v);
          assert.equal(r.after_recover, second, v);
          assert.equal(r.restored, r.name, v);
          assert.equal(r.after_restore, second, v);
          assert.deepEqual(r.malformed_restore?.slice(0, 2), [400, "Malformed backup blob"], v);
          const sent = new Set(
            emu.requests.filter((q) => q.secret === r.name.toLowerCase()).map((q) => q.apiVersion),
          );
          assert.deepEqual([...sent], [v], `${v}: every request carried it`);
        }
        // The pollers met Key Vault's windows and waited them out.
        const waits = emu.requests.filter((q) => q.method === "GET" && q.status === 404);
        assert.ok(waits.some((q) => q.fault === "ObjectIsBeingDeleted"));
        assert.ok(waits.some((q) => q.fault === "ObjectIsBeingRecovered"));
        // stdout carries the values read back (compared above); the rest must not.
        const texts = { stderr: run.stderr, logs: emu.logs.join("\n") };
        assertNoLeaks(texts, [first, second], "none");
        recordScenario("client python sdk", texts, [first, second], "none");
      },
      { faults: { deleteDelayMs: 300, recoverDelayMs: 150 } },
    );
  },
);
