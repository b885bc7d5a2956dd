/**
 * Set mode's entries with their values: the `secrets` lines, the `variable-prefix` variables and
 * the `generate` lines, each value read byte for byte (no trimming) and handed to `remember`
 * (which masks it) the moment it is read. Every problem is collected, each naming the variable.
 */
import { limits } from "../../inputs/limits.ts";
import { pipelineNamePattern } from "../../inputs/mapping.ts";
import { toPipelineName, toVaultName, vaultKey, vaultNameProblem } from "../../inputs/names.ts";
import type { InputLabel, Platform } from "../../platform.ts";
import { generateValue } from "./generate.ts";
import type { SetSettings } from "./inputs.ts";
import type { SetEntry } from "./plan.ts";

export interface ValueSources {
  platform: Pick<Platform, "getVariable" | "variableNames">;
  settings: SetSettings;
  label: InputLabel;
  /** Masks the value and teaches it to the redactor, before anything else happens. */
  remember: (value: string) => void;
}

interface Sourced extends SetEntry {
  where: string;
}

export function readSetEntries({ platform, settings, label, remember }: ValueSources): {
  entries: SetEntry[];
  problems: string[];
} {
  const problems: string[] = [];
  const sourced: Sourced[] = [];
  const readVariable = (vaultName: string, variable: string, where: string): void => {
    const value = platform.getVariable(variable);
    if (value === undefined) {
      problems.push(`${where}: variable ${variable} is not set`);
      return;
    }
    remember(value);
    if (value === "" && !settings.allowEmpty) {
      problems.push(
        `${where}: variable ${variable} is empty (turn on ${label("allow-empty")} to write an empty value)`,
      );
      return;
    }
    const bytes = Buffer.byteLength(value, "utf8");
    if (bytes > limits.valueBytes) {
      problems.push(
        `${where}: variable ${variable}'s value is ${bytes} bytes (Key Vault allows at most ${limits.valueBytes})`,
      );
      return;
    }
    sourced.push({ vaultName, source: variable, value, where });
  };

  for (const entry of settings.entries)
    readVariable(entry.vaultName, entry.pipelineName, entry.where);

  const prefix = settings.variablePrefix;
  if (prefix !== undefined) {
    const named = new Set(settings.entries.map((e) => e.pipelineName));
    const matches = platform
      .variableNames()
      .filter((name) => name.startsWith(prefix) && !named.has(name))
      .sort();
    const where = `${label("variable-prefix")} ${prefix}`;
    if (matches.length === 0) problems.push(`${where} matches no variable`);
    for (const variable of matches) {
      const stripped = variable.slice(prefix.length);
      const vaultName = toVaultName(stripped);
      const problem =
        stripped === ""
          ? `variable ${variable} is the prefix itself: nothing is left to name a secret`
          : !pipelineNamePattern.test(variable)
            ? `variable ${variable} is not a valid pipeline variable name`
            : vaultNameProblem(vaultName);
      if (problem) {
        problems.push(`${where}: ${problem}`);
        continue;
      }
      readVariable(vaultName, variable, where);
    }
  }

  settings.generate.forEach((g) => {
    const value = generateValue(g.length);
    remember(value);
    sourced.push({
      vaultName: g.vaultName,
      source: "generate",
      value,
      outputName: toPipelineName(g.vaultName),
      where: `generate ${g.vaultName}`,
    });
  });

  const first = new Map<string, Sourced>();
  for (const entry of sourced) {
    const earlier = first.get(vaultKey(entry.vaultName));
    if (earlier) {
      problems.push(
        `${earlier.where} and ${entry.where} both write vault secret ${entry.vaultName} (vault names are compared without regard to case)`,
      );
    } else first.set(vaultKey(entry.vaultName), entry);
  }
  if (settings.entries.length === 0 && prefix === undefined && settings.generate.length === 0) {
    problems.push(
      `nothing to set: give ${label("secrets")}, ${label("variable-prefix")} or ${label("generate")}`,
    );
  }
  const entries = sourced.map(({ where: _where, ...entry }) => entry);
  return { entries, problems };
}
