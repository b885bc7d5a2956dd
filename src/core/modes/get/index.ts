/**
 * Get mode (`get_secret(s)`): read the named secrets (and with `*` every enabled one, with
 * `app-*` every one whose name starts so) and hand each value on as a masked output / secret
 * variable, masked the moment it arrives.
 */
import type { ResultRow } from "../../report/result.ts";
import { handOn, type Job } from "../job.ts";
import type { Mode } from "../mode.ts";
import { windowWidth } from "../window.ts";
import { getNameProblems, parseGetInputs, type GetSettings } from "./inputs.ts";
import { outFileProblem, writeOutFile } from "./out-file.ts";
import { readSecrets, type GetEntry } from "./read.ts";

export const getMode: Mode = {
  inputs: {
    "export-env": "false",
    "out-file": null,
    "out-format": "dotenv",
    "output-variables": "false",
    "output-prefix": null,
    "allow-reserved-names": "false",
    "ignore-not-found": "false",
    // Azure Pipelines only: which of the task's two runs reads (platforms/azure-pipelines/stage.ts).
    "run-as-pre-job": "false",
  },
  role: `the identity needs the "Key Vault Secrets User" role on the vault (or an access policy with secret get and list)`,
  parse(fields) {
    const settings = parseGetInputs(fields);
    // The task's entry acts on it; read here so that a malformed value is reported.
    fields.bool("run-as-pre-job", false);
    return {
      dryRun: false,
      prepare({ platform }) {
        const problems = getNameProblems(settings, platform, fields.label);
        if (settings.outFile === undefined) return problems;
        const problem = outFileProblem(settings.outFile, platform, fields.label);
        return problem === undefined ? problems : [...problems, problem];
      },
      run: (job) => runGet(job, settings),
    };
  },
};

async function runGet(
  { platform, reporter, settings: { label, maxConcurrency }, client, gate, hint, progress }: Job,
  settings: GetSettings,
): Promise<ResultRow[]> {
  const entries: GetEntry[] = settings.entries.map((e) =>
    "wildcard" in e
      ? { wildcard: true, startsWith: e.startsWith }
      : { vaultName: e.vaultName, outputName: e.pipelineName },
  );
  const { rows: read, values } = await readSecrets({
    client,
    gate,
    entries,
    received: (v) => reporter.remember(v),
    expect: (count) => progress.expect(count),
    finished: (row) => progress.finished(row),
    hint,
    width: windowWidth(maxConcurrency),
    label,
    platform: platform.id,
    ignoreNotFound: settings.ignoreNotFound,
    warn: (line) => reporter.warning(line),
    ...(settings.outputPrefix !== undefined ? { outputPrefix: settings.outputPrefix } : {}),
  });
  const rows = read.map((row, i) => {
    const value = values[i];
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
  const { outFile: file, outFormat: format } = settings;
  return writeOutFile({ platform, file, format, label, rows, values });
}
