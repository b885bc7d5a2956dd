/**
 * The `generate` provider: set mode's `generate` as a rotation: a fresh CSPRNG value stored as
 * the new version (tags kept, expiry from the validity), handed to later steps masked. It
 * rotates the vault secret only: what the value stands for is changed by nobody here.
 */
import { toPipelineName } from "../../inputs/names.ts";
import type { ResultRow } from "../../report/result.ts";
import { failure } from "../../vault/service-error.ts";
import { handOn } from "../job.ts";
import { generateValue } from "../random-value.ts";
import {
  failedRow,
  rotatedRow,
  storeVersion,
  validityMs,
  type Current,
  type RotateContext,
} from "./context.ts";
import { generatedLength, type RotateEntry } from "./inputs.ts";

export async function rotateGenerated(
  ctx: RotateContext,
  entry: RotateEntry,
  current: Current,
  why: string,
): Promise<ResultRow> {
  const { job } = ctx;
  const value = generateValue(generatedLength(entry));
  job.reporter.remember(value);
  const expiresOn = new Date(ctx.now().getTime() + validityMs(ctx, entry, current));
  const rotation = { provider: entry.provider };
  try {
    const stored = await storeVersion(
      ctx,
      entry.vaultName,
      value,
      current,
      current.tags,
      expiresOn,
    );
    const row = rotatedRow(entry, stored, rotation, why);
    // Handed on only once the vault holds it, as set mode's generated values.
    return handOn(row, () =>
      job.platform.setOutput(toPipelineName(entry.vaultName), value, { secret: true }),
    );
  } catch (e: unknown) {
    return failedRow(
      entry,
      `${failure(job, `storing a new version of secret ${entry.vaultName}`, e)}; the current version is unchanged`,
      rotation,
    );
  }
}
