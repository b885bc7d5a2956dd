/**
 * Set mode (`set_secret(s)`): plan each entry (from one listing as its pages arrive, or a small
 * mapping from a GET of each name: plan.ts), write each as soon as it is planned, hand generated
 * values on once the vault holds them; then, with `prune`, soft-delete the secrets this
 * pipeline owns and no longer maps.
 */
import type { ResultRow } from "../../report/result.ts";
import { handOn, type Job } from "../job.ts";
import type { Mode } from "../mode.ts";
import { deleteSecret, plannedDelete } from "../soft-delete.ts";
import { keyVaultBudgets } from "../../vault/gate.ts";
import { Detached, inWindow, windowWidth } from "../window.ts";
import { applyPlanned, type ApplyRequest } from "./apply.ts";
import { ownerTag, parseSetInputs, type SetSettings } from "./inputs.ts";
import { planSet, type PlannedEntry, type SetEntry } from "./plan.ts";
import { readSetEntries } from "./values.ts";

export const setMode: Mode = {
  inputs: {
    "variable-prefix": null,
    generate: null,
    overwrite: "changed",
    "recover-deleted": "true",
    "content-type": null,
    tags: null,
    "expires-in": null,
    "not-before-in": null,
    "disable-previous-versions": "false",
    "allow-empty": "false",
    owner: null,
    prune: "false",
    "dry-run": "false",
  },
  role: `the identity needs the "Key Vault Secrets Officer" role on the vault (or an access policy with secret get, list, set and recover, and delete with prune)`,
  parse(fields) {
    const settings = parseSetInputs(fields);
    let entries: SetEntry[] = [];
    return {
      dryRun: settings.dryRun,
      prepare({ platform, reporter }) {
        const read = readSetEntries({
          platform,
          settings,
          label: fields.label,
          remember: (v) => reporter.remember(v),
        });
        entries = read.entries;
        return read.problems;
      },
      run: (job) => runSet(job, settings, entries),
    };
  },
};

async function runSet(job: Job, settings: SetSettings, entries: SetEntry[]): Promise<ResultRow[]> {
  const { platform, client, gate, hint, progress } = job;
  const { label } = job.settings;
  progress.expect(entries.length);
  // Planned as the listings' pages arrive (plan.ts): the window starts on the first of them.
  const plan = planSet({
    client,
    gate,
    entries,
    overwrite: settings.overwrite,
    recoverDeleted: settings.recoverDeleted,
    listDeleted: settings.dryRun,
    hint,
    label,
    ...(settings.prune && settings.owner !== undefined ? { owner: settings.owner } : {}),
  });
  const width = windowWidth(job.settings.maxConcurrency);
  // Rows go to their entry's place: the result keeps the mapping's order whatever the window's.
  const rows: ResultRow[] = new Array<ResultRow>(entries.length);
  if (settings.dryRun) {
    await inWindow(plan.order, width, async (i) => {
      const row = plannedRow(await plan.plan(entries[i] as SetEntry));
      progress.finished(row);
      rows[i] = row;
    });
    return [...rows, ...(await plan.pruned).map((p) => plannedDelete(p, "prune"))];
  }
  const tags =
    settings.owner !== undefined ? { ...settings.tags, [ownerTag]: settings.owner } : settings.tags;
  const request: ApplyRequest = {
    client,
    gate,
    hint,
    label,
    options: {
      recoverDeleted: settings.recoverDeleted,
      disablePreviousVersions: settings.disablePreviousVersions,
      ...(settings.contentType !== undefined ? { contentType: settings.contentType } : {}),
      ...(tags !== undefined ? { tags } : {}),
      ...(settings.expiresInMs !== undefined ? { expiresInMs: settings.expiresInMs } : {}),
      ...(settings.notBeforeInMs !== undefined ? { notBeforeInMs: settings.notBeforeInMs } : {}),
    },
  };
  // Each entry is written as soon as it is planned, while the others' reads go on: a write
  // waiting for the next window of its budget does not hold a place of the window, or the
  // reads of every entry behind it would wait with it (mixed-2000: 1,500 GETs behind 300
  // writes waiting 10 s). At most one window of writes waits at a time.
  const writes = new Detached(keyVaultBudgets.writes.limit);
  await inWindow(plan.order, width, async (i) => {
    const planned = await plan.plan(entries[i] as SetEntry);
    await writes.start(async () => {
      const row = handOnGenerated(planned, await applyPlanned(request, planned));
      progress.finished(row);
      rows[i] = row;
    });
  });
  await writes.done();
  const pruned = await plan.pruned;
  if (pruned.length === 0) return rows;
  // A run that failed to write some entry deletes nothing: it did not do what the mapping says.
  if (rows.some((r) => r.action === "failed"))
    return [
      ...rows,
      ...pruned.map((p): ResultRow => ({
        name: p.name,
        source: "prune",
        action: "skipped",
        note: "not pruned: an entry of this run failed",
      })),
    ];
  progress.expect(pruned.length);
  const deleted = await Promise.all(
    pruned.map(async (p) => {
      const row = await deleteSecret(job, p.name, "prune");
      progress.finished(row);
      return row;
    }),
  );
  return [...rows, ...deleted];

  /** A generated value goes to later steps only once the vault holds it. */
  function handOnGenerated(planned: PlannedEntry, row: ResultRow): ResultRow {
    const { outputName, value } = planned.entry;
    const written =
      row.action === "created" || row.action === "updated" || row.action === "recovered";
    if (!outputName || !written) return row;
    return handOn(row, () => platform.setOutput(outputName, value, { secret: true }));
  }
}

function plannedRow(planned: PlannedEntry): ResultRow {
  const row: ResultRow = {
    name: planned.entry.vaultName,
    source: planned.entry.source,
    action: planned.action,
  };
  if (planned.version) row.version = planned.version;
  if (planned.id) row.id = planned.id;
  if (planned.error) row.error = planned.error;
  return row;
}
