/**
 * Mapping lines whose names try to reach another path of the vault (traversal, URL syntax),
 * pass for a real name (Unicode look-alikes, invisible characters), run over Key Vault's length
 * limit, or are no valid pipeline variable. Each must come back as a problem naming its line
 * and the name, and none may turn into a request.
 */
import assert from "node:assert/strict";
import { unique } from "../../helpers/emulator.ts";
import { secretValue } from "../../helpers/leaks.ts";

/** Vault-side names: none matches `^[0-9a-zA-Z-]{1,127}$`, each for its own reason. */
export const hostileVaultNames = [
  "../x",
  "..%2Fx",
  "a/b",
  "..",
  "%2e%2e",
  "a\\b",
  "a?b",
  "a#b",
  "a%2Fb",
  "a b",
  "a;b",
  "\u0430pi-key", // Cyrillic а
  "\uff44\uff42-password", // fullwidth ｄｂ
  "db\u2011password", // non-breaking hyphen
  "db\u200bpassword", // zero-width space
  "x".repeat(128),
];

/** Pipeline-side names (variables read, outputs written) that no platform would take. */
export const hostilePipelineNames = [
  "A-B",
  "A B",
  "A/B",
  "../X",
  "$(VAR)",
  "${{ secrets.X }}",
  "A;B",
  "A]B",
  "A=B",
  "::error::x",
  "\u0410PI_KEY", // Cyrillic А
  "\uff24\uff22_PASSWORD", // fullwidth ＤＢ
  "A\u200bB",
  "1ABC",
];

export interface HostileLine {
  /** The 1-based line of the `secrets` input. */
  number: number;
  text: string;
  /** What the problem must quote: the name (the first 40 characters of an over-long one). */
  named: string;
}

/**
 * A `secrets` input made of `entries` (each one mapping line), with a comment and a blank line
 * among them so line numbers are not simply indexes, and where each line lands.
 */
export function mappingText(entries: { text: string; named: string }[]): {
  text: string;
  lines: HostileLine[];
} {
  const out: string[] = ["# hostile names, each one a problem of its own", ""];
  const lines: HostileLine[] = [];
  for (const entry of entries) {
    out.push(entry.text);
    lines.push({ number: out.length, text: entry.text, named: entry.named.slice(0, 40) });
  }
  return { text: out.join("\n"), lines };
}

/**
 * Set mode: each hostile vault name against a good variable, a good vault name against each
 * hostile variable, and hostile lone names (a lone name is the variable; the vault name is
 * derived from it, and 128 `A`s derive a vault name one character too long).
 */
export function setModeEntries(
  goodVariable: string,
  suffix: string,
): { text: string; named: string }[] {
  return [
    ...hostileVaultNames.map((name) => ({ text: `${name}: ${goodVariable}`, named: name })),
    ...hostilePipelineNames.map((name, i) => ({ text: `ok-${i}-${suffix}: ${name}`, named: name })),
    ...["../X", "A?B", "A%2FB", "\u0410PI_KEY", "A".repeat(128)].map((name) => ({
      text: name,
      named: name.length > 127 ? name.toLowerCase() : name,
    })),
  ];
}

/** Get mode: each hostile vault name alone and with a good output, and good vault names to hostile outputs. */
export function getModeEntries(suffix: string): { text: string; named: string }[] {
  return [
    ...hostileVaultNames.map((name) => ({ text: name, named: name })),
    ...hostileVaultNames.map((name, i) => ({ text: `${name}: OUT_${i}`, named: name })),
    ...hostilePipelineNames.map((name, i) => ({ text: `ok-${i}-${suffix}: ${name}`, named: name })),
  ];
}

/**
 * Checks that `problems` (one problem a line, as the step reports them) has exactly one
 * problem for each hostile line, starting `<input> line N:` and quoting its name.
 */
export function assertEachNamed(
  problems: readonly string[],
  lines: readonly HostileLine[],
  input = "secrets",
): void {
  const unnamed = lines.filter((line) => {
    const found = problems.filter((p) => p.startsWith(`${input} line ${line.number}: `));
    return found.length !== 1 || !found[0]?.includes(line.named);
  });
  assert.deepEqual(
    unnamed.map((l) => `${input} line ${l.number} (${JSON.stringify(l.text.slice(0, 50))})`),
    [],
    "hostile lines without exactly one problem naming them",
  );
}

/** `generate` lines with hostile vault names (a length after some, as `name: LENGTH`). */
export function generateEntries(): { text: string; named: string }[] {
  return ["../x", "a?b", "a#b", "a%2Fb", "\u0430pi-key", "x".repeat(128)].map((name, i) => ({
    text: i % 2 === 0 ? name : `${name}: 40`,
    named: name,
  }));
}

/**
 * Set mode's scenario: one good line, every hostile line, the hostile `generate` lines, and
 * variables under a `variable-prefix` whose names (`variableNames`) no pipeline would take.
 */
export function setScenario(variableNames: readonly string[]) {
  const id = unique();
  const good = `GOOD_${id.toUpperCase()}`;
  const prefix = `PFX${id.toUpperCase()}_`;
  const secrets = mappingText([
    { text: `good-${id}: ${good}`, named: "" },
    ...setModeEntries(good, id),
  ]);
  const generate = mappingText(generateEntries());
  const variables: Record<string, string> = {
    [good]: secretValue("good"),
    [`${prefix}OK`]: secretValue("prefixed-ok"),
  };
  for (const name of variableNames) variables[`${prefix}${name}`] = secretValue("prefixed");
  // What the step reads (and so masks): only what a valid line or variable names.
  const read = [variables[good] ?? "", variables[`${prefix}OK`] ?? ""];
  return { id, good, prefix, secrets, generate, variables, read };
}
