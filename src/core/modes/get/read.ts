/** Get mode's reads: the named secrets, and what `*` finds in a listing of the vault. */
import type { KeyVaultSecret, SecretClient, SecretProperties } from "@azure/keyvault-secrets";
import { toPipelineName, vaultKey, vaultNameProblem } from "../../inputs/names.ts";
import { limits } from "../../inputs/limits.ts";
import { reservedName } from "../../inputs/reserved-names.ts";
import type { InputLabel, PlatformId } from "../../platform.ts";
import type { RequestGate } from "../../vault/gate.ts";
import { listedOf, type Listed } from "../../vault/listing.ts";
import type { ResultRow } from "../../report/result.ts";
import { failure, serviceError } from "../../vault/service-error.ts";
import { inWindow, windowWidth } from "../window.ts";

/**
 * One get-mode entry: a named vault secret and the output it goes to, or `*` / a pattern
 * (`startsWith` the part before `*`; `*` when absent).
 */
export type GetEntry =
  { vaultName: string; outputName: string } | { wildcard: true; startsWith?: string };

export interface ReadRequest {
  client: SecretClient;
  gate: RequestGate;
  entries: GetEntry[];
  /** Called with each value the moment it arrives, before anything else happens (the caller masks it). */
  received: (value: string) => void;
  /** What to check when the vault refuses (401 / 403): the connection's hint. */
  hint: string;
  /** Told how many reads there are, once known, and of each as it finishes (progress). */
  expect?: (count: number) => void;
  finished?: (row: ResultRow) => void;
  /** Put before every output name that `*` derives (`output-prefix`). */
  outputPrefix?: string;
  /** The platform's spelling of an input, for messages (default: the GitHub name). */
  label?: InputLabel;
  /** Whose reserved names a derived name is checked against (default: every platform's). */
  platform?: PlatformId;
  /** A named secret that does not exist is a `skipped` row, said through `warn` (`ignore-not-found`). */
  ignoreNotFound?: boolean;
  warn?: (line: string) => void;
  /** How many secrets are read at once (modes/window.ts). */
  width?: number;
}

export interface ReadOutcome {
  /** One row per secret read, skipped or failed; never a value. */
  rows: ResultRow[];
  /**
   * The value of each `read` row, at the row's index (none for the other rows): held here
   * once, not in a second list of names and values.
   */
  values: (string | undefined)[];
}

interface NamedRead {
  vaultName: string;
  outputName: string;
  /** Given by name (not found by `*`): read even when expired or not yet active, with a note. */
  named: boolean;
}

/**
 * Get mode: reads the named secrets and, for `*`, every enabled, active, unexpired secret that
 * is not certificate-backed. One secret's failure does not stop the others: it becomes a
 * `failed` row naming it.
 */
export async function readSecrets(request: ReadRequest): Promise<ReadOutcome> {
  const { entries } = request;
  const named: NamedRead[] = entries.flatMap((e) =>
    "wildcard" in e ? [] : [{ ...e, named: true }],
  );
  const skipped: ResultRow[] = [];
  const reads: NamedRead[] = [...named];
  const patterns = entries.flatMap((e) => ("wildcard" in e ? [e.startsWith ?? ""] : []));
  if (patterns.length > 0) {
    const listed = await listForWildcard(request, named, patterns);
    // One by one: a listing's 125,000 names as push's arguments overflow the stack.
    for (const row of listed.rows) skipped.push(row);
    for (const read of listed.reads) reads.push(read);
  }
  request.expect?.(reads.length);
  // Through a bounded window: 10,000 reads are not 10,000 closures and requests waiting at once.
  const rows = new Array<ResultRow>(reads.length);
  const values = new Array<string | undefined>(reads.length);
  await inWindow(reads.keys(), request.width ?? windowWidth(16), async (i) => {
    const outcome = await readOne(request, reads[i] as NamedRead);
    request.finished?.(outcome.row);
    rows[i] = outcome.row;
    values[i] = outcome.value;
  });
  // Named entries first in their given order, then what `*` found, then what `*` skipped.
  for (const row of skipped) rows.push(row);
  return { rows, values };
}

async function readOne(
  request: ReadRequest,
  read: NamedRead,
): Promise<{ row: ResultRow; value?: string }> {
  const { vaultName, outputName } = read;
  let secret: KeyVaultSecret;
  try {
    secret = await request.gate.read(vaultName, (abortSignal) =>
      request.client.getSecret(vaultName, { abortSignal }),
    );
  } catch (e: unknown) {
    if (request.ignoreNotFound && notFound(e)) {
      const label = request.label ?? ((input) => input);
      request.warn?.(
        `secret ${vaultName} was not found in the vault; output ${outputName} is not set (${label("ignore-not-found")})`,
      );
      return {
        row: {
          name: vaultName,
          source: outputName,
          action: "skipped",
          note: `not found; skipped (${label("ignore-not-found")})`,
        },
      };
    }
    return {
      row: {
        name: vaultName,
        source: outputName,
        action: "failed",
        error: whyNotRead(vaultName, e, request.hint),
      },
    };
  }
  // A hostile vault's `"value": {}` is no value (and would break every string operation after).
  const value: unknown = secret.value;
  // Key Vault stores at most 25 KiB: a longer value is no vault's, and is neither learned by the
  // redactor (megabytes of it took seconds and a gigabyte) nor handed on.
  if (typeof value === "string" && Buffer.byteLength(value, "utf8") > limits.valueBytes) {
    return {
      row: {
        name: vaultName,
        source: outputName,
        action: "failed",
        error: `secret ${vaultName}: the vault returned a value larger than Key Vault's ${limits.valueBytes / 1024} KiB; it was not read`,
      },
    };
  }
  if (typeof value === "string") request.received(value);
  const row: ResultRow = {
    name: vaultName,
    source: outputName,
    action: "read",
    version: secret.properties.version,
    id: secret.properties.id,
  };
  if (typeof value !== "string") {
    return {
      row: { ...row, action: "failed", error: `secret ${vaultName}: the vault returned no value` },
    };
  }
  const note = read.named ? namedNote(secret.properties) : undefined;
  return { row: note ? { ...row, note } : row, value };
}

const iso = (epochMs: number): string => new Date(epochMs).toISOString();

/**
 * Lists the vault once for `*` and the patterns (`startsWith`: the part of each before `*`):
 * the secrets to read, and a `skipped` row with a note for each one that matched and was left
 * out. Names also given explicitly are read once, under their explicit entry.
 */
async function listForWildcard(
  { client, gate, hint, outputPrefix = "", label = (input) => input, platform }: ReadRequest,
  named: NamedRead[],
  patterns: string[],
): Promise<{ rows: ResultRow[]; reads: NamedRead[] }> {
  const given = patterns.map((p) => `${p}*`).join(", ");
  let listed: Listed[];
  try {
    listed = await gate.read("*", async (abortSignal, progress) => {
      const all: Listed[] = [];
      for await (const properties of client.listPropertiesOfSecrets({ abortSignal })) {
        progress?.();
        all.push(listedOf(properties));
      }
      return all;
    });
  } catch (e: unknown) {
    return {
      rows: [
        {
          name: given,
          source: given,
          action: "failed",
          error: failure({ hint }, "listing the vault's secrets", e),
        },
      ],
      reads: [],
    };
  }
  const namedVault = new Set(named.map((n) => vaultKey(n.vaultName)));
  const outputs = new Map(named.map((n) => [n.outputName, n.vaultName]));
  const rows: ResultRow[] = [];
  const reads: NamedRead[] = [];
  const now = Date.now();
  for (const properties of listed.sort((a, b) => a.name.localeCompare(b.name))) {
    const name = properties.name;
    // Case-insensitive, as Key Vault compares names; the longest pattern names the match.
    const pattern = patterns
      .filter((p) => vaultKey(name).startsWith(vaultKey(p)))
      .sort((a, b) => b.length - a.length)[0];
    if (pattern === undefined || namedVault.has(vaultKey(name))) continue;
    const by = `${pattern}*`;
    const outputName = outputPrefix + toPipelineName(name);
    const reserved = reservedName(outputName, platform);
    const skip = (note: string): void => {
      rows.push({ name, source: outputName, action: "skipped", note });
    };
    if (vaultNameProblem(name)) {
      // Key Vault holds no such name: only a broken or hostile server lists one, and it must
      // not choose an output name (nor reach a log line) through it.
      rows.push({
        name,
        source: by,
        action: "failed",
        error: "the vault listed a name that is not a Key Vault secret name; it was not read",
      });
    } else if (properties.enabled === false) skip(`${by} skips disabled secrets`);
    else if (properties.expiresOn !== undefined && properties.expiresOn <= now) {
      skip(`${by} skips expired secrets (expired ${iso(properties.expiresOn)})`);
    } else if (properties.notBefore !== undefined && properties.notBefore > now) {
      skip(`${by} skips secrets not yet active (active from ${iso(properties.notBefore)})`);
    } else if (properties.managed) {
      skip(`${by} skips certificate-backed (managed) secrets; name it to read it`);
    } else if (reserved) {
      // Not read at all: whoever can write to the vault would choose this name, not the user.
      rows.push({
        name,
        source: outputName,
        action: "failed",
        error: `secret ${name}: \`${by}\` would hand it on as ${outputName}, a name that ${reserved.why}; ${
          outputPrefix === ""
            ? `give ${label("output-prefix")} (e.g. KV_) to put every name \`*\` derives under a prefix`
            : `choose another ${label("output-prefix")}`
        }, or map this secret to an output name of your choice`,
      });
    } else if (outputs.has(outputName)) {
      skip(`output ${outputName} is already taken by secret ${outputs.get(outputName)}`);
    } else {
      outputs.set(outputName, name);
      reads.push({ vaultName: name, outputName, named: false });
    }
  }
  return { rows, reads };
}

/** A note on a named secret that `*` would have skipped: it is read anyway, since it was asked for. */
function namedNote(properties: SecretProperties): string | undefined {
  const now = Date.now();
  if (properties.expiresOn && properties.expiresOn.getTime() <= now) {
    return `expired ${properties.expiresOn.toISOString()}; read because it was named`;
  }
  if (properties.notBefore && properties.notBefore.getTime() > now) {
    return `not active until ${properties.notBefore.toISOString()}; read because it was named`;
  }
  return undefined;
}

/** The vault says the secret does not exist. */
function notFound(e: unknown): boolean {
  const error = serviceError(e);
  return error.status === 404 || error.code === "SecretNotFound";
}

/** Why a named secret could not be read, naming it and what to check. */
function whyNotRead(vaultName: string, e: unknown, hint: string): string {
  const error = serviceError(e);
  if (notFound(e)) {
    return `secret ${vaultName} was not found in the vault (check the name, or whether it was deleted)`;
  }
  if (error.innerCode === "SecretDisabled" || error.code === "SecretDisabled") {
    return `secret ${vaultName} is disabled (SecretDisabled): enable its current version or name another secret`;
  }
  return failure({ hint }, `reading secret ${vaultName}`, e);
}
