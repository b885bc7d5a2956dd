/** Get mode's own inputs: the mapping (names and `*`), and where the values go. */
import type { InputFields } from "../../inputs/fields.ts";
import { parseGetMapping, type GetMappedEntry } from "../../inputs/mapping.ts";
import { reservedName } from "../../inputs/reserved-names.ts";
import type { InputLabel, Platform, PlatformId } from "../../platform.ts";
import { outFormats, type OutFormat } from "./out-file.ts";

export interface GetSettings {
  /** The `secrets` lines (named secrets, `*` and patterns). */
  entries: GetMappedEntry[];
  exportEnv: boolean;
  /** Also write the values to this file, in `outFormat`. */
  outFile?: string;
  outFormat: OutFormat;
  /** Azure Pipelines: the secret variables are output variables too. */
  outputVariables: boolean;
  /** Put before every output name that `*` or a pattern derives from a vault name. */
  outputPrefix?: string;
  /** Allow output names an environment or the runner gives meaning to (`PATH`, `BASH_ENV`...). */
  allowReservedNames: boolean;
  /** A named secret that does not exist is a warning and a `skipped` row, not a failure. */
  ignoreNotFound: boolean;
}

export function parseGetInputs(fields: InputFields): GetSettings {
  const { raw, text, bool, label, problems } = fields;
  const mapping = parseGetMapping(raw("secrets") ?? "", label("secrets"));
  problems.push(...mapping.problems);
  if (mapping.entries.length === 0 && mapping.problems.length === 0)
    problems.push(
      `input ${label("secrets")} names nothing to read: give vault secret names or \`*\``,
    );
  const settings: GetSettings = {
    entries: mapping.entries,
    exportEnv: bool("export-env", false),
    outFormat: fields.choice<OutFormat>("out-format", outFormats, "dotenv"),
    outputVariables: bool("output-variables", false),
    allowReservedNames: bool("allow-reserved-names", false),
    ignoreNotFound: bool("ignore-not-found", false),
  };
  const outFile = text("out-file");
  if (outFile !== undefined) settings.outFile = outFile;
  else if (settings.outFormat !== "dotenv")
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
  return settings;
}

/**
 * The problems of get mode's names that depend on the platform, found before any request:
 * reserved names written in the mapping, and `*` without a prefix of the user's.
 */
export function getNameProblems(
  settings: GetSettings,
  platform: Pick<Platform, "id" | "secretOutputsAre">,
  label: InputLabel,
): string[] {
  return [
    ...reservedOutputProblems(settings.entries, settings.allowReservedNames, label, platform.id),
    ...unprefixedWildcardProblems(settings, platform, label),
  ];
}

/**
 * `*` hands on whatever names the vault holds. Where a value leaves the step under its name
 * (an environment variable, a pipeline variable, a line of a file a shell or a dotenv loader
 * reads), whoever can write to the vault would choose which variables later steps see
 * (`makeflags` -> `MAKEFLAGS`, `lua-init` -> `LUA_INIT`): no list of dangerous names is
 * complete, so `*` there needs `output-prefix`, a prefix the user wrote. A pattern (`app-*`)
 * is one already (`APP_`).
 */
function unprefixedWildcardProblems(
  settings: GetSettings,
  platform: Pick<Platform, "secretOutputsAre">,
  label: InputLabel,
): string[] {
  const star = settings.entries.find((e) => "wildcard" in e && e.startsWith === "");
  if (star === undefined || settings.outputPrefix !== undefined) return [];
  // One reason is enough: where the platform makes every value a variable, that one.
  const leaves =
    platform.secretOutputsAre !== undefined
      ? [`each value is ${platform.secretOutputsAre}`]
      : [
          ...(settings.exportEnv
            ? [`${label("export-env")} makes each an environment variable`]
            : []),
          ...(settings.outFile !== undefined ? [`${label("out-file")} writes each as a line`] : []),
        ];
  if (leaves.length === 0) return [];
  return [
    `${star.where}: \`*\` would let whoever can write to the vault choose variable names (${leaves.join("; ")}): give ${label("output-prefix")} (e.g. KV_) to put every name \`*\` derives under a prefix of yours, read a pattern such as \`app-*\` (names APP_...), or name each secret`,
  ];
}

/**
 * Names given in the mapping (`vault-name: OUTPUT`, or a lone vault name) that a shell, a
 * runtime, the runner or the agent gives meaning to: each is a problem unless
 * `allow-reserved-names` says it is meant. Some names no opt-in can make work (this step's own
 * outputs): those are problems either way.
 */
export function reservedOutputProblems(
  entries: readonly ({ pipelineName: string; where: string } | { wildcard: true })[],
  allowReservedNames: boolean,
  label: InputLabel,
  platform?: PlatformId,
): string[] {
  const problems: string[] = [];
  for (const entry of entries) {
    if ("wildcard" in entry) continue;
    const reserved = reservedName(entry.pipelineName, platform);
    if (!reserved || (allowReservedNames && !reserved.never)) continue;
    problems.push(
      `${entry.where}: output ${entry.pipelineName} is a name that ${reserved.why}; ${
        reserved.never
          ? "choose another name"
          : `choose another name, or set ${label("allow-reserved-names")} to true if you mean it`
      }`,
    );
  }
  return problems;
}
