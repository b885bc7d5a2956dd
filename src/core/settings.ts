/**
 * Every input of the step, parsed once into one typed object. Every problem is collected (none
 * stops the parse), so the step can report them all together before any request.
 */
import { parseGenerateLines, type GenerateEntry } from "./generate.ts";
import { reservedOutputProblems } from "./get.ts";
import {
  parseDeleteMapping,
  parseGetMapping,
  parseSetMapping,
  type GetMappedEntry,
  type MappedEntry,
  type NamedSecret,
} from "./mapping.ts";
import type { InputLabel, InputName } from "./platform.ts";
import type { WorkspaceRef } from "./workspace.ts";

export type Mode = "set" | "get" | "list" | "delete";
export type Overwrite = "changed" | "always" | "never";
export const outFormats = ["dotenv", "shell", "json"] as const;
export type OutFormat = (typeof outFormats)[number];

/** Key Vault's limits on what is stored with a secret, checked before any request. */
export const limits = {
  valueBytes: 25 * 1024,
  tags: 15,
  tagNameLength: 256,
  tagValueLength: 256,
  contentTypeLength: 255,
} as const;

/** The tag that marks a secret as written by one pipeline (`owner`), for `prune`. */
export const ownerTag = "aml-secrets-owner";

/**
 * Requests in flight when `max-concurrency` is not given. At Key Vault's usual 20-100 ms a
 * request, 16 in flight send 160-800 a second: the write budget (30 a second) binds, not the
 * connection, and the read budget (400 a second) is reached only on a fast network, where the
 * gate's pacing holds it. More would only queue at the vault.
 */
export const defaultConcurrency = 16;
export const maxConcurrencyBound = 64;

/**
 * How long one request may take, answer body included, when `request-timeout` is not given.
 * Key Vault answers in well under a second; 30 s leaves room for a slow proxy or a cold token
 * endpoint, and three tries of a request that never answers still fail the step within two minutes.
 */
export const defaultRequestTimeoutMs = 30_000;

export interface Settings {
  mode: Mode;
  /** The platform's spelling of each input, for messages. */
  label: InputLabel;
  vault: { url: string } | { workspace: WorkspaceRef };
  /** Set mode: the `secrets` lines. */
  setEntries: MappedEntry[];
  /** Get mode: the `secrets` lines (named secrets and `*`). */
  getEntries: GetMappedEntry[];
  /** Delete mode: the vault names the `secrets` lines name. */
  deleteEntries: NamedSecret[];
  variablePrefix?: string;
  overwrite: Overwrite;
  recoverDeleted: boolean;
  contentType?: string;
  tags?: Record<string, string>;
  /** Milliseconds from the write until the version expires. */
  expiresInMs?: number;
  /** Milliseconds from the write until the version becomes active. */
  notBeforeInMs?: number;
  disablePreviousVersions: boolean;
  generate: GenerateEntry[];
  dryRun: boolean;
  exportEnv: boolean;
  allowEmpty: boolean;
  maxConcurrency: number;
  /** Set mode: every written secret carries the tag `aml-secrets-owner=<owner>`. */
  owner?: string;
  /** Set mode: soft-delete the owner's secrets that the mapping no longer names. */
  prune: boolean;
  /** List mode: the soft-deleted secrets too. */
  includeDeleted: boolean;
  /** Get mode: also write the values to this file, in `outFormat`. */
  outFile?: string;
  outFormat: OutFormat;
  /** Get mode on Azure Pipelines: the secret variables are output variables too. */
  outputVariables: boolean;
  /** Get mode: put before every output name that `*` derives from a vault name. */
  outputPrefix?: string;
  /** Get mode: allow output names an environment or the runner gives meaning to (`PATH`, `BASH_ENV`...). */
  allowReservedNames: boolean;
  requestTimeoutMs: number;
}

export type InputReader = (name: InputName) => string | undefined;

/**
 * The inputs that belong to some modes only, with the value that means "not given" (the
 * action's defaults reach the step as values). One given in another mode is a problem: it
 * would be silently ignored, and the user believes it did something.
 */
const modeInputs: Partial<Record<InputName, { modes: Mode[]; unset?: string }>> = {
  "variable-prefix": { modes: ["set"] },
  generate: { modes: ["set"] },
  overwrite: { modes: ["set"], unset: "changed" },
  "recover-deleted": { modes: ["set"], unset: "true" },
  "content-type": { modes: ["set"] },
  tags: { modes: ["set"] },
  "expires-in": { modes: ["set"] },
  "not-before-in": { modes: ["set"] },
  "disable-previous-versions": { modes: ["set"], unset: "false" },
  "allow-empty": { modes: ["set"], unset: "false" },
  owner: { modes: ["set"] },
  prune: { modes: ["set"], unset: "false" },
  "dry-run": { modes: ["set", "delete"], unset: "false" },
  "include-deleted": { modes: ["list"], unset: "false" },
  "export-env": { modes: ["get"], unset: "false" },
  "out-file": { modes: ["get"] },
  "out-format": { modes: ["get"], unset: "dotenv" },
  "output-variables": { modes: ["get"], unset: "false" },
  "output-prefix": { modes: ["get"] },
  "allow-reserved-names": { modes: ["get"], unset: "false" },
};

/** Reads every input through `read` (an empty input counts as not given). */
export function parseSettings(
  read: InputReader,
  label: InputLabel = (name) => name,
): { settings: Settings; problems: string[] } {
  const problems: string[] = [];
  const text = (name: InputName): string | undefined => {
    const value = read(name)?.trim();
    return value === undefined || value === "" ? undefined : value;
  };
  const bool = (name: InputName, fallback: boolean): boolean => {
    const value = text(name);
    if (value === undefined) return fallback;
    if (/^true$/i.test(value)) return true;
    if (/^false$/i.test(value)) return false;
    problems.push(`input ${label(name)} must be true or false, not \`${value}\``);
    return fallback;
  };
  const choice = <T extends string>(name: InputName, allowed: readonly T[], fallback: T): T => {
    const value = text(name);
    if (value === undefined) return fallback;
    const found = allowed.find((a) => a === value.toLowerCase());
    if (found) return found;
    problems.push(`input ${label(name)} must be one of ${allowed.join(", ")}, not \`${value}\``);
    return fallback;
  };

  const mode = choice<Mode>("mode", ["set", "get", "list", "delete"], "set");
  for (const [name, rule] of Object.entries(modeInputs) as [
    InputName,
    { modes: Mode[]; unset?: string },
  ][]) {
    const value = text(name);
    if (value === undefined || rule.modes.includes(mode)) continue;
    if (rule.unset !== undefined && value.toLowerCase() === rule.unset) continue;
    problems.push(`input ${label(name)} is for ${rule.modes.join(" and ")} mode (mode is ${mode})`);
  }

  const secretsText = read("secrets") ?? "";
  const secretsLabel = label("secrets");
  const none = { entries: [], problems: [] };
  const setMapping = mode === "set" ? parseSetMapping(secretsText, secretsLabel) : none;
  const getMapping = mode === "get" ? parseGetMapping(secretsText, secretsLabel) : none;
  const deleteMapping = mode === "delete" ? parseDeleteMapping(secretsText, secretsLabel) : none;
  problems.push(...setMapping.problems, ...getMapping.problems, ...deleteMapping.problems);
  if (mode === "list" && secretsText.trim() !== "")
    problems.push(`input ${secretsLabel} is not taken in list mode (it lists every secret)`);
  if (mode === "get" && getMapping.entries.length === 0 && getMapping.problems.length === 0)
    problems.push(`input ${secretsLabel} names nothing to read: give vault secret names or \`*\``);
  if (
    mode === "delete" &&
    deleteMapping.entries.length === 0 &&
    deleteMapping.problems.length === 0
  )
    problems.push(`input ${secretsLabel} names nothing to delete: give vault secret names`);

  const generated = parseGenerateLines(read("generate") ?? "", label("generate"));
  if (mode === "set") problems.push(...generated.problems);

  const settings: Settings = {
    mode,
    label,
    vault: parseVault(text, label, problems),
    setEntries: setMapping.entries,
    getEntries: getMapping.entries,
    deleteEntries: deleteMapping.entries,
    overwrite: choice<Overwrite>("overwrite", ["changed", "always", "never"], "changed"),
    recoverDeleted: bool("recover-deleted", true),
    disablePreviousVersions: bool("disable-previous-versions", false),
    generate: mode === "set" ? generated.entries : [],
    dryRun: bool("dry-run", false),
    exportEnv: bool("export-env", false),
    allowEmpty: bool("allow-empty", false),
    maxConcurrency: parseConcurrency(text("max-concurrency"), label, problems),
    prune: bool("prune", false),
    includeDeleted: bool("include-deleted", false),
    outFormat: choice<OutFormat>("out-format", outFormats, "dotenv"),
    outputVariables: bool("output-variables", false),
    allowReservedNames: bool("allow-reserved-names", false),
    requestTimeoutMs: parseTimeout(text("request-timeout"), label, problems),
  };
  if (mode === "get")
    problems.push(
      ...reservedOutputProblems(getMapping.entries, settings.allowReservedNames, label),
    );
  const variablePrefix = text("variable-prefix");
  if (variablePrefix !== undefined) settings.variablePrefix = variablePrefix;
  const outFile = text("out-file");
  if (outFile !== undefined) settings.outFile = outFile;
  else if (mode === "get" && settings.outFormat !== "dotenv")
    problems.push(
      `input ${label("out-format")} needs ${label("out-file")}: without a file nothing is written in that format`,
    );
  const outputPrefix = text("output-prefix");
  if (outputPrefix !== undefined) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(outputPrefix))
      problems.push(
        `input ${label("output-prefix")} \`${outputPrefix}\` must be letters, digits and \`_\`, not starting with a digit (e.g. KV_)`,
      );
    settings.outputPrefix = outputPrefix;
  }

  const contentType = text("content-type");
  if (contentType !== undefined) {
    if (contentType.length > limits.contentTypeLength) {
      problems.push(
        `input ${label("content-type")} is ${contentType.length} characters long (Key Vault allows at most ${limits.contentTypeLength})`,
      );
    }
    settings.contentType = contentType;
  }
  const tags = parseTags(read("tags") ?? "", label("tags"), problems);
  const owner = text("owner");
  if (owner !== undefined) {
    if (owner.length > limits.tagValueLength)
      problems.push(
        `input ${label("owner")} is ${owner.length} characters long (a tag value holds at most ${limits.tagValueLength})`,
      );
    if (tags && Object.hasOwn(tags, ownerTag))
      problems.push(
        `input ${label("tags")} sets ${ownerTag}: that tag is the ${label("owner")} input's`,
      );
    settings.owner = owner;
  }
  const tagCount = Object.keys(tags ?? {}).length + (owner !== undefined ? 1 : 0);
  if (tagCount > limits.tags)
    problems.push(
      `input ${label("tags")} has ${tagCount} tags${owner !== undefined ? ` with the ${ownerTag} tag of ${label("owner")}` : ""} (Key Vault allows at most ${limits.tags})`,
    );
  if (tags) settings.tags = tags;
  if (settings.prune && mode === "set" && owner === undefined)
    problems.push(
      `input ${label("prune")} needs ${label("owner")}: only the secrets this pipeline owns (tagged ${ownerTag}) are ever pruned`,
    );

  const expiresIn = parseDurationInput("expires-in", text("expires-in"), label, problems);
  if (expiresIn !== undefined) {
    if (expiresIn === 0) problems.push(`input ${label("expires-in")} must be longer than 0`);
    settings.expiresInMs = expiresIn;
  }
  const notBeforeIn = parseDurationInput("not-before-in", text("not-before-in"), label, problems);
  if (notBeforeIn !== undefined) settings.notBeforeInMs = notBeforeIn;
  if (expiresIn !== undefined && notBeforeIn !== undefined && expiresIn <= notBeforeIn) {
    problems.push(
      `input ${label("expires-in")} must be longer than ${label("not-before-in")} (a version would expire before it is active)`,
    );
  }
  return { settings, problems };
}

function parseVault(
  text: (name: InputName) => string | undefined,
  label: InputLabel,
  problems: string[],
): Settings["vault"] {
  const url = text("vault-url");
  const name = text("workspace-name");
  const resourceGroup = text("resource-group");
  const subscriptionId = text("subscription-id");
  if (url !== undefined) {
    if (name !== undefined || resourceGroup !== undefined) {
      problems.push(
        `give either ${label("vault-url")} or ${label("workspace-name")} with ${label("resource-group")}, not both`,
      );
    }
    const problem = vaultUrlProblem(url, `input ${label("vault-url")}`);
    if (problem) problems.push(problem);
    return { url };
  }
  if (name === undefined && resourceGroup === undefined) {
    problems.push(
      `no vault: give ${label("vault-url")} (https://NAME.vault.azure.net) or ${label("workspace-name")} with ${label("resource-group")}`,
    );
    return { url: "" };
  }
  if (name === undefined)
    problems.push(`input ${label("resource-group")} needs ${label("workspace-name")} too`);
  if (resourceGroup === undefined)
    problems.push(`input ${label("workspace-name")} needs ${label("resource-group")} too`);
  const workspace: WorkspaceRef = { name: name ?? "", resourceGroup: resourceGroup ?? "" };
  if (subscriptionId !== undefined) workspace.subscriptionId = subscriptionId;
  return { workspace };
}

/**
 * Only `https` vault URLs, with nothing after the host: TLS is never optional. `what` names
 * where the URL came from (`input vault-url`, or the workspace's vault in ARM).
 */
export function vaultUrlProblem(url: string, what = "input vault-url"): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `${what} \`${url}\` is not a URL (https://NAME.vault.azure.net)`;
  }
  if (parsed.protocol !== "https:") {
    return `${what} ${url} must use https: a vault is only reached over TLS`;
  }
  // The SDK's HTTP client looks `[::1]` up as a host name and never reaches it.
  if (parsed.hostname.startsWith("[")) {
    return `${what} \`${url}\` is an IPv6 address, which the Azure SDK cannot reach: give the vault's name (https://NAME.vault.azure.net), or 127.0.0.1 for a local emulator`;
  }
  if (
    parsed.username ||
    parsed.password ||
    parsed.search ||
    parsed.hash ||
    parsed.pathname !== "/"
  ) {
    return `${what} \`${url}\` must be the vault's address only (https://NAME.vault.azure.net)`;
  }
  return undefined;
}

function parseConcurrency(
  value: string | undefined,
  label: InputLabel,
  problems: string[],
): number {
  if (value === undefined) return defaultConcurrency;
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > maxConcurrencyBound) {
    problems.push(
      `input ${label("max-concurrency")} must be a whole number from 1 to ${maxConcurrencyBound}, not \`${value}\``,
    );
    return defaultConcurrency;
  }
  return n;
}

/** `request-timeout`: a duration from 1 s to 10 min (a longer one would only look hung). */
function parseTimeout(value: string | undefined, label: InputLabel, problems: string[]): number {
  const ms = parseDurationInput("request-timeout", value, label, problems);
  if (ms === undefined) return defaultRequestTimeoutMs;
  if (ms < 1_000 || ms > 600_000) {
    problems.push(`input ${label("request-timeout")} must be from 1s to 10m, not \`${value}\``);
    return defaultRequestTimeoutMs;
  }
  return ms;
}

/** `key=value` lines (blank lines ignored); every problem named by its line. */
function parseTags(
  text: string,
  input: string,
  problems: string[],
): Record<string, string> | undefined {
  const tags: Record<string, string> = {};
  let count = 0;
  text.split(/\r?\n|\r/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === "") return;
    const where = `${input} line ${index + 1}`;
    const eq = line.indexOf("=");
    const key = eq === -1 ? line : line.slice(0, eq).trim();
    if (eq === -1 || key === "") {
      problems.push(`${where}: write \`name=value\``);
      return;
    }
    const value = line.slice(eq + 1).trim();
    if (key.length > limits.tagNameLength)
      problems.push(
        `${where}: tag name is ${key.length} characters long (at most ${limits.tagNameLength})`,
      );
    if (value.length > limits.tagValueLength)
      problems.push(
        `${where}: tag ${key}'s value is ${value.length} characters long (at most ${limits.tagValueLength})`,
      );
    if (Object.hasOwn(tags, key)) problems.push(`${where}: tag ${key} is given twice`);
    tags[key] = value;
    count += 1;
  });
  return count > 0 ? tags : undefined;
}

const unitMs: Record<string, number> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** A duration like `90d`, `12h`, `1d12h` (units s, m, h, d, w) in milliseconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const compact = text.replace(/\s+/g, "").toLowerCase();
  if (!/^(\d+[smhdw])+$/.test(compact)) return undefined;
  let total = 0;
  for (const [, amount, unit] of compact.matchAll(/(\d+)([smhdw])/g)) {
    total += Number(amount) * (unitMs[unit ?? ""] ?? Number.NaN);
  }
  // Beyond year 9999 no Date (nor Key Vault) can hold it.
  return Number.isSafeInteger(total) && total < 250_000 * 86_400_000 ? total : undefined;
}

function parseDurationInput(
  name: InputName,
  value: string | undefined,
  label: InputLabel,
  problems: string[],
): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  if (ms === undefined) {
    problems.push(
      `input ${label(name)} \`${value}\` is not a duration (e.g. 90d, 12h, 1d12h; units s, m, h, d, w)`,
    );
  }
  return ms;
}
