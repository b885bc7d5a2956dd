import { commentPattern } from "../../inputs/mapping.ts";
import { vaultKey, vaultNameProblem } from "../../inputs/names.ts";
import { boundsText, defaultGeneratedLength, isAllowedLength } from "../random-value.ts";

export { defaultGeneratedLength, generateValue, generatedLengthBounds } from "../random-value.ts";

export interface GenerateEntry {
  vaultName: string;
  length: number;
}

/**
 * Parses the `generate` input: `vault-name` or `vault-name: LENGTH` lines; `#` at a line's start
 * or after whitespace starts a comment (inside a name it stays, and the name is refused: `a#b`
 * must not generate `a`), blank lines are ignored. Every problem is returned,
 * each naming its line, so the step can report them all before any request.
 */
export function parseGenerateLines(
  text: string,
  input = "generate",
): { entries: GenerateEntry[]; problems: string[] } {
  const entries: GenerateEntry[] = [];
  const problems: string[] = [];
  const firstLineOf = new Map<string, number>();
  text.split(/\r?\n|\r/).forEach((raw, index) => {
    const lineNumber = index + 1;
    const line = raw.replace(commentPattern, "").trim();
    if (line === "") return;
    const colon = line.indexOf(":");
    const vaultName = (colon === -1 ? line : line.slice(0, colon)).trim();
    const lengthText = colon === -1 ? undefined : line.slice(colon + 1).trim();
    const where = `${input} line ${lineNumber}`;
    let ok = true;
    const nameProblem = vaultNameProblem(vaultName);
    if (nameProblem) {
      problems.push(`${where}: ${nameProblem}`);
      ok = false;
    }
    let length = defaultGeneratedLength;
    if (lengthText !== undefined) {
      length = /^\d+$/.test(lengthText) ? Number(lengthText) : Number.NaN;
      if (!isAllowedLength(length)) {
        problems.push(`${where}: length \`${lengthText}\` must be a whole number ${boundsText()}`);
        ok = false;
      }
    }
    const key = vaultKey(vaultName);
    const earlier = firstLineOf.get(key);
    if (earlier !== undefined) {
      problems.push(
        `${where}: \`${vaultName}\` is already generated on line ${earlier} (vault names are compared without regard to case)`,
      );
      ok = false;
    } else if (vaultName !== "") {
      firstLineOf.set(key, lineNumber);
    }
    if (ok) entries.push({ vaultName, length });
  });
  return { entries, problems };
}
