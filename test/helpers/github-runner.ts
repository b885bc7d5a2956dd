/**
 * Runs the built action (dist/action.cjs) the way the GitHub runner does: `node` on the bundle,
 * no shell, inputs as `INPUT_<NAME>` with action.yml's defaults applied for inputs not given,
 * the step's `env:`, and the file commands (`GITHUB_OUTPUT`, `GITHUB_ENV`, `GITHUB_STEP_SUMMARY`,
 * `GITHUB_STATE`, `GITHUB_PATH`) as files in a fresh temp folder. Then it reads back what the
 * runner would: the workflow commands on stdout and the file commands.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..", "..");
export const actionBundle = path.join(root, "dist", "action.cjs");
const actionYml = path.join(root, "action.yml");

/** One `::command key=value,…::data` line of stdout, unescaped as the runner does. */
export interface WorkflowCommand {
  command: string;
  properties: Record<string, string>;
  data: string;
  /** The line's index in stdout (split on `\n`). */
  line: number;
}

export interface StepRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** stdout split on `\n` (the toolkit ends each line with os.EOL). */
  lines: string[];
  commands: WorkflowCommand[];
  /** What the step set with `core.setOutput` (GITHUB_OUTPUT). */
  outputs: Record<string, string>;
  /** What the step exported with `core.exportVariable` (GITHUB_ENV). */
  exported: Record<string, string>;
  state: Record<string, string>;
  summary: string;
  /** The raw text of every file command, by variable name, for the leak canary. */
  files: Record<string, string>;
  /** The environment the step ran with (inputs included). */
  env: Record<string, string>;
  dir: string;
}

export interface StepOptions {
  /** `with:` of the step; names as in action.yml. Inputs left out get action.yml's default. */
  with?: Record<string, string>;
  /** `env:` of the step (and job), e.g. the emulator's env() and the mapped secrets. */
  env?: Record<string, string>;
  /** Working directory (GITHUB_WORKSPACE); default a fresh temp folder. */
  cwd?: string;
  /** The bundle to run; default dist/action.cjs. */
  bundle?: string;
  /** The Node binary (the runner's node24); default the one running the tests. */
  node?: string;
  /** Called with the step's process once it runs (e.g. to cancel it the way the runner does). */
  onSpawn?: (child: ChildProcess) => void;
}

/** The defaults action.yml declares, by input name. */
export function actionDefaults(text = readFileSync(actionYml, "utf8")): Record<string, string> {
  // A reader for this file's shape only: `inputs:` at the margin, each input at two spaces,
  // its keys at four; a default is a double-quoted JSON-compatible string on one line.
  const defaults: Record<string, string> = {};
  let inInputs = false;
  let current: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (/^\S/.test(line)) {
      inInputs = /^inputs:\s*$/.test(line);
      current = undefined;
      continue;
    }
    if (!inInputs) continue;
    const input = /^ {2}([\w-]+):\s*$/.exec(line);
    if (input) {
      current = input[1];
      continue;
    }
    const def = /^ {4}default:\s*(.*)$/.exec(line);
    if (def && current) {
      const raw = (def[1] ?? "").trim();
      if (!raw.startsWith('"')) throw new Error(`action.yml: quote the default of ${current}`);
      defaults[current] = JSON.parse(raw) as string;
    }
  }
  return defaults;
}

/** Every input action.yml declares. */
export function actionInputNames(text = readFileSync(actionYml, "utf8")): string[] {
  const section = text.slice(text.indexOf("\ninputs:"), text.indexOf("\noutputs:"));
  return [...section.matchAll(/^ {2}([\w-]+):\s*$/gm)].map((m) => m[1] ?? "");
}

/** The runner's variable name for an input: upper-cased, spaces to `_`, dashes kept. */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, "_").toUpperCase()}`;
}

const fileCommands = [
  "GITHUB_OUTPUT",
  "GITHUB_ENV",
  "GITHUB_STEP_SUMMARY",
  "GITHUB_STATE",
  "GITHUB_PATH",
];

/** Runs the bundle as one step and collects everything it printed and wrote. */
export async function runActionStep(options: StepOptions = {}): Promise<StepRun> {
  const dir = mkdtempSync(path.join(tmpdir(), "aml-gh-step-"));
  const files: Record<string, string> = {};
  for (const name of fileCommands) {
    files[name] = path.join(dir, `${name.toLowerCase()}.txt`);
    writeFileSync(files[name], "");
  }
  const given = options.with ?? {};
  const inputs: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...actionDefaults(), ...given })) {
    inputs[inputVariable(name)] = value;
  }
  const env: Record<string, string> = {
    // Only what a runner gives a step: no variable of the test process (node --test's own
    // NODE_TEST_CONTEXT would turn the child into a test worker).
    PATH: process.env["PATH"] ?? "/usr/bin:/bin",
    HOME: process.env["HOME"] ?? dir,
    GITHUB_ACTIONS: "true",
    CI: "true",
    RUNNER_TEMP: dir,
    RUNNER_OS: "Linux",
    GITHUB_WORKSPACE: options.cwd ?? dir,
    ...files,
    ...options.env,
    ...inputs,
  };
  const child = spawn(options.node ?? process.execPath, [options.bundle ?? actionBundle], {
    cwd: options.cwd ?? dir,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  options.onSpawn?.(child);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on("data", (b: Buffer) => out.push(b));
  child.stderr.on("data", (b: Buffer) => err.push(b));
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve(code));
  });
  const stdout = Buffer.concat(out).toString("utf8");
  const texts: Record<string, string> = {};
  for (const [name, file] of Object.entries(files)) texts[name] = readFileSync(file, "utf8");
  const lines = stdout.split("\n");
  return {
    exitCode,
    stdout,
    stderr: Buffer.concat(err).toString("utf8"),
    lines,
    commands: parseCommands(lines),
    outputs: parseKeyValueFile(texts["GITHUB_OUTPUT"] ?? ""),
    exported: parseKeyValueFile(texts["GITHUB_ENV"] ?? ""),
    state: parseKeyValueFile(texts["GITHUB_STATE"] ?? ""),
    summary: texts["GITHUB_STEP_SUMMARY"] ?? "",
    files: texts,
    env,
    dir,
  };
}

/** Everything a step printed and wrote, named, for `assertNoLeaks` / `recordScenario`. */
export function stepTexts(run: StepRun): Record<string, string> {
  const texts: Record<string, string> = { stdout: run.stdout, stderr: run.stderr };
  for (const [name, text] of Object.entries(run.files)) texts[name] = text;
  return texts;
}

/** The runner's reading of `::name k=v,…::data` lines (ActionCommand.TryParseV2). */
export function parseCommands(lines: readonly string[]): WorkflowCommand[] {
  const commands: WorkflowCommand[] = [];
  lines.forEach((raw, line) => {
    const text = raw.replace(/\r$/, "");
    const match = /^::([A-Za-z-]+)(?: ([^:]*))?::(.*)$/s.exec(text);
    if (!match) return;
    const properties: Record<string, string> = {};
    for (const pair of (match[2] ?? "").split(",").filter(Boolean)) {
      const eq = pair.indexOf("=");
      if (eq > 0) properties[pair.slice(0, eq)] = unescapeProperty(pair.slice(eq + 1));
    }
    commands.push({
      command: match[1] ?? "",
      properties,
      data: unescapeData(match[3] ?? ""),
      line,
    });
  });
  return commands;
}

/** The toolkit escapes `%`, `\r`, `\n` in data (and `:`, `,` in properties); the runner undoes it. */
export function unescapeData(text: string): string {
  return text.replace(/%0D/g, "\r").replace(/%0A/g, "\n").replace(/%25/g, "%");
}

function unescapeProperty(text: string): string {
  return text
    .replace(/%0D/g, "\r")
    .replace(/%0A/g, "\n")
    .replace(/%3A/g, ":")
    .replace(/%2C/g, ",")
    .replace(/%25/g, "%");
}

/** The toolkit's escaping of command data, to find the exact line a mask command must be. */
export function escapeData(text: string): string {
  return text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/**
 * Reads a file command the way the runner does on Linux (FileCommandManager): lines end at `\n`
 * only, and a heredoc's value is the text between its first line and the delimiter line, taken
 * as is (a `\r` in a value survives). Both `name<<DELIMITER` and `name=value` forms.
 */
export function parseKeyValueFile(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  let index = 0;
  const readLine = (): string | undefined => {
    if (index >= text.length) return undefined;
    const lf = text.indexOf("\n", index);
    const line = text.slice(index, lf < 0 ? text.length : lf);
    index = lf < 0 ? text.length : lf + 1;
    return line;
  };
  for (let line = readLine(); line !== undefined; line = readLine()) {
    if (line === "") continue;
    const eq = line.indexOf("=");
    const heredoc = line.indexOf("<<");
    if (heredoc > 0 && (eq < 0 || heredoc < eq)) {
      const name = line.slice(0, heredoc);
      const delimiter = line.slice(heredoc + 2);
      const start = index;
      let end = index;
      for (let next = readLine(); next !== delimiter; next = readLine()) {
        if (next === undefined) throw new Error(`file command: no closing delimiter for ${name}`);
        end = index - 1;
      }
      result[name] = end > start ? text.slice(start, end) : "";
      continue;
    }
    if (eq <= 0)
      throw new Error(`file command: cannot read the line ${JSON.stringify(line.slice(0, 40))}`);
    result[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return result;
}

/** The pieces the core masks on their own: the whole value and each line of it. */
export function maskPieces(value: string): string[] {
  const lines = value.split(/\r?\n/).filter((line) => line !== "" && line !== value);
  return [value, ...new Set(lines)];
}

/**
 * What is wrong with the masking of these values on stdout, as messages that never carry a
 * value: each value and each of its lines must have its own `::add-mask::` command, byte for byte
 * after the runner's unescaping; the first stdout line where it shows in any form must be a mask
 * command; and every one of them must come before the step printed anything else.
 */
export function maskProblems(run: StepRun, values: readonly string[]): string[] {
  const problems: string[] = [];
  const isMask = (line: string): boolean => line.startsWith("::add-mask::");
  const firstOther = run.lines.findIndex((line) => line !== "" && !isMask(line));
  values.forEach((value, v) => {
    maskPieces(value).forEach((piece, p) => {
      const name = p === 0 ? `value #${v}` : `line ${p} of value #${v}`;
      const mask = run.commands.find((c) => c.command === "add-mask" && c.data === piece);
      if (!mask) {
        problems.push(`${name} has no add-mask command of its own`);
        return;
      }
      if (firstOther >= 0 && mask.line > firstOther) {
        problems.push(
          `${name} is masked on stdout line ${mask.line}, after line ${firstOther} printed something else`,
        );
      }
      const forms = [piece, escapeData(piece)];
      const shown = run.lines.findIndex((line) => forms.some((form) => line.includes(form)));
      if (shown >= 0 && !isMask(run.lines[shown] ?? "")) {
        problems.push(`${name} first shows on stdout line ${shown}, which is not a mask command`);
      }
    });
  });
  return problems;
}

/** The `::error::` messages of a step, one a line. */
export function errorsOf(run: StepRun): string {
  return run.commands
    .filter((c) => c.command === "error")
    .map((c) => c.data)
    .join("\n");
}

/** A step's exit code, errors and stderr, for an assertion's message. */
export function describeRun(run: StepRun): string {
  return `exit ${run.exitCode}, errors:\n${errorsOf(run)}\nstderr:\n${run.stderr}`;
}
