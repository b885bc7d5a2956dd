/**
 * The agent reads the step's output line by line (a line ends at `\n`, `\r\n` or a lone `\r`)
 * and takes the first `##vso[` anywhere in a line (in any case) as a logging command, and `##[`
 * as formatting. Text the task prints as plain output (not as a command's data, which
 * the task library escapes) goes through here so that no message, however it was built, can
 * become a command: each line is printed on its own with those markers broken by a word joiner.
 */
const wordJoiner = "\u2060";

export function plainLines(text: string): string[] {
  return text
    .split(/\r\n|\r|\n/)
    .map((line) => line.replace(/##(vso)?\[/gi, (marker) => `##${wordJoiner}${marker.slice(2)}`));
}

/** One line of plain output (a group title): line breaks become spaces, markers are broken. */
export function plainLine(text: string): string {
  return plainLines(text).join(" ");
}
