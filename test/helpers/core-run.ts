/**
 * Running the core against an emulator: an in-memory platform whose connection is the real
 * ManagedIdentityCredential (through the process-wide emulator identity endpoint), and what the
 * emulator saw.
 */
import { clouds } from "../../src/core/vault/clouds.ts";
import type { Emulator, RequestRecord } from "../../src/emulator/index.ts";
import type { InputName } from "../../src/core/platform.ts";
import { run, type RunOutcome } from "../../src/core/run.ts";
import { emulatorManagedIdentity } from "./emulator.ts";
import { assertNoLeaks, recordScenario } from "./leaks.ts";
import { MemoryPlatform } from "./memory-platform.ts";

/** What the connection says to check about its credential (the core adds the vault role). */
export const credentialHint = "check that the emulator's managed identity is the one assigned";

export interface CoreRun {
  outcome: RunOutcome;
  platform: MemoryPlatform;
  /** The vault requests this run sent (token requests and challenges left out). */
  requests: RequestRecord[];
}

/** Runs the core once against `emu` with these inputs and variables, checking for leaks. */
export async function runCore(
  emu: Emulator,
  scenario: string,
  inputs: Partial<Record<InputName, string>>,
  variables: Record<string, string> = {},
  secrets: readonly string[] = Object.values(variables),
): Promise<CoreRun> {
  const credential = await emulatorManagedIdentity();
  const platform = new MemoryPlatform({
    inputs: { "vault-url": emu.vaultUrl, ...inputs },
    variables,
    connect: () => ({
      credential,
      cloud: clouds.AzureCloud!,
      resourceManagerUrl: emu.armUrl,
      describe: "the emulator's managed identity",
      hint: credentialHint,
    }),
  });
  const before = emu.requests.length;
  const outcome = await run(platform);
  const requests = emu.requests
    .slice(before)
    .filter((r) => r.kind === "secret-read" || r.kind === "secret-write");
  const generated = platform.events.flatMap((e) =>
    e.kind === "output" && e.secret ? [e.value] : [],
  );
  const all = [...secrets, ...generated];
  assertNoLeaks(platform.texts(), all, "none");
  recordScenario(`core-${scenario}`, platform.texts(), all, "none");
  return { outcome, platform, requests };
}

/** Vault requests that wrote something. */
export function writes(requests: RequestRecord[]): RequestRecord[] {
  return requests.filter((r) => r.kind === "secret-write" && r.status < 400 && r.status !== 0);
}
