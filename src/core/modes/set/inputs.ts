/** Set mode's own inputs: the mapping, `variable-prefix`, `generate`, and how each secret is written. */
import { limits } from "../../inputs/limits.ts";
import { parseSetMapping, type MappedEntry } from "../../inputs/mapping.ts";
import type { InputFields } from "../../inputs/fields.ts";
import { parseGenerateLines, type GenerateEntry } from "./generate.ts";

export type Overwrite = "changed" | "always" | "never";

/** The tag that marks a secret as written by one pipeline (`owner`), for `prune`. */
export const ownerTag = "aml-secrets-owner";

export interface SetSettings {
  /** The `secrets` lines. */
  entries: MappedEntry[];
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
  allowEmpty: boolean;
  /** Every written secret carries the tag `aml-secrets-owner=<owner>`. */
  owner?: string;
  /** Soft-delete the owner's secrets that the mapping no longer names. */
  prune: boolean;
}

export function parseSetInputs(fields: InputFields): SetSettings {
  const { raw, text, bool, label, problems } = fields;
  const mapping = parseSetMapping(raw("secrets") ?? "", label("secrets"));
  const generated = parseGenerateLines(raw("generate") ?? "", label("generate"));
  problems.push(...mapping.problems, ...generated.problems);
  const settings: SetSettings = {
    entries: mapping.entries,
    overwrite: fields.choice<Overwrite>("overwrite", ["changed", "always", "never"], "changed"),
    recoverDeleted: bool("recover-deleted", true),
    disablePreviousVersions: bool("disable-previous-versions", false),
    generate: generated.entries,
    dryRun: bool("dry-run", false),
    allowEmpty: bool("allow-empty", false),
    prune: bool("prune", false),
  };
  const variablePrefix = text("variable-prefix");
  if (variablePrefix !== undefined) settings.variablePrefix = variablePrefix;
  const contentType = text("content-type");
  if (contentType !== undefined) {
    if (contentType.length > limits.contentTypeLength) {
      problems.push(
        `input ${label("content-type")} is ${contentType.length} characters long (Key Vault allows at most ${limits.contentTypeLength})`,
      );
    }
    settings.contentType = contentType;
  }
  parseOwnerAndTags(fields, settings);
  parseDates(fields, settings);
  return settings;
}

function parseOwnerAndTags(
  { raw, text, label, problems }: InputFields,
  settings: SetSettings,
): void {
  const tags = parseTags(raw("tags") ?? "", label("tags"), problems);
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
  if (settings.prune && owner === undefined)
    problems.push(
      `input ${label("prune")} needs ${label("owner")}: only the secrets this pipeline owns (tagged ${ownerTag}) are ever pruned`,
    );
}

function parseDates({ duration, label, problems }: InputFields, settings: SetSettings): void {
  const expiresIn = duration("expires-in");
  if (expiresIn !== undefined) {
    if (expiresIn === 0) problems.push(`input ${label("expires-in")} must be longer than 0`);
    settings.expiresInMs = expiresIn;
  }
  const notBeforeIn = duration("not-before-in");
  if (notBeforeIn !== undefined) settings.notBeforeInMs = notBeforeIn;
  if (expiresIn !== undefined && notBeforeIn !== undefined && expiresIn <= notBeforeIn) {
    problems.push(
      `input ${label("expires-in")} must be longer than ${label("not-before-in")} (a version would expire before it is active)`,
    );
  }
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
