/**
 * 10k: memory at scale. 10,000 mapped secrets that the vault already holds with their values:
 * the re-run every pipeline does most days. aml-secrets reads all 10,000 values (one listing of
 * 400 pages, 10,000 GETs to compare), masks and redacts with 10,000 values known, prints 10,000
 * rows, and writes nothing. Its peak RSS is measured in its own process (the CLI bundle), so the
 * emulator's copy of the vault is not counted.
 *
 * No latency: 10,400 reads are bound by Key Vault's budget of 4,000 other requests per 10 s
 * anyway. The baseline loop is not run: its 10,000 writes would need at least 10,000 / 300
 * windows of 10 s (over 5 minutes); that bound is printed instead.
 */
import { keyVaultBudgets } from "../src/core/vault/gate.ts";
import { defaultConcurrency } from "../src/core/inputs/settings.ts";
import { secretValue } from "../test/helpers/leaks.ts";
import {
  budgetFloorMs,
  checkNoLeaks,
  floorMs,
  keyVault,
  megabytes,
  printContenders,
  printTarget,
  quotaEmulator,
  ratio,
  runAmlSecrets,
  seconds,
  tally,
} from "./helpers.ts";

const latencyMs = 0;
const secrets = Array.from({ length: 10_000 }, (_, i) => {
  const id = String(i).padStart(5, "0");
  return { vaultName: `tk-${id}`, variable: `TK_${id}`, value: secretValue(`tk${id}`) };
});

const emu = await quotaEmulator(latencyMs);
try {
  for (const s of secrets) emu.seed(s.vaultName, s.value);
  const run = await runAmlSecrets(emu, secrets);
  if (run.code !== 0)
    throw new Error(`aml-secrets exited ${run.code}:\n${run.stderr.slice(0, 2000)}`);
  const unchanged = run.rows.filter((r) => r.action === "unchanged").length;
  if (unchanged !== secrets.length)
    throw new Error(`aml-secrets: ${unchanged} of ${secrets.length} unchanged`);
  const counts = tally(emu.requests);
  if (counts["secret-write"] > 0) throw new Error(`aml-secrets wrote ${counts["secret-write"]}`);
  checkNoLeaks(
    "10k aml-secrets",
    run,
    emu,
    secrets.map((s) => s.value),
  );

  const pages = Math.ceil(secrets.length / keyVault.pageSize);
  const shape = { writes: 0, others: pages + secrets.length, listPages: pages };
  const floor = floorMs(shape, keyVault, defaultConcurrency, latencyMs);
  const plannedFloor = floorMs(
    shape,
    { writes: keyVaultBudgets.writes.limit, others: keyVaultBudgets.others.limit },
    defaultConcurrency,
    latencyMs,
  );
  const loopFloor = budgetFloorMs(secrets.length, keyVault.writes, 1, latencyMs);

  console.log(
    `10k: ${secrets.length} mapped secrets, all already in the vault with their value (a re-run), ${latencyMs} ms latency, Key Vault's quotas`,
  );
  printContenders([{ label: "aml-secrets", run, tally: counts, failures: 0 }]);
  console.log(
    `  floor (${shape.others} reads at ${keyVault.others} / 10 s): ${seconds(floor)}; at the core's 90 % (${keyVaultBudgets.others.limit} / 10 s): ${seconds(plannedFloor)}; aml-secrets wall / floor ${ratio(run.wallMs / floor)} / ${ratio(run.wallMs / plannedFloor)}`,
  );
  console.log(
    `  baseline loop not run: ${secrets.length} writes need at least ${seconds(loopFloor)}, ${ratio(loopFloor / run.wallMs)} aml-secrets' wall`,
  );
  printTarget("peak RSS ≤ 100 MB", megabytes(run.maxRss), run.maxRss <= 100e6);
} finally {
  await emu.stop();
}
