// Progress while a long set runs, through each bundle, against an emulator slow enough (its
// latency) that the run takes a few seconds: the GitHub step prints a progress line, the Azure
// Pipelines task sends the agent's `task.setprogress`, the CLI without a terminal prints a
// progress line on stderr, each before the end (a line that counts fewer done than there are
// entries can only have been printed before the end; order, not time, is asserted).
import assert from "node:assert/strict";
import { test } from "node:test";
import { bulkEntries, bulkMapping, bulkValues } from "../../helpers/bulk-set.ts";
import { withEmulator } from "../../helpers/emulator.ts";
import { describeRun, runActionStep } from "../../helpers/github-runner.ts";
import { emulatorEndpoint, runTask } from "../../helpers/pipelines-agent.ts";
import { runCli } from "../../platforms/cli/cli-process.ts";

const latencyMs = 150;
const count = 40;
/** `set: 12 of 40 done, 3 s` and the like; the count done, as printed. */
const progressLine = new RegExp(`^set: (\\d+) of ${count} done(, \\d+ failed)?, \\d+ s`);

function doneCounts(lines: string[]): number[] {
  return lines.flatMap((line) => {
    const match = progressLine.exec(line);
    return match ? [Number(match[1])] : [];
  });
}

test("GitHub: progress lines while the step writes, before the per-secret lines of the end", async () => {
  const entries = bulkEntries(count);
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
      });
      assert.equal(run.exitCode, 0, describeRun(run));
      const done = doneCounts(run.lines);
      assert.ok(
        done.some((n) => n < count),
        `a progress line before the end:\n${run.stdout}`,
      );
      const firstProgress = run.lines.findIndex((l) => progressLine.test(l));
      const firstRow = run.lines.findIndex((l) => l.startsWith(`${entries[0]?.name} `));
      assert.ok(firstProgress >= 0 && firstProgress < firstRow, "progress comes before the rows");
      assert.deepEqual(
        done,
        [...done].sort((a, b) => a - b),
        "the count only grows",
      );
    },
    { latencyMs },
  );
});

test("Azure Pipelines: task.setprogress as entries finish, its percentage growing, before the summary", async () => {
  const entries = bulkEntries(count);
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
      });
      assert.equal(run.result, "Succeeded", run.stderr);
      const progress = run.commands.filter((c) => c.name === "task.setprogress");
      const percents = progress.map((c) => Number(c.properties.value));
      assert.ok(
        percents.some((p) => p > 0 && p < 100),
        `progress between 0 and 100: ${percents.join(" ")}`,
      );
      assert.deepEqual(
        percents,
        [...percents].sort((a, b) => a - b),
        "the percentage only grows",
      );
      assert.ok(
        progress.every((c) => progressLine.test(c.data)),
        "each names what is done",
      );
      const summary = run.commands.find((c) => c.name === "task.uploadsummary");
      assert.ok(summary && (progress[0]?.line ?? Infinity) < summary.line);
    },
    { latencyMs },
  );
});

test("CLI without a terminal: progress lines on stderr before the end, the table on stdout once", async () => {
  const entries = bulkEntries(count);
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
        ],
        { ...emu.env(), ...bulkValues(entries) },
      );
      assert.equal(run.code, 0, run.stderr);
      const done = doneCounts(run.stderr.split("\n"));
      assert.ok(
        done.some((n) => n < count),
        `a progress line before the end:\n${run.stderr}`,
      );
      // Numeric order: bulk-…-2 before bulk-…-10.
      const names = run.stdout
        .split("\n")
        .filter((l) => l.startsWith("bulk-"))
        .map((l) => l.split(/\s+/)[0]);
      assert.deepEqual(
        names,
        entries.map((e) => e.name),
      );
    },
    { latencyMs },
  );
});
