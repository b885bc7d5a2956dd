/**
 * Every input of the step, parsed once into one typed object. Every problem is collected (none
 * stops the parse), so the step can report them all together before any request.
 */
import { parseGenerateLines, type GenerateEntry } from "./generate.ts";
import {
  parseGetMapping,
  parseSetMapping,
  type GetMappedEntry,
  type MappedEntry,
} from "./mapping.ts";
import type { InputName } from "./platform.ts";
import type { WorkspaceRef } from "./workspace.ts";

export type Mode = "set" | "get";
export type Overwrite = "changed" | "always" | "never";

/** Key Vault's limits on what is stored with a secret, checked before any request. */
export const limits = {
  valueBytes: 25 * 1024,
  tags: 15,
  tagNameLength: 256,
  tagValueLength: 256,
  contentTypeLength: 255,
} as const;

/**
 * Requests in flight when `max-concurrency` is not given. At Key Vault's usual 20-100 ms a
 * request, 16 in flight send 160-800 a second: the write budget (30 a second) binds, not the
 * connection, and the read budget (400 a second) is reached only on a fast network, where the
 * gate's pacing holds it. More would only queue at the vault.
 */
export const defaultConcurrency = 16;
export const maxConcurrencyBound = 64;

export interface Settings {
  mode: Mode;
  vault: { url: string } | { workspace: WorkspaceRef };
  /** Set mode: the `secrets` lines. */
  setEntries: MappedEntry[];
  /** Get mode: the `secrets` lines (named secrets and `*`). */
  getEntries: GetMappedEntry[];
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
}

export type InputReader = (name: InputName) => string | undefined;

/** Reads every input through `read` (an empty input counts as not given). */
export function parseSettings(read: InputReader): { settings: Settings; problems: string[] } {
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
    problems.push(`input ${name} must be true or false, not \`${value}\``);
    return fallback;
  };
  const choice = <T extends string>(name: InputName, allowed: readonly T[], fallback: T): T => {
    const value = text(name);
    if (value === undefined) return fallback;
    const found = allowed.find((a) => a === value.toLowerCase());
    if (found) return found;
    problems.push(`input ${name} must be one of ${allowed.join(", ")}, not \`${value}\``);
    return fallback;
  };

  const mode = choice<Mode>("mode", ["set", "get"], "set");
  const secretsText = read("secrets") ?? "";
  const setMapping = mode === "set" ? parseSetMapping(secretsText) : { entries: [], problems: [] };
  const getMapping = mode === "get" ? parseGetMapping(secretsText) : { entries: [], problems: [] };
  problems.push(...setMapping.problems, ...getMapping.problems);

  const generated = parseGenerateLines(read("generate") ?? "");
  problems.push(...generated.problems);
  const variablePrefix = text("variable-prefix");
  if (mode === "get") {
    if (generated.entries.length > 0) problems.push("input generate is for set mode (mode is get)");
    if (variablePrefix !== undefined)
      problems.push("input variable-prefix is for set mode (mode is get)");
    if (getMapping.entries.length === 0 && getMapping.problems.length === 0)
      problems.push("input secrets names nothing to read: give vault secret names or `*`");
  }

  const settings: Settings = {
    mode,
    vault: parseVault(text, problems),
    setEntries: setMapping.entries,
    getEntries: getMapping.entries,
    overwrite: choice<Overwrite>("overwrite", ["changed", "always", "never"], "changed"),
    recoverDeleted: bool("recover-deleted", true),
    disablePreviousVersions: bool("disable-previous-versions", false),
    generate: generated.entries,
    dryRun: bool("dry-run", false),
    exportEnv: bool("export-env", false),
    allowEmpty: bool("allow-empty", false),
    maxConcurrency: parseConcurrency(text("max-concurrency"), problems),
  };
  if (variablePrefix !== undefined) settings.variablePrefix = variablePrefix;

  const contentType = text("content-type");
  if (contentType !== undefined) {
    if (contentType.length > limits.contentTypeLength) {
      problems.push(
        `input content-type is ${contentType.length} characters long (Key Vault allows at most ${limits.contentTypeLength})`,
      );
    }
    settings.contentType = contentType;
  }
  const tags = parseTags(read("tags") ?? "", problems);
  if (tags) settings.tags = tags;
  const expiresIn = parseDurationInput("expires-in", text("expires-in"), problems);
  if (expiresIn !== undefined) {
    if (expiresIn === 0) problems.push("input expires-in must be longer than 0");
    settings.expiresInMs = expiresIn;
  }
  const notBeforeIn = parseDurationInput("not-before-in", text("not-before-in"), problems);
  if (notBeforeIn !== undefined) settings.notBeforeInMs = notBeforeIn;
  if (expiresIn !== undefined && notBeforeIn !== undefined && expiresIn <= notBeforeIn) {
    problems.push(
      "input expires-in must be longer than not-before-in (a version would expire before it is active)",
    );
  }
  return { settings, problems };
}

function parseVault(
  text: (name: InputName) => string | undefined,
  problems: string[],
): Settings["vault"] {
  const url = text("vault-url");
  const name = text("workspace-name");
  const resourceGroup = text("resource-group");
  const subscriptionId = text("subscription-id");
  if (url !== undefined) {
    if (name !== undefined || resourceGroup !== undefined) {
      problems.push("give either vault-url or workspace-name with resource-group, not both");
    }
    const problem = vaultUrlProblem(url);
    if (problem) problems.push(problem);
    return { url };
  }
  if (name === undefined && resourceGroup === undefined) {
    problems.push(
      "no vault: give vault-url (https://NAME.vault.azure.net) or workspace-name with resource-group",
    );
    return { url: "" };
  }
  if (name === undefined) problems.push("input resource-group needs workspace-name too");
  if (resourceGroup === undefined) problems.push("input workspace-name needs resource-group too");
  const workspace: WorkspaceRef = { name: name ?? "", resourceGroup: resourceGroup ?? "" };
  if (subscriptionId !== undefined) workspace.subscriptionId = subscriptionId;
  return { workspace };
}

/** Only `https` vault URLs, with nothing after the host: TLS is never optional. */
export function vaultUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `input vault-url \`${url}\` is not a URL (https://NAME.vault.azure.net)`;
  }
  if (parsed.protocol !== "https:") {
    return `input vault-url ${url} must use https: a vault is only reached over TLS`;
  }
  if (
    parsed.username ||
    parsed.password ||
    parsed.search ||
    parsed.hash ||
    parsed.pathname !== "/"
  ) {
    return `input vault-url \`${url}\` must be the vault's address only (https://NAME.vault.azure.net)`;
  }
  return undefined;
}

function parseConcurrency(value: string | undefined, problems: string[]): number {
  if (value === undefined) return defaultConcurrency;
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > maxConcurrencyBound) {
    problems.push(
      `input max-concurrency must be a whole number from 1 to ${maxConcurrencyBound}, not \`${value}\``,
    );
    return defaultConcurrency;
  }
  return n;
}

/** `key=value` lines (blank lines ignored); every problem named by its line. */
function parseTags(text: string, problems: string[]): Record<string, string> | undefined {
  const tags: Record<string, string> = {};
  let count = 0;
  text.split(/\r?\n|\r/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === "") return;
    const where = `tags line ${index + 1}`;
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
  if (count > limits.tags)
    problems.push(`input tags has ${count} tags (Key Vault allows at most ${limits.tags})`);
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
  problems: string[],
): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  if (ms === undefined) {
    problems.push(
      `input ${name} \`${value}\` is not a duration (e.g. 90d, 12h, 1d12h; units s, m, h, d, w)`,
    );
  }
  return ms;
}
