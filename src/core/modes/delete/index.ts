/**
 * Delete mode (`delete_secret(s)`): soft-deletes the named secrets, all at once through the
 * gate, paced as writes. A name the vault does not hold is `absent`, not a failure, so a re-run
 * does nothing. Purge is not offered: a deleted secret stays recoverable for the vault's
 * retention. The dry run lists the vault once and shows `delete` or `absent`.
 */
import type { SecretProperties } from "@azure/keyvault-secrets";
import type { InputFields } from "../../inputs/fields.ts";
import { parseDeleteMapping } from "../../inputs/mapping.ts";
import { vaultKey } from "../../inputs/names.ts";
import type { ResultRow } from "../../report/result.ts";
import { eachPage } from "../../vault/listing.ts";
import { failure } from "../../vault/service-error.ts";
import type { Job } from "../job.ts";
import type { Mode } from "../mode.ts";
import { deleteSecret, managedError, plannedDelete } from "../soft-delete.ts";

export const deleteMode: Mode = {
  inputs: { "dry-run": "false" },
  role: `the identity needs the "Key Vault Secrets Officer" role on the vault (or an access policy with secret get, list and delete)`,
  parse(fields) {
    const names = parseDeleteInputs(fields);
    const dryRun = fields.bool("dry-run", false);
    return {
      dryRun,
      run: (job) => {
        job.progress.expect(names.length);
        if (dryRun) return planDeletes(job, names);
        return Promise.all(
          names.map(async (name) => {
            const row = await deleteSecret(job, name, "secrets");
            job.progress.finished(row);
            return row;
          }),
        );
      },
    };
  },
};

/** The vault names the `secrets` lines name (no `*`). */
export function parseDeleteInputs({ raw, label, problems }: InputFields): string[] {
  const mapping = parseDeleteMapping(raw("secrets") ?? "", label("secrets"));
  problems.push(...mapping.problems);
  if (mapping.entries.length === 0 && mapping.problems.length === 0)
    problems.push(`input ${label("secrets")} names nothing to delete: give vault secret names`);
  return mapping.entries.map((e) => e.vaultName);
}

/** The dry run: one listing of the vault tells which names it holds; nothing is deleted. */
async function planDeletes({ client, gate, hint }: Job, names: string[]): Promise<ResultRow[]> {
  const wanted = new Set(names.map(vaultKey));
  const found = new Map<string, SecretProperties>();
  try {
    await eachPage(
      gate,
      "*vault",
      (abortSignal) => client.listPropertiesOfSecrets({ abortSignal }),
      (page) => {
        for (const p of page) if (wanted.has(vaultKey(p.name))) found.set(vaultKey(p.name), p);
      },
    );
  } catch (e: unknown) {
    const error = failure({ hint }, "listing the vault's secrets", e);
    return names.map((name) => ({ name, source: "secrets", action: "failed", error }));
  }
  return names.map((name) => {
    const current = found.get(vaultKey(name));
    if (!current) return { name, source: "secrets", action: "absent" };
    const row = plannedDelete(current, "secrets");
    return current.managed ? { ...row, action: "failed", error: managedError(name) } : row;
  });
}
