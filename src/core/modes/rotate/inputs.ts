/**
 * Rotate mode's own inputs: the `secrets` lines (`vault-name: PROVIDER [Name=value ...]`),
 * `rotate-within`, `validity`, `graph-url`, `authority-host` and `dry-run`.
 *
 * A line's options have the names of the tags Azure's rotation samples write
 * (Azure-Samples/KeyVault-Rotation-StorageAccountKey-PowerShell,
 * Azure/KeyVault-Secrets-Rotation-AADApp-PowerShell): `CredentialId`, `ProviderAddress`,
 * `ValidityPeriodDays`; an option given on the line wins over the secret's tag of that name.
 */
import type { InputFields } from "../../inputs/fields.ts";
import { commentPattern } from "../../inputs/mapping.ts";
import { vaultKey, vaultNameProblem } from "../../inputs/names.ts";
import { boundsText, defaultGeneratedLength, isAllowedLength } from "../random-value.ts";

export const providers = ["storage-account", "entra-application", "generate"] as const;
export type Provider = (typeof providers)[number];

/** The options (and tags) each provider reads, spelled as the samples spell the tags. */
const optionNames: Record<Provider, readonly string[]> = {
  "storage-account": ["CredentialId", "ProviderAddress", "ValidityPeriodDays"],
  "entra-application": [
    "CredentialId",
    "ProviderAddress",
    "ClientId",
    "TenantId",
    "ValidityPeriodDays",
  ],
  generate: ["Length", "ValidityPeriodDays"],
};

/** The validity of a new credential when neither a tag nor `validity` says: the samples' 90 days. */
export const defaultValidityMs = 90 * 86_400_000;
/** Entra refuses a password that lives longer than two years (and so would most policies). */
export const maxValidityDays = 730;

export interface RotateEntry {
  vaultName: string;
  provider: Provider;
  /** The line's options, by their canonical name. */
  options: Record<string, string>;
  /** `secrets line 3`, for messages. */
  where: string;
}

export interface RotateSettings {
  entries: RotateEntry[];
  /** Only secrets whose current version expires within this many milliseconds rotate. */
  rotateWithinMs?: number;
  /** `validity`, when given. */
  validityMs?: number;
  graphUrl?: string;
  authorityHost?: string;
  dryRun: boolean;
}

export function parseRotateInputs(fields: InputFields): RotateSettings {
  const { raw, text, bool, label, problems, duration } = fields;
  const settings: RotateSettings = {
    entries: parseRotateLines(raw("secrets") ?? "", label("secrets"), problems),
    dryRun: bool("dry-run", false),
  };
  if (settings.entries.length === 0 && !problems.some((p) => p.startsWith(label("secrets"))))
    problems.push(
      `input ${label("secrets")} names nothing to rotate: write \`vault-name: PROVIDER\` lines (${providers.join(", ")})`,
    );
  const within = duration("rotate-within");
  if (within !== undefined) settings.rotateWithinMs = within;
  const validity = duration("validity");
  if (validity !== undefined) {
    if (validity < 86_400_000 || validity > maxValidityDays * 86_400_000)
      problems.push(
        `input ${label("validity")} must be from 1d to ${maxValidityDays}d, not \`${text("validity")}\``,
      );
    settings.validityMs = validity;
  }
  for (const name of ["graph-url", "authority-host"] as const) {
    const url = text(name);
    if (url === undefined) continue;
    if (!URL.canParse(url) || new URL(url).protocol !== "https:")
      problems.push(`input ${label(name)} \`${url}\` must be an https URL`);
    if (name === "graph-url") settings.graphUrl = url;
    else settings.authorityHost = url;
  }
  return settings;
}

/** `vault-name: PROVIDER [Name=value ...]` lines; every problem named by its line. */
export function parseRotateLines(text: string, input: string, problems: string[]): RotateEntry[] {
  const entries: RotateEntry[] = [];
  const firstLineOf = new Map<string, number>();
  text.split(/\r?\n|\r/).forEach((rawLine, index) => {
    const line = rawLine.replace(commentPattern, "").trim();
    if (line === "") return;
    const where = `${input} line ${index + 1}`;
    const colon = line.indexOf(":");
    if (colon === -1) {
      problems.push(
        `${where}: write \`vault-name: PROVIDER\` (${providers.join(", ")}), not one name`,
      );
      return;
    }
    const vaultName = line.slice(0, colon).trim();
    const [providerText = "", ...optionTexts] = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/);
    const before = problems.length;
    const nameProblem = vaultNameProblem(vaultName);
    if (nameProblem) problems.push(`${where}: ${nameProblem}`);
    const provider = providers.find((p) => p === providerText.toLowerCase());
    if (!provider) {
      problems.push(`${where}: \`${providerText}\` is not a provider (${providers.join(", ")})`);
      return;
    }
    const options = parseOptions(optionTexts, provider, where, problems);
    const earlier = firstLineOf.get(vaultKey(vaultName));
    if (earlier !== undefined)
      problems.push(
        `${where}: \`${vaultName}\` is already rotated on line ${earlier} (vault names are compared without regard to case)`,
      );
    else firstLineOf.set(vaultKey(vaultName), index + 1);
    if (problems.length === before) entries.push({ vaultName, provider, options, where });
  });
  return entries;
}

function parseOptions(
  texts: string[],
  provider: Provider,
  where: string,
  problems: string[],
): Record<string, string> {
  const allowed = optionNames[provider];
  const options: Record<string, string> = {};
  for (const text of texts) {
    const eq = text.indexOf("=");
    const name = allowed.find((a) => a.toLowerCase() === text.slice(0, eq).toLowerCase());
    if (eq <= 0 || !name) {
      problems.push(
        `${where}: \`${text}\` is not an option of ${provider} (write Name=value; ${allowed.join(", ")})`,
      );
      continue;
    }
    if (Object.hasOwn(options, name)) problems.push(`${where}: ${name} is given twice`);
    options[name] = text.slice(eq + 1);
    const problem = optionProblem(name, options[name]);
    if (problem) problems.push(`${where}: ${problem}`);
  }
  return options;
}

/**
 * What is wrong with an option's (or the same-named tag's) value, or undefined. The tags are
 * checked by the same rules once the secret is read.
 */
export function optionProblem(name: string, value: string): string | undefined {
  switch (name) {
    case "CredentialId":
      return undefined;
    case "ValidityPeriodDays":
      return validityDays(value) === undefined
        ? `ValidityPeriodDays \`${value}\` must be a whole number of days from 1 to ${maxValidityDays}`
        : undefined;
    case "Length": {
      const length = /^\d+$/.test(value) ? Number(value) : Number.NaN;
      return isAllowedLength(length)
        ? undefined
        : `Length \`${value}\` must be a whole number ${boundsText()}`;
    }
    default:
      return value === "" ? `${name} is empty` : undefined;
  }
}

/** `ValidityPeriodDays` as a number of days, or undefined when it is not one. */
export function validityDays(value: string): number | undefined {
  if (!/^\d{1,4}$/.test(value.trim())) return undefined;
  const days = Number(value.trim());
  return days >= 1 && days <= maxValidityDays ? days : undefined;
}

/** A generated value's length: the line's `Length`, else set mode's default. */
export function generatedLength(entry: RotateEntry): number {
  const length = entry.options.Length;
  return length === undefined ? defaultGeneratedLength : Number(length);
}
