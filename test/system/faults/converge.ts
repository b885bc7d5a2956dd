/**
 * What every fault the service recovers from must still end in, through any entry point: the
 * step succeeds, every secret is set once with its value, the result lists each, and the same
 * step run again writes nothing and reports every secret unchanged.
 */
import assert from "node:assert/strict";
import type { Emulator, RequestRecord } from "../../../src/emulator/index.ts";
import type { EntryPoint } from "./entry-points.ts";
import {
  assertAllSet,
  assertNoDoubleWrites,
  assertQuietRerun,
  checkEmulatorLogs,
  runMeasured,
  type FaultSecret,
} from "./scenario.ts";

/** Runs the step twice and checks both; returns the vault requests of each run. */
export async function assertConverges(
  emu: Emulator,
  entry: EntryPoint,
  scenario: string,
  secrets: readonly FaultSecret[],
): Promise<{ first: RequestRecord[]; rerun: RequestRecord[] }> {
  const first = await runMeasured(emu, () => entry.run(emu, scenario, secrets));
  assert.equal(first.outcome.status, "ok", first.outcome.describe);
  assertAllSet(emu, secrets, first.outcome.rows);
  assertNoDoubleWrites(first.requests, secrets);

  const rerun = await runMeasured(emu, () => entry.run(emu, `${scenario}-rerun`, secrets));
  assert.equal(rerun.outcome.status, "ok", rerun.outcome.describe);
  assertQuietRerun(emu, secrets, rerun.outcome.rows, rerun.requests);
  checkEmulatorLogs(emu, `${scenario} ${entry.name}`, secrets);
  return { first: first.requests, rerun: rerun.requests };
}
