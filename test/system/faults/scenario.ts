/**
 * The fault matrix's scenarios, built once and run through every entry point (entry-points.ts):
 * secrets in each state a run meets (new, changed, unchanged, soft-deleted), seeded into a fresh
 * emulator, and the checks each scenario ends with, read from the emulator's own records.
 */
import assert from "node:assert/strict";
import type { Emulator, RequestRecord } from "../../../src/emulator/index.ts";
import { uniqueName } from "../../helpers/emulator.ts";
import { assertNoLeaks, recordScenario, secretValue } from "../../helpers/leaks.ts";

/** What the vault holds for a name before the run. */
export type SecretState = "new" | "changed" | "unchanged" | "deleted";

export interface FaultSecret {
  vault: string;
  /** The pipeline variable (UPPER_SNAKE): a lone name in the mapping derives `vault` from it. */
  variable: string;
  value: string;
  state: SecretState;
  /** Versions the vault held before the run (a soft-deleted secret gets them back on recover). */
  seeded: number;
}

/** One entry of the `result` output, as every entry point hands it on. */
export interface ResultRow {
  name: string;
  source: string;
  action: string;
  version?: string | null;
  error?: string;
}

/** The action an applied run reports for a secret in this state. */
export const appliedAction: Record<SecretState, string> = {
  new: "created",
  changed: "updated",
  unchanged: "unchanged",
  deleted: "recovered",
};

/** Seeds one secret per state given, each with a fresh canary value, under a unique name. */
export function seedSecrets(emu: Emulator, label: string, states: SecretState[]): FaultSecret[] {
  return states.map((state, i) => {
    const vault = uniqueName(`${label}${i}-${state}`);
    const value = secretValue(state);
    // Every state but `new` starts with one version: the value itself, or an older one.
    if (state !== "new") emu.seed(vault, state === "unchanged" ? value : secretValue("old"));
    if (state === "deleted") emu.softDelete(vault);
    const variable = vault.replace(/-/g, "_").toUpperCase();
    return { vault, variable, value, state, seeded: state === "new" ? 0 : 1 };
  });
}

/** The `secrets` input: one lone pipeline name a line. */
export function mappingOf(secrets: readonly FaultSecret[]): string {
  return secrets.map((s) => s.variable).join("\n");
}

export function variablesOf(secrets: readonly FaultSecret[]): Record<string, string> {
  return Object.fromEntries(secrets.map((s) => [s.variable, s.value]));
}

/** Vault requests that reached the emulator since `from` (an index into `emu.requests`). */
function requestsSince(emu: Emulator, from: number): RequestRecord[] {
  return emu.requests
    .slice(from)
    .filter((r) => r.kind === "secret-read" || r.kind === "secret-write");
}

/** Faults the emulator answered with in these requests, counted by kind (for diagnostics). */
export function faultCounts(requests: readonly RequestRecord[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of requests) if (r.fault) counts[r.fault] = (counts[r.fault] ?? 0) + 1;
  return counts;
}

/**
 * No write the service accepted was sent again: after a 2xx to a PUT, PATCH, POST or DELETE of
 * a path, that request was not sent to that path again (whatever the answer), and each secret
 * that needed a value got exactly one accepted PUT (none when it was unchanged).
 */
export function assertNoDoubleWrites(
  requests: readonly RequestRecord[],
  secrets: readonly FaultSecret[],
): void {
  const writes = requests.filter((r) => r.kind === "secret-write");
  const accepted = (r: RequestRecord): boolean => r.status >= 200 && r.status < 300;
  const key = (r: RequestRecord): string => `${r.method} ${r.path}`;
  const repeated = writes.filter((r, i) =>
    writes.slice(0, i).some((e) => accepted(e) && key(e) === key(r)),
  );
  assert.deepEqual(
    repeated.map((r) => `${key(r)} answered ${r.status}`),
    [],
    "an accepted write was sent again",
  );
  for (const s of secrets) {
    const puts = writes.filter(
      (r) => accepted(r) && r.method === "PUT" && r.secret === s.vault.toLowerCase(),
    );
    assert.equal(puts.length, s.state === "unchanged" ? 0 : 1, `accepted PUTs of ${s.vault}`);
  }
}

/**
 * Every secret holds its value, with exactly one new version where it needed one, and the
 * `result` output lists every secret once, with the action its state calls for and the
 * version the vault now holds.
 */
export function assertAllSet(
  emu: Emulator,
  secrets: readonly FaultSecret[],
  rows: readonly ResultRow[],
): void {
  for (const s of secrets) {
    const versions = emu.versions(s.vault);
    assert.equal(versions.at(-1)?.value, s.value, `${s.vault} holds its value`);
    assert.equal(
      versions.length,
      s.seeded + (s.state === "unchanged" ? 0 : 1),
      `${s.vault} versions`,
    );
  }
  assertRows(emu, secrets, rows, (s) => appliedAction[s.state]);
}

/** The re-run: nothing written at all (not even a refused write), every secret `unchanged`. */
export function assertQuietRerun(
  emu: Emulator,
  secrets: readonly FaultSecret[],
  rows: readonly ResultRow[],
  requests: readonly RequestRecord[],
): void {
  assert.deepEqual(
    requests.filter((r) => r.kind === "secret-write").map((r) => `${r.method} ${r.path}`),
    [],
    "the re-run sent writes",
  );
  assertRows(emu, secrets, rows, () => "unchanged");
}

/** `rows` name each secret exactly once, with its pipeline variable, action and current version. */
export function assertRows(
  emu: Emulator,
  secrets: readonly FaultSecret[],
  rows: readonly ResultRow[],
  action: (s: FaultSecret) => string,
): void {
  const key = (name: string): string => name.toLowerCase();
  assert.deepEqual(
    rows.map((r) => [key(r.name), r.source, r.action]).sort(),
    secrets.map((s) => [key(s.vault), s.variable, action(s)]).sort(),
  );
  for (const row of rows) {
    if (row.action === "failed") continue;
    assert.equal(row.version, emu.versions(row.name).at(-1)?.version, `${row.name} version`);
  }
}

/** The emulator's log must not carry a value either; recorded for the leak sweep. */
export function checkEmulatorLogs(
  emu: Emulator,
  scenario: string,
  secrets: readonly FaultSecret[],
): void {
  const texts = { emulatorLogs: emu.logs.join("\n") };
  const values = secrets.map((s) => s.value);
  assertNoLeaks(texts, values, "none");
  recordScenario(`faults ${scenario} emulator`, texts, values, "none");
}

/** A step's outcome with the vault requests it sent. */
export async function runMeasured<T>(
  emu: Emulator,
  step: () => Promise<T>,
): Promise<{ outcome: T; requests: RequestRecord[] }> {
  const from = emu.requests.length;
  const outcome = await step();
  return { outcome, requests: requestsSince(emu, from) };
}
