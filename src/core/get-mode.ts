/**
 * Get mode (`get_secret(s)`): read the named secrets (and with `*` every enabled one) and hand
 * each value on as a masked output / secret variable, masked the moment it arrives.
 */
import { readSecrets, type GetEntry } from "./get.ts";
import { handOn, type Job } from "./job.ts";
import { writeOutFile } from "./out-file.ts";
import type { ResultRow } from "./result.ts";

export async function runGet({
  platform,
  reporter,
  settings,
  client,
  gate,
  hint,
}: Job): Promise<ResultRow[]> {
  const entries: GetEntry[] = settings.getEntries.map((e) =>
    "wildcard" in e ? { wildcard: true } : { vaultName: e.vaultName, outputName: e.pipelineName },
  );
  const read = await readSecrets({
    client,
    gate,
    entries,
    received: (v) => reporter.remember(v),
    hint,
    label: settings.label,
    ...(settings.outputPrefix !== undefined ? { outputPrefix: settings.outputPrefix } : {}),
  });
  const values = new Map(read.values.map((v) => [v.outputName, v.value]));
  const rows = read.rows.map((row) => {
    const value = row.action === "read" ? values.get(row.source) : undefined;
    if (value === undefined) return row;
    return handOn(row, () => {
      platform.setOutput(row.source, value, {
        secret: true,
        laterJobs: settings.outputVariables,
      });
      if (settings.exportEnv) platform.exportVariable(row.source, value);
    });
  });
  if (settings.outFile === undefined) return rows;
  const { outFile: file, outFormat: format, label } = settings;
  return writeOutFile({ platform, file, format, label, rows, values });
}
