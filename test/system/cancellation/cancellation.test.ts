// A cancelled step loses no record: SIGINT / SIGTERM midway through a set, sent to each bundle
// the way the GitHub runner and the Azure Pipelines agent cancel a step. The step sends nothing
// more, lets the writes in flight finish, reports every entry, and exits with the signal's code;
// the report and the vault then agree: every row that says created is in the vault with that
// version, every entry not reached is absent from it, and the vault holds nothing else.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Emulator } from "../../../src/emulator/index.ts";
import {
  bulkEntries,
  bulkMapping,
  bulkValues,
  signalAfterWrites,
  type BulkEntry,
} from "../../helpers/bulk-set.ts";
import { withEmulator } from "../../helpers/emulator.ts";
import { describeRun, runActionStep, stepTexts } from "../../helpers/github-runner.ts";
import { assertNoLeaks } from "../../helpers/leaks.ts";
import { checkTaskLeaks, emulatorEndpoint, runTask } from "../../helpers/pipelines-agent.ts";
import { runCli } from "../../platforms/cli/cli-process.ts";

interface Row {
  name: string;
  action: string;
  version: string | null;
  note?: string;
  error?: string;
}

/** Slow enough that the run is still writing when the signal comes, whatever the machine's load. */
const latencyMs = 150;
const count = 30;

/** The report against the vault: the promise of this file. */
function assertReportMatchesVault(emu: Emulator, entries: BulkEntry[], rows: Row[]): void {
  assert.deepEqual(
    rows.map((r) => r.name).sort(),
    entries.map((e) => e.name).sort(),
    "every entry is reported once",
  );
  const created = rows.filter((r) => r.action === "created");
  const skipped = rows.filter((r) => r.action === "skipped");
  assert.ok(created.length > 0, "some secrets were written before the signal");
  assert.ok(skipped.length > 0, "some were not reached");
  assert.equal(created.length + skipped.length, rows.length, JSON.stringify(rows));
  for (const row of created) {
    const versions = emu.versions(row.name);
    assert.equal(versions.length, 1, `${row.name} is in the vault`);
    assert.equal(versions[0]?.version, row.version, `${row.name}: the version reported`);
  }
  for (const row of skipped) {
    assert.equal(row.note, "not reached: the step was cancelled");
    assert.deepEqual(emu.versions(row.name), [], `${row.name} was not written`);
  }
}

test("GitHub: SIGINT midway: exit 130, every written secret and every one not reached reported", async () => {
  const entries = bulkEntries(count);
  const cancel = signalAfterWrites(4, "SIGINT");
  await withEmulator(
    async (emu) => {
      const run = await runActionStep({
        with: {
          "vault-url": emu.vaultUrl,
          auth: "managed-identity",
          secrets: bulkMapping(entries),
          "max-concurrency": "2",
        },
        env: { ...emu.env(), ...bulkValues(entries) },
        onSpawn: cancel.onSpawn,
      });
      assert.ok(cancel.sent(), "the signal was sent midway");
      assert.equal(run.exitCode, 130, describeRun(run));
      assertReportMatchesVault(emu, entries, JSON.parse(run.outputs["result"] ?? "[]") as Row[]);
      assert.match(run.summary, /^### ⚠️ aml-secrets set \\\(cancelled\\\)$/m);
      assert.ok(
        run.commands.some(
          (c) => c.command === "error" && /the step was cancelled \(SIGINT\)/.test(c.data),
        ),
        "the step fails saying it was cancelled",
      );
      assertNoLeaks(
        stepTexts(run),
        entries.map((e) => e.value),
        "github",
      );
    },
    { latencyMs, onLog: cancel.onLog },
  );
});

test("Azure Pipelines: SIGTERM midway: exit 143, the task fails, the record is complete", async () => {
  const entries = bulkEntries(count);
  const cancel = signalAfterWrites(4, "SIGTERM");
  await withEmulator(
    async (emu) => {
      const env = emu.env();
      delete env.AZURE_AUTHORITY_HOST;
      const run = await runTask({
        endpoint: emulatorEndpoint(emu, "WorkloadIdentityFederation"),
        systemAccessToken: "system-access-token",
        variables: { "System.OidcRequestUri": emu.pipelinesOidcUrl },
        env,
        inputs: { vaultUrl: emu.vaultUrl, secrets: bulkMapping(entries), maxConcurrency: "2" },
        secretVariables: bulkValues(entries),
        onSpawn: cancel.onSpawn,
      });
      assert.ok(cancel.sent(), "the signal was sent midway");
      assert.equal(run.exitCode, 143, run.stderr);
      assert.equal(run.result, "Failed");
      const result = run.variables.result?.value ?? "[]";
      assertReportMatchesVault(emu, entries, JSON.parse(result) as Row[]);
      assert.match(run.summaries[0] ?? "", /aml-secrets set \\\(cancelled\\\)$/m);
      checkTaskLeaks(
        "cancelled set",
        run,
        entries.map((e) => e.value),
      );
    },
    { latencyMs, onLog: cancel.onLog },
  );
});

test("CLI: SIGINT midway (Ctrl-C): exit 130, --json holds every entry", async () => {
  const entries = bulkEntries(count);
  const cancel = signalAfterWrites(4, "SIGINT");
  await withEmulator(
    async (emu) => {
      const run = await runCli(
        [
          "set",
          "--vault-url",
          emu.vaultUrl,
          "--auth",
          "managed-identity",
          "--secrets",
          bulkMapping(entries),
          "--max-concurrency",
          "2",
          "--json",
        ],
        { ...emu.env(), ...bulkValues(entries) },
        process.execPath,
        cancel.onSpawn,
      );
      assert.ok(cancel.sent(), "the signal was sent midway");
      assert.equal(run.code, 130, run.stderr);
      assertReportMatchesVault(emu, entries, JSON.parse(run.stdout) as Row[]);
      assert.match(run.stderr, /the step was cancelled \(SIGINT\)/);
      assertNoLeaks(
        { stdout: run.stdout, stderr: run.stderr },
        entries.map((e) => e.value),
        "none",
      );
    },
    { latencyMs, onLog: cancel.onLog },
  );
});
