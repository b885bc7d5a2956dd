/**
 * What every provider's rotation works with: the job, the mode's settings, the providers'
 * services (made once, when first needed), the secret's current version, and the two vault steps
 * every rotation shares (read the current version, store the new one).
 */
import type { KeyVaultSecret } from "@azure/keyvault-secrets";
import type { ResultRow, Rotation } from "../../report/result.ts";
import { armScope, JsonService } from "../../vault/json-service.ts";
import { graphAudience, graphEndpoints } from "../../providers/entra-application.ts";
import { serviceError } from "../../vault/service-error.ts";
import { VaultError } from "../../errors.ts";
import { limits } from "../../inputs/limits.ts";
import type { Job } from "../job.ts";
import {
  defaultValidityMs,
  validityDays,
  type Provider,
  type RotateEntry,
  type RotateSettings,
} from "./inputs.ts";

export interface RotateContext {
  job: Job;
  settings: RotateSettings;
  now: () => Date;
  /** ARM at `resource-manager-url` (or the cloud's), with the connection's credential. */
  arm: () => JsonService;
  /** Microsoft Graph at `graph-url` (or the cloud's). */
  graph: () => JsonService;
  /** `aml-secrets <run id>`: the display name of a password this run adds. */
  passwordName: string;
}

export function rotateContext(
  job: Job,
  settings: RotateSettings,
  passwordName: string,
): RotateContext {
  const { connection } = job;
  const label = job.settings.label;
  const common = {
    requestTimeoutMs: job.settings.requestTimeoutMs,
    timeoutInput: label("request-timeout"),
  };
  let arm: JsonService | undefined;
  let graph: JsonService | undefined;
  return {
    job,
    settings,
    now: () => new Date(),
    passwordName,
    arm: () =>
      (arm ??= new JsonService(connection, {
        ...common,
        name: "ARM",
        base: connection.resourceManagerUrl ?? connection.cloud.resourceManager,
        scope: armScope(connection),
        baseInput: "resource-manager-url",
      })),
    graph: () => {
      const audience = graphAudience(connection.cloud);
      const base = settings.graphUrl ?? audience;
      if (!base || !audience)
        throw new VaultError(
          `no Microsoft Graph endpoint is known for cloud ${connection.cloud.name}: give ${label("graph-url")} (${Object.values(graphEndpoints).join(", ")})`,
        );
      return (graph ??= new JsonService(connection, {
        ...common,
        name: "Microsoft Graph",
        base,
        scope: `${audience}/.default`,
        baseInput: label("graph-url"),
      }));
    },
  };
}

/** The secret's current version, as a rotation needs it; `exists: false` when the vault has none. */
export interface Current {
  exists: boolean;
  tags: Record<string, string>;
  version?: string;
  expiresOn?: Date;
  contentType?: string;
}

/**
 * Reads the current version (its value is remembered at once: it is the credential readers
 * hold). A secret the vault does not hold is `exists: false`: the first rotation creates it.
 */
export async function readCurrent(ctx: RotateContext, name: string): Promise<Current> {
  const { client, gate, reporter } = ctx.job;
  let secret: KeyVaultSecret;
  try {
    secret = await gate.read(name, (abortSignal) =>
      client.getSecret(name, abortSignal ? { abortSignal } : {}),
    );
  } catch (e: unknown) {
    if (serviceError(e).status === 404 && serviceError(e).code === "SecretNotFound")
      return { exists: false, tags: {} };
    throw e;
  }
  if (secret.value !== undefined && secret.value !== "") reporter.remember(secret.value);
  const p = secret.properties;
  return {
    exists: true,
    tags: { ...p.tags },
    ...(p.version ? { version: p.version } : {}),
    ...(p.expiresOn ? { expiresOn: p.expiresOn } : {}),
    ...(p.contentType ? { contentType: p.contentType } : {}),
  };
}

/** The option of the line, else the secret's tag of that name. */
export function setting(entry: RotateEntry, current: Current, name: string): string | undefined {
  return entry.options[name] ?? current.tags[name];
}

/** How long the new credential lives: `ValidityPeriodDays` (line, tag), else `validity`, else 90 days. */
export function validityMs(ctx: RotateContext, entry: RotateEntry, current: Current): number {
  const days = validityDays(setting(entry, current, "ValidityPeriodDays") ?? "");
  return days !== undefined ? days * 86_400_000 : (ctx.settings.validityMs ?? defaultValidityMs);
}

/**
 * The tags of the new version, as the rotation samples write them: the secret's own, with
 * `CredentialId` the new credential, `ProviderAddress` its source, and `ValidityPeriodDays` when
 * the line or the tags give it.
 */
export function rotatedTags(
  entry: RotateEntry,
  current: Current,
  credentialId: string,
  providerAddress: string,
): Record<string, string> {
  const tags: Record<string, string> = {
    ...current.tags,
    CredentialId: credentialId,
    ProviderAddress: providerAddress,
  };
  const days = setting(entry, current, "ValidityPeriodDays");
  if (days !== undefined) tags.ValidityPeriodDays = days;
  return tags;
}

/**
 * Why the vault would refuse these tags, or undefined. Asked before the source is touched: a
 * credential changed at its source and then refused by the vault is the one failure that leaves
 * work behind.
 */
export function tagsProblem(tags: Record<string, string>): string | undefined {
  const count = Object.keys(tags).length;
  if (count > limits.tags)
    return `the new version would carry ${count} tags (Key Vault allows at most ${limits.tags}): remove some of the secret's tags`;
  const long = Object.entries(tags).find(
    ([k, v]) => k.length > limits.tagNameLength || v.length > limits.tagValueLength,
  );
  return long
    ? `the new version's tag ${long[0].slice(0, 40)} would be longer than Key Vault allows (${limits.tagValueLength} characters)`
    : undefined;
}

/**
 * Stores the new value as a new version; the content type stays the current one's. The expiry
 * returned is the vault's: Key Vault keeps whole seconds, so it is what readers will see.
 */
export async function storeVersion(
  ctx: RotateContext,
  name: string,
  value: string,
  current: Current,
  tags: Record<string, string>,
  expiresOn: Date,
): Promise<Stored> {
  const { client, gate } = ctx.job;
  const secret = await gate.write(name, (abortSignal) =>
    client.setSecret(name, value, {
      tags,
      expiresOn,
      ...(current.contentType ? { contentType: current.contentType } : {}),
      ...(abortSignal ? { abortSignal } : {}),
    }),
  );
  return {
    ...(secret.properties.version ? { version: secret.properties.version } : {}),
    ...(secret.properties.id ? { id: secret.properties.id } : {}),
    expires: (secret.properties.expiresOn ?? expiresOn).toISOString(),
  };
}

export interface Stored {
  version?: string;
  id?: string;
  expires: string;
}

/** The row of an entry that rotated. */
export function rotatedRow(
  entry: RotateEntry,
  stored: Stored,
  rotation: Rotation,
  note: string,
): ResultRow {
  return {
    name: entry.vaultName,
    source: entry.provider,
    action: "rotated",
    ...(stored.version ? { version: stored.version } : {}),
    ...(stored.id ? { id: stored.id } : {}),
    rotation: { ...rotation, expires: stored.expires },
    note,
  };
}

export function failedRow(entry: RotateEntry, error: string, rotation?: Rotation): ResultRow {
  return {
    name: entry.vaultName,
    source: entry.provider,
    action: "failed",
    error,
    ...(rotation ? { rotation } : {}),
  };
}

export type { Provider };
