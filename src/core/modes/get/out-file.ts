/**
 * Get mode's `out-file`: the values written in a format other tools read back byte for byte
 * (`dotenv` for python-dotenv and the npm `dotenv` package, `shell` for `. FILE` in sh and bash,
 * `json` for any JSON parser). An entry a format cannot carry exactly fails, naming a format that
 * can; the file then holds every other entry, each of them exact.
 */
import path from "node:path";
import { errorMessage } from "../../errors.ts";
import type { InputLabel, Platform } from "../../platform.ts";
import { privateFileProblem, writePrivateFile } from "./private-file.ts";
import type { ResultRow } from "../../report/result.ts";

export const outFormats = ["dotenv", "shell", "json"] as const;
export type OutFormat = (typeof outFormats)[number];

/** A `\uD800`-`\uDFFF` half without its other half: UTF-8 cannot encode it. */
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** What python-dotenv expands in every value, quoted or not (`interpolate=True`, its default). */
const dotenvExpansion = /\$\{[^}:]*(?::-[^}]*)?\}/;

/**
 * Variables bash sets itself: a script that assigns them reads back something else (`RANDOM`,
 * `SECONDS`, `LINENO`...) or fails (`UID`, `EUID`, `PPID`... are read-only).
 */
const bashOwnNames = new Set([
  "_",
  "BASH_ARGC",
  "BASH_ARGV",
  "BASH_COMMAND",
  "BASH_LINENO",
  "BASH_SOURCE",
  "BASH_SUBSHELL",
  "BASH_VERSINFO",
  "BASHOPTS",
  "BASHPID",
  "DIRSTACK",
  "EPOCHREALTIME",
  "EPOCHSECONDS",
  "EUID",
  "FUNCNAME",
  "GROUPS",
  "HISTCMD",
  "LINENO",
  "OPTIND",
  "PPID",
  "RANDOM",
  "SECONDS",
  "SHELLOPTS",
  "SRANDOM",
  "UID",
]);

type Encoded = { text: string } | { refused: string };

/**
 * One entry as `NAME=value` for python-dotenv (0.21 and 1.x) and the npm `dotenv` (17), which
 * read quoting differently:
 * - single quotes: npm takes the text as it is; python-dotenv turns `\\` and `\'` into `\` and `'`;
 * - double quotes: npm turns only `\n` and `\r` into line breaks and has no escape for `"`;
 *   python-dotenv decodes `\\ \' \" \a \b \f \n \r \t \v`;
 * - both turn a raw carriage return into a line feed (npm by its own replace, python by
 *   reading the file in text mode), so a CR survives only as `\r` inside double quotes;
 * - python-dotenv expands `${NAME}` and `${NAME:-default}` in every value, with no escape.
 * So a value goes in single quotes when neither reads anything into it there, else in double
 * quotes (CR as `\r`) when neither does there, else bare when it is one plain word.
 */
function dotenvEntry(name: string, value: string, label: InputLabel): Encoded {
  const other = `use ${label("out-format")} json or shell`;
  if (!/^[A-Za-z0-9_.-]+$/.test(name))
    return { refused: `the name ${name} is not a dotenv key (letters, digits, _ . -); ${other}` };
  if (value.includes("\0"))
    return {
      refused: `its value holds a NUL, which no environment variable can; use ${label("out-format")} json`,
    };
  if (dotenvExpansion.test(value))
    return {
      refused: `its value holds \${...}, which python-dotenv expands whatever the quotes; ${other}`,
    };
  if (!/['\r]|\\\\|\\$/.test(value)) return { text: `${name}='${value}'\n` };
  if (!/"|\\(?:[\\'"abfnrtv\r]|$)/.test(value))
    return { text: `${name}="${value.replace(/\r/g, "\\r")}"\n` };
  if (/^[!-~]+$/.test(value) && !/[#'"`]/.test(value)) return { text: `${name}=${value}\n` };
  return {
    refused: `no dotenv quoting reads its value back exactly in both python-dotenv and the npm dotenv (it needs double quotes, for a ' or a carriage return, and holds a " or a backslash those parsers read as an escape); ${other}`,
  };
}

/** One entry as a POSIX `NAME='value'` line; `'` is written `'\''`. */
function shellEntry(name: string, value: string, label: InputLabel): Encoded {
  const other = `use ${label("out-format")} dotenv or json`;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
    return {
      refused: `${name} is not a shell variable name (letters, digits and _, not starting with a digit); ${other}`,
    };
  if (bashOwnNames.has(name))
    return { refused: `bash sets ${name} itself, so \`. FILE\` would not read it back; ${other}` };
  if (value.includes("\0"))
    return {
      refused: `its value holds a NUL, which no shell variable can; use ${label("out-format")} json`,
    };
  return { text: `${name}='${value.replace(/'/g, "'\\''")}'\n` };
}

export interface OutEntry {
  name: string;
  value: string;
}

/**
 * The file's text for `entries`, and the entries left out with why (never a value). JSON is one
 * object `{ "NAME": "value" }` and carries every string; the text formats need valid Unicode.
 */
export function renderOutFile(
  format: OutFormat,
  entries: readonly OutEntry[],
  label: InputLabel = (name) => name,
): { text: string; refused: { name: string; reason: string }[] } {
  const refused: { name: string; reason: string }[] = [];
  if (format === "json") {
    const object = Object.fromEntries(entries.map((e) => [e.name, e.value]));
    return { text: `${JSON.stringify(object, null, 2)}\n`, refused };
  }
  const lines: string[] = [];
  for (const { name, value } of entries) {
    const encoded: Encoded = loneSurrogate.test(value)
      ? {
          refused: `its value is not valid Unicode (a lone surrogate), which UTF-8 cannot hold; use ${label("out-format")} json`,
        }
      : format === "shell"
        ? shellEntry(name, value, label)
        : dotenvEntry(name, value, label);
    if ("text" in encoded) lines.push(encoded.text);
    else refused.push({ name, reason: `${format} format: ${encoded.refused}` });
  }
  return { text: lines.join(""), refused };
}

/** `out-file` as an absolute path: a relative one is taken from the platform's working folder. */
export function outFilePath(file: string, platform: Pick<Platform, "workingDirectory">): string {
  return path.resolve(platform.workingDirectory(), file);
}

/** What is wrong with `out-file` before anything is read, in the words of its input. */
export function outFileProblem(
  file: string,
  platform: Pick<Platform, "workingDirectory">,
  label: InputLabel,
): string | undefined {
  const problem = privateFileProblem(outFilePath(file, platform));
  return problem === undefined ? undefined : `input ${label("out-file")}: ${problem}`;
}

export interface OutFileRequest {
  platform: Platform;
  file: string;
  format: OutFormat;
  label: InputLabel;
  rows: ResultRow[];
  /** The value of each `read` row, at the row's index (read.ts). */
  values: readonly (string | undefined)[];
}

/**
 * Writes every `read` entry to the file (whole or not at all, mode 0600) and sets the `out-file`
 * output. An entry the format cannot carry fails and stays out; when the file cannot be
 * written, every entry meant for it fails with the reason.
 */
export function writeOutFile(request: OutFileRequest): ResultRow[] {
  const { platform, format, label, rows, values } = request;
  const file = outFilePath(request.file, platform);
  const entries = rows.flatMap((row, i) => {
    const value = row.action === "read" ? values[i] : undefined;
    return value === undefined ? [] : [{ name: row.source, value }];
  });
  const { text, refused } = renderOutFile(format, entries, label);
  const reasons = new Map(refused.map((r) => [r.name, r.reason]));
  let failure: string | undefined;
  try {
    writePrivateFile(file, text);
    platform.setOutput("out-file", file, { secret: false });
  } catch (e: unknown) {
    failure = `${file}: ${errorMessage(e)}`;
  }
  return rows.map((row) => {
    const why = row.action === "read" ? (reasons.get(row.source) ?? failure) : undefined;
    if (why === undefined) return row;
    return { ...row, action: "failed", error: `not written to ${label("out-file")}: ${why}` };
  });
}
