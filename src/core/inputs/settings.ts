/**
 * The settings every mode shares: the mode, the vault (a URL or an Azure ML workspace), how many
 * requests may be in flight and how long one may take. Each mode parses its own inputs besides
 * (`modes/<mode>/inputs.ts`).
 */
import type { InputLabel } from "../platform.ts";
import type { InputFields } from "./fields.ts";
import { bareVaultName, keyVaultNameProblem } from "./vault-name.ts";

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

/** An Azure ML workspace, whose key vault is the one used. */
export interface WorkspaceRef {
  name: string;
  resourceGroup: string;
  subscriptionId?: string;
}

export interface Settings {
  /** One of the modes' names (`modes/index.ts`). */
  mode: string;
  /** The platform's spelling of each input, for messages. */
  label: InputLabel;
  /** A URL, a bare vault name (completed with the connection's cloud), or a workspace. */
  vault: { url: string } | { name: string } | { workspace: WorkspaceRef };
  maxConcurrency: number;
  requestTimeoutMs: number;
}

/** The shared settings; `modes` are the names the `mode` input may take, the first the default. */
export function parseSettings(
  fields: InputFields,
  modes: readonly [string, ...string[]],
): Settings {
  return {
    mode: fields.choice("mode", modes, modes[0]),
    label: fields.label,
    vault: parseVault(fields),
    maxConcurrency: parseConcurrency(fields),
    requestTimeoutMs: parseTimeout(fields),
  };
}

function parseVault({ text, label, problems }: InputFields): Settings["vault"] {
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
    if (bareVaultName(url)) {
      const problem = keyVaultNameProblem(url, `input ${label("vault-url")}`);
      if (problem) problems.push(problem);
      return { name: url };
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
  for (const [input, given, rule] of [
    ["workspace-name", name, armNames.workspace],
    ["resource-group", resourceGroup, armNames.resourceGroup],
    ["subscription-id", subscriptionId, armNames.subscription],
  ] as const) {
    if (given !== undefined && !rule.pattern.test(given))
      problems.push(`input ${label(input)} \`${given}\` is not ${rule.what}`);
  }
  const workspace: WorkspaceRef = { name: name ?? "", resourceGroup: resourceGroup ?? "" };
  if (subscriptionId !== undefined) workspace.subscriptionId = subscriptionId;
  return { workspace };
}

/**
 * The names ARM accepts, as ARM checks them: they become segments of an ARM path, where `.` or
 * `..` would move the request (and its token) to another resource. A resource group is 1 to 90
 * letters, digits, `_`, `-`, `.`, `(`, `)`, not ending in `.` (ARM's ResourceGroupNameParameter;
 * letters as .NET's Char.IsLetterOrDigit counts them); an Azure ML workspace is
 * `^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$` (the service's WorkspaceNameParameter); a subscription
 * is a GUID.
 */
const armNames = {
  workspace: {
    pattern: /^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$/,
    what: "an Azure ML workspace name (3 to 33 letters, digits, _ and -, starting with a letter or digit)",
  },
  resourceGroup: {
    pattern: /^[\p{L}\p{N}_\-.()]{0,89}[\p{L}\p{N}_\-()]$/u,
    what: "a resource group name (1 to 90 letters, digits, _, -, ., ( and ), not ending in .)",
  },
  subscription: {
    pattern: /^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/,
    what: "a subscription id (a GUID)",
  },
} as const;

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

function parseConcurrency({ text, label, problems }: InputFields): number {
  const value = text("max-concurrency");
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
function parseTimeout(fields: InputFields): number {
  const ms = fields.duration("request-timeout");
  if (ms === undefined) return defaultRequestTimeoutMs;
  if (ms < 1_000 || ms > 600_000) {
    fields.problems.push(
      `input ${fields.label("request-timeout")} must be from 1s to 10m, not \`${fields.text("request-timeout")}\``,
    );
    return defaultRequestTimeoutMs;
  }
  return ms;
}

/** A subscription id as ARM takes it: a GUID. */
export function isSubscriptionId(text: string): boolean {
  return armNames.subscription.pattern.test(text);
}
