/**
 * The `entra-application` provider: the secret holds a client secret (a password) of an Entra
 * application (`ProviderAddress`: its object id, as Azure's AAD-app rotation sample tags it; or
 * `ClientId`). A new password is added through Microsoft Graph, tested (a client-credential token
 * with it), stored as the new version (tag `CredentialId` = its key id), and only then are the
 * passwords aml-secrets added before the one readers hold removed, so that exactly two of ours
 * stay valid: the new one and the one readers hold now. A new password that fails its test or
 * cannot be stored is removed again; the one readers hold is never touched.
 */
import { errorMessage } from "../../errors.ts";
import type { ResultRow } from "../../report/result.ts";
import {
  authorityHosts,
  describeApplication,
  EntraApplication,
  graphAudience,
  isGuid,
  passwordNamePrefix,
  tenantOf,
  testPassword,
  type ApplicationRef,
  type ApplicationState,
} from "../../providers/entra-application.ts";
import { failure } from "../../vault/service-error.ts";
import {
  failedRow,
  rotatedRow,
  rotatedTags,
  setting,
  storeVersion,
  validityMs,
  type Current,
  type RotateContext,
  type Stored,
} from "./context.ts";
import type { RotateEntry } from "./inputs.ts";

export interface EntraTarget {
  ref: ApplicationRef;
  /** The key id of the password readers hold, when the secret's tags say. */
  held?: string;
}

export function entraTarget(entry: RotateEntry, current: Current): EntraTarget | string {
  const objectId = setting(entry, current, "ProviderAddress");
  const clientId = setting(entry, current, "ClientId");
  const held = setting(entry, current, "CredentialId");
  const id = objectId ?? clientId;
  if (id === undefined)
    return "no ProviderAddress (the application's object id) or ClientId on the line or in the secret's tags";
  if (!isGuid(id))
    return `${objectId !== undefined ? "ProviderAddress" : "ClientId"} \`${id}\` is not an application id (a GUID)`;
  const ref: ApplicationRef = objectId !== undefined ? { objectId } : { clientId: id };
  return held !== undefined ? { ref, held } : { ref };
}

export async function rotateEntra(
  ctx: RotateContext,
  entry: RotateEntry,
  current: Current,
  target: EntraTarget,
  why: string,
): Promise<ResultRow> {
  const { job } = ctx;
  const { connection } = job;
  const name = entry.vaultName;
  const rotation = { provider: entry.provider };
  const app = describeApplication(target.ref);
  let application: EntraApplication;
  let state: ApplicationState;
  let tenantId: string | undefined;
  let audience: string | undefined;
  try {
    const graph = ctx.graph();
    audience = graphAudience(connection.cloud);
    application = new EntraApplication(graph, target.ref, (v) => job.reporter.remember(v));
    state = await application.read();
    tenantId =
      setting(entry, current, "TenantId") ??
      (await tenantOf(connection.credential, `${audience}/.default`));
  } catch (e: unknown) {
    return failedRow(entry, `nothing was changed: ${errorMessage(e)}`, rotation);
  }
  const authorityHost = ctx.settings.authorityHost ?? authorityHosts[connection.cloud.name];
  if (!tenantId || !authorityHost)
    return failedRow(
      entry,
      `nothing was changed: ${!tenantId ? "the tenant of the application is not known (the connection's Graph token names none): give TenantId on the line" : `no Entra authority is known for cloud ${connection.cloud.name}: give ${job.settings.label("authority-host")}`}`,
      rotation,
    );

  const expiresOn = new Date(ctx.now().getTime() + validityMs(ctx, entry, current));
  let added: { keyId: string; secret: string; end: string };
  try {
    added = await application.addPassword(ctx.passwordName, expiresOn);
  } catch (e: unknown) {
    return failedRow(
      entry,
      `nothing was stored: ${errorMessage(e)}; readers keep their password, which is unchanged`,
      rotation,
    );
  }
  const withKey = { ...rotation, credential: added.keyId };
  /** Removes the new password again; says how that went. */
  const withdraw = async (): Promise<string> => {
    try {
      await application.removePassword(added.keyId);
      return `the new password ${added.keyId} was removed again`;
    } catch (e: unknown) {
      return `the new password ${added.keyId} could not be removed again (${errorMessage(e)}): remove it from ${app} by hand`;
    }
  };

  try {
    await testPassword({
      tenantId,
      clientId: state.appId,
      secret: added.secret,
      authorityHost,
      scope: `${audience}/.default`,
      ...(connection.httpClient ? { httpClient: connection.httpClient } : {}),
    });
  } catch (e: unknown) {
    return failedRow(
      entry,
      `nothing was stored: the new password of ${app} failed its test: ${errorMessage(e)}; ${await withdraw()}; readers keep their password, which is unchanged`,
      withKey,
    );
  }

  const tags = rotatedTags(entry, current, added.keyId, state.id);
  const end = Date.parse(added.end);
  const expires = Number.isNaN(end) ? expiresOn : new Date(end);
  let stored: Stored;
  try {
    stored = await storeVersion(ctx, name, added.secret, current, tags, expires);
  } catch (e: unknown) {
    const message = `CLIENT SECRET ADDED BUT NOT STORED: a new password ${added.keyId} of ${app} was added and tested, but ${failure(job, `storing it as a new version of secret ${name}`, e)}. Its value was not stored or printed anywhere; ${await withdraw()}; readers keep their password, which still works.`;
    job.reporter.error(message);
    return failedRow(entry, message, withKey);
  }

  const done = rotatedRow(entry, stored, withKey, why);
  // A secret the vault did not hold: who uses which of our passwords is not known; none is removed.
  const stale = current.exists ? stalePasswords(state, target.held, added.keyId) : [];
  const failures: string[] = [];
  for (const keyId of stale) {
    try {
      await application.removePassword(keyId);
    } catch (e: unknown) {
      failures.push(`${keyId}: ${errorMessage(e)}`);
    }
  }
  if (failures.length > 0)
    return {
      ...done,
      action: "failed",
      error: `the new password was stored as version ${stored.version ?? "?"}, but ${failures.length} of ${stale.length} older aml-secrets passwords of ${app} could not be removed (${failures.join("; ")}): the next rotation tries again`,
    };
  return stale.length > 0
    ? { ...done, note: `${why}; ${stale.length} older aml-secrets passwords removed` }
    : done;
}

/**
 * The passwords aml-secrets added (display name `aml-secrets…`) other than the new one and the
 * one readers hold. Readers' is the secret's `CredentialId`; without that tag, the newest of
 * ours before this run is taken to be theirs. Passwords someone else added are never touched.
 */
export function stalePasswords(
  state: ApplicationState,
  held: string | undefined,
  added: string,
): string[] {
  const ours = state.passwords.filter(
    (p) => p.displayName?.startsWith(passwordNamePrefix) === true && p.keyId !== added,
  );
  const keep =
    held ??
    [...ours].sort((a, b) => (b.startDateTime ?? "").localeCompare(a.startDateTime ?? ""))[0]
      ?.keyId;
  return ours.filter((p) => p.keyId.toLowerCase() !== keep?.toLowerCase()).map((p) => p.keyId);
}
