/**
 * The `secrets` input: one entry a line, `vault-name: pipeline-name` or one lone name,
 * `#` comments and blank lines ignored. The left side is always the vault secret, the right
 * side always the pipeline side; a lone name is the side the mode reads.
 */
import { toPipelineName, toVaultName, vaultKey, vaultNameProblem } from "./names.ts";

/** Pipeline variables and outputs: letters, digits, `_` and `.`, not starting with a digit. */
export const pipelineNamePattern = /^[A-Za-z_][A-Za-z0-9_.]*$/;

export interface MappedEntry {
  vaultName: string;
  pipelineName: string;
  /** Where the entry came from, for messages: `secrets line 3`. */
  where: string;
}

export interface ParsedMapping<T> {
  entries: T[];
  problems: string[];
}

interface Line {
  number: number;
  left: string;
  right: string | undefined;
}

/**
 * Where a comment starts: a `#` at the start of a line or after whitespace, as in YAML. A `#`
 * inside a name stays in it, so `a#b: OUT` is an invalid name (no name on either side can hold
 * one) rather than an entry for secret `a`.
 */
export const commentPattern = /(^|\s)#.*$/;

/** Splits the text into entries, comments and blank lines left out. */
function lines(text: string): Line[] {
  const found: Line[] = [];
  text.split(/\r?\n|\r/).forEach((raw, index) => {
    const line = raw.replace(commentPattern, "").trim();
    if (line === "") return;
    const colon = line.indexOf(":");
    found.push({
      number: index + 1,
      left: (colon === -1 ? line : line.slice(0, colon)).trim(),
      right: colon === -1 ? undefined : line.slice(colon + 1).trim(),
    });
  });
  return found;
}

/**
 * A line of names separated by commas (`a,b,c`, as `AzureKeyVault@2`'s `SecretsFilter` takes
 * them) is one entry here, and not a valid one: its problem says where the entries go.
 */
function commaHint(problems: string[], text: string, input: string): string[] {
  const places = lines(text)
    .filter((l) => `${l.left}:${l.right ?? ""}`.includes(","))
    .map((l) => `${input} line ${l.number}:`);
  return problems.map((problem) =>
    places.some((place) => problem.startsWith(place))
      ? `${problem}; entries go one per line, not separated by commas`
      : problem,
  );
}

function pipelineNameProblem(name: string, where: string, side: string): string | undefined {
  if (pipelineNamePattern.test(name)) return undefined;
  return `${where}: \`${name}\` is not a valid ${side} name (letters, digits, \`_\` and \`.\`, not starting with a digit)`;
}

function checked<T extends MappedEntry>(
  entry: T,
  problems: string[],
  derived: boolean,
): T | undefined {
  const before = problems.length;
  const pipelineProblem = pipelineNameProblem(entry.pipelineName, entry.where, "pipeline variable");
  if (pipelineProblem) problems.push(pipelineProblem);
  else {
    const vaultProblem = vaultNameProblem(entry.vaultName);
    if (vaultProblem) {
      problems.push(
        `${entry.where}: ${vaultProblem}${derived ? ` (derived from ${entry.pipelineName})` : ""}`,
      );
    }
  }
  return problems.length === before ? entry : undefined;
}

/** Set mode: a lone name is the pipeline variable to read (`STORAGE_KEY` -> vault `storage-key`). */
export function parseSetMapping(text: string, input = "secrets"): ParsedMapping<MappedEntry> {
  const problems: string[] = [];
  const entries: MappedEntry[] = [];
  for (const line of lines(text)) {
    const where = `${input} line ${line.number}`;
    if (line.right === "") {
      problems.push(`${where}: nothing after \`:\` (write \`vault-name: VARIABLE\` or one name)`);
      continue;
    }
    if (line.left === "") {
      problems.push(`${where}: nothing before \`:\` (write \`vault-name: VARIABLE\` or one name)`);
      continue;
    }
    const derived = line.right === undefined;
    const pipelineName = line.right ?? line.left;
    const vaultName = derived ? toVaultName(pipelineName) : line.left;
    const entry = checked({ vaultName, pipelineName, where }, problems, derived);
    if (entry) entries.push(entry);
  }
  return { entries, problems: commaHint(problems, text, input) };
}

/**
 * `*` (every enabled secret) or a pattern `app-*` (those whose name starts `app-`, compared
 * without regard to case as Key Vault compares names): `startsWith` is the part before `*`
 * (empty for `*`). A pattern's derived names start with what the user wrote (`APP_`), so the
 * vault chooses only the rest of each name.
 */
export interface WildcardEntry {
  wildcard: true;
  startsWith: string;
  where: string;
}

export type GetMappedEntry = MappedEntry | WildcardEntry;

/** What a pattern may put before `*`: the start of a vault secret name. */
const patternStart = /^[0-9a-zA-Z-]{0,126}$/;

/**
 * Get mode: a lone name is the vault secret to read (`api-key` -> output `API_KEY`); `*` takes
 * every enabled secret, `app-*` every one whose name starts `app-`.
 */
export function parseGetMapping(text: string, input = "secrets"): ParsedMapping<GetMappedEntry> {
  const problems: string[] = [];
  const entries: GetMappedEntry[] = [];
  const patterns = new Map<string, string>();
  for (const line of lines(text)) {
    const where = `${input} line ${line.number}`;
    if (line.left.endsWith("*")) {
      const startsWith = line.left.slice(0, -1);
      if (line.right !== undefined) {
        problems.push(
          `${where}: \`${line.left}\` takes no output name: each output is derived from its secret's name (\`app-*\` -> APP_...); map a secret by its own name instead`,
        );
      } else if (!patternStart.test(startsWith)) {
        problems.push(
          `${where}: \`${line.left}\` is not a pattern: write \`*\`, or the start of a vault secret name (letters, digits and hyphens) then \`*\`, as in \`app-*\``,
        );
      } else if (patterns.has(vaultKey(startsWith))) {
        problems.push(
          `${where}: \`${line.left}\` is given twice (first on ${patterns.get(vaultKey(startsWith))})`,
        );
      } else {
        patterns.set(vaultKey(startsWith), where);
        entries.push({ wildcard: true, startsWith, where });
      }
      continue;
    }
    if (line.left === "" || line.right === "") {
      problems.push(
        `${where}: write \`vault-name: OUTPUT\`, one vault name, \`*\` or a pattern (\`app-*\`)`,
      );
      continue;
    }
    const vaultProblem = vaultNameProblem(line.left);
    if (vaultProblem) {
      problems.push(`${where}: ${vaultProblem}`);
      continue;
    }
    const pipelineName = line.right ?? toPipelineName(line.left);
    const outputProblem = pipelineNameProblem(pipelineName, where, "output");
    if (outputProblem) {
      problems.push(outputProblem);
      continue;
    }
    entries.push({ vaultName: line.left, pipelineName, where });
  }
  return { entries, problems: commaHint(problems, text, input) };
}

/** One vault secret a delete-mode line names. */
export interface NamedSecret {
  vaultName: string;
  where: string;
}

/**
 * Delete mode: the vault name of each line (the left side; a lone name is the vault name).
 * No `*`: deleting everything is not something one input line should be able to do.
 */
export function parseDeleteMapping(text: string, input = "secrets"): ParsedMapping<NamedSecret> {
  const problems: string[] = [];
  const entries: NamedSecret[] = [];
  const seen = new Map<string, string>();
  for (const line of lines(text)) {
    const where = `${input} line ${line.number}`;
    const earlier = seen.get(vaultKey(line.left));
    if (earlier) {
      problems.push(`${where}: \`${line.left}\` is already named on ${earlier}`);
      continue;
    }
    seen.set(vaultKey(line.left), where);
    if (line.left === "*") {
      problems.push(`${where}: \`*\` is not taken in delete mode: name each secret to delete`);
      continue;
    }
    const problem = vaultNameProblem(line.left);
    if (problem) problems.push(`${where}: ${problem}`);
    else entries.push({ vaultName: line.left, where });
  }
  return { entries, problems: commaHint(problems, text, input) };
}
