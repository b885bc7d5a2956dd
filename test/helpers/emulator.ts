/**
 * Test helpers for the emulator: start one per test, and point the real
 * ManagedIdentityCredential of this process at an emulator token endpoint.
 *
 * Why a process-wide identity emulator: MSAL (msal-node 5) picks the managed identity source,
 * endpoint included, once per process and caches its tokens process-wide. So within one test
 * process, IDENTITY_ENDPOINT must name a server that lives as long as the process; tokens it
 * issues are accepted by every emulator that shares the test CA folder.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before } from "node:test";
import { ClientSecretCredential, ManagedIdentityCredential } from "@azure/identity";
import { SecretClient, type SecretClientOptions } from "@azure/keyvault-secrets";
import { startEmulator, type Emulator, type EmulatorOptions } from "../../src/emulator/index.ts";

let identityEmulator: Promise<Emulator> | undefined;

/** Sets IDENTITY_ENDPOINT / IDENTITY_HEADER of this process to a process-wide emulator. */
export async function useEmulatorManagedIdentity(): Promise<void> {
  identityEmulator ??= startEmulator({ unref: true });
  const emu = await identityEmulator;
  process.env.IDENTITY_ENDPOINT = emu.identityEndpoint;
  process.env.IDENTITY_HEADER = emu.identityHeader;
}

/** The real ManagedIdentityCredential, getting its tokens from the process-wide emulator. */
export async function emulatorManagedIdentity(): Promise<ManagedIdentityCredential> {
  await useEmulatorManagedIdentity();
  return new ManagedIdentityCredential();
}

/** The real ClientSecretCredential against the emulator's Entra stand-in. */
export function emulatorClientSecret(
  emu: Emulator,
  clientId = "11111111-2222-3333-4444-555555555555",
): ClientSecretCredential {
  // disableInstanceDiscovery: MSAL would otherwise ask login.microsoftonline.com whether the
  // emulator is a trusted authority, and refuse it.
  return new ClientSecretCredential(emu.tenantId, clientId, "emulator-client-secret", {
    authorityHost: emu.authorityHost,
    disableInstanceDiscovery: true,
  });
}

/** A real SecretClient for the emulator (loopback: the challenge resource cannot match the host). */
export async function emulatorSecretClient(
  emu: Emulator,
  options: SecretClientOptions = {},
): Promise<SecretClient> {
  return new SecretClient(emu.vaultUrl, await emulatorManagedIdentity(), {
    disableChallengeResourceVerification: true,
    retryOptions: { maxRetries: 0 },
    ...options,
  });
}

/** Runs `fn` with a fresh emulator, stopped afterwards whatever happens. */
export async function withEmulator<T>(
  fn: (emu: Emulator) => Promise<T>,
  options: EmulatorOptions = {},
): Promise<T> {
  const emu = await startEmulator(options);
  try {
    return await fn(emu);
  } finally {
    await emu.stop();
  }
}

/** A name no other test uses. */
export function uniqueName(prefix = "s"): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** One emulator for the tests of a file: started before the first, stopped after the last. */
export function emulatorPerFile(): () => Emulator {
  let emulator: Emulator | undefined;
  before(async () => {
    emulator = await startEmulator();
  });
  after(async () => {
    await emulator?.stop();
  });
  return () => {
    assert.ok(emulator, "the file's emulator starts before its tests");
    return emulator;
  };
}

/** A short random suffix, so that no two tests meet at one vault name. */
export function unique(): string {
  return randomBytes(3).toString("hex");
}
