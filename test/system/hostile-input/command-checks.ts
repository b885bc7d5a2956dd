/**
 * Reads a step's stdout the way each platform does and lists every command in it that the step
 * did not mean to issue. A hostile value or name that reached stdout raw would show up here as a
 * command of its own (or a mask, variable or completion that does not belong).
 *
 * The lists are of problems (strings that never carry a value), so a test can assert `[]` and
 * read what went wrong in the failure.
 */
import {
  parseCommands as parseWorkflowCommands,
  type StepRun,
} from "../../helpers/github-runner.ts";
import type { TaskRun } from "../../helpers/pipelines-agent.ts";

/**
 * What a value must be masked as: the whole value, and each of its lines that is not blank (the
 * SPEC: "whole, and each line of a multi-line value"). Written out here rather than taken from
 * src, so that the core's own definition is what is being checked.
 */
export function expectedMaskPieces(value: string): string[] {
  const lines = value.split(/\r\n|\r|\n/).filter((line) => line.trim() !== "");
  return [...new Set([...lines, ...(value === "" ? [] : [value])])];
}

function sameSet(what: string, actual: Iterable<string>, expected: Iterable<string>): string[] {
  const a = new Set(actual);
  const e = new Set(expected);
  const problems: string[] = [];
  const missing = [...e].filter((x) => !a.has(x)).length;
  const extra = [...a].filter((x) => !e.has(x)).length;
  if (missing > 0) problems.push(`${missing} expected ${what} missing`);
  if (extra > 0) problems.push(`${extra} ${what} that the step should not have issued`);
  return problems;
}

export interface GitHubExpectation {
  /** Every value the step read or received: the add-masks must be exactly their pieces. */
  masked: readonly string[];
  /** Command kinds the step may issue besides `add-mask` and `debug` (e.g. `error` when it fails). */
  alsoAllowed?: readonly string[];
}

/**
 * The GitHub runner reads stdout line by line as .NET's ReadLine does (a line ends at `\n`,
 * `\r\n` or a lone `\r`) and takes a line as a workflow command when, after leading whitespace,
 * it starts with `::`, or else when it holds the old form `##[name]` anywhere (ActionCommand.cs:
 * TryParseV2, then TryParse, for every command).
 */
export function gitHubCommandProblems(run: StepRun, expected: GitHubExpectation): string[] {
  const problems: string[] = [];
  const allowed = new Set(["add-mask", "debug", ...(expected.alsoAllowed ?? [])]);
  const masks: string[] = [];
  run.stdout.split(/\r\n|\r|\n/).forEach((raw, index) => {
    const line = raw.trimStart();
    if (!line.startsWith("::")) {
      if (line.includes("##["))
        problems.push(`stdout line ${index} holds an old-style ##[ command`);
      return;
    }
    const [command] = parseWorkflowCommands([line]);
    if (!command) {
      problems.push(`stdout line ${index} starts with :: but is no well-formed command`);
      return;
    }
    if (raw !== line) problems.push(`stdout line ${index} is a command after leading whitespace`);
    if (!allowed.has(command.command)) {
      problems.push(`stdout line ${index} is a ${command.command} command the step did not issue`);
    }
    if (command.command === "add-mask") masks.push(command.data);
  });
  problems.push(
    ...sameSet("add-mask commands", masks, expected.masked.flatMap(expectedMaskPieces)),
  );
  return problems;
}

export interface PipelinesExpectation {
  /** Values the task read or received. */
  masked: readonly string[];
  /** Secrets of the connection (the job's access token), masked whole. */
  connectionSecrets?: readonly string[];
  /** Whether the job sets System.UnsafeAllowMultilineSecret (then multi-line values are masked whole too). */
  multilineAllowed: boolean;
  /** The secret variables the task should set (get mode); `result` and `changed` are always expected. */
  secretVariables: readonly string[];
  /** `task.complete`'s result. */
  result: "Succeeded" | "Failed";
}

/**
 * The task's progress (`tl.setProgress(percent, progressLine(state))`): only `value`, a whole
 * percentage that never goes back, and the line `get: 3 of 40 done, 1 failed, 2 s` with, while
 * requests wait, the gate's own words on the budget. Anything else under that name (another
 * property, free text) is not the task's.
 */
const progressForm =
  /^[a-z]+: \d+ of \d+ done(?:, \d+ failed)?, \d+ s(?: \(\d+ (?:writes|reads) wait for the vault's budget \(\d+ per \d+ s\)(?:, \d+ reads wait for the vault's budget \(\d+ per \d+ s\))?\))?$/;

function progressProblems(run: TaskRun): string[] {
  const problems: string[] = [];
  let last = 0;
  for (const c of run.commands.filter((command) => command.name === "task.setprogress")) {
    const keys = Object.keys(c.properties).join(",");
    const value = c.properties.value ?? "";
    const percent = Number(value);
    if (keys !== "value" || !/^\d{1,3}$/.test(value) || percent > 100 || percent < last) {
      problems.push(
        `stdout line ${c.line} is a task.setprogress whose properties are not the task's`,
      );
    } else last = percent;
    if (!progressForm.test(c.data)) {
      problems.push(`stdout line ${c.line} is a task.setprogress whose text is not the task's`);
    }
  }
  return problems;
}

/** The pieces the task registers with the agent: a multi-line value only line by line unless the job allows it whole. */
function pipelinesMaskPieces(value: string, multilineAllowed: boolean): string[] {
  const pieces = expectedMaskPieces(value);
  return multilineAllowed ? pieces : pieces.filter((piece) => !/[\r\n]/.test(piece));
}

/**
 * The agent takes the first `##vso[` of each line (any case) as a logging command, wherever it
 * starts, and `##[` at a line's start as formatting. The task may issue: `task.setsecret` for
 * exactly the value pieces, `task.setvariable` for exactly `result`, `changed` and the expected
 * secret variables, `task.debug`, one `task.uploadsummary`, `task.issue` only when it fails,
 * `task.setprogress` in the one form its progress takes, and one `task.complete`, last.
 */
export function pipelinesCommandProblems(run: TaskRun, expected: PipelinesExpectation): string[] {
  const problems: string[] = [];
  const allowed = new Set([
    "task.setsecret",
    "task.setvariable",
    "task.debug",
    "task.uploadsummary",
    "task.setprogress",
    "task.complete",
    ...(expected.result === "Failed" ? ["task.issue"] : []),
  ]);
  for (const command of run.commands) {
    if (!allowed.has(command.name)) {
      problems.push(`stdout line ${command.line} is a ${command.name} the task did not issue`);
    }
  }
  problems.push(...progressProblems(run));
  run.lines.forEach((line, index) => {
    if (/^\s*##\[/.test(line)) problems.push(`stdout line ${index} is a ##[ formatting line`);
  });

  const masks = run.commands.filter((c) => c.name === "task.setsecret").map((c) => c.data);
  const pieces = [
    ...expected.masked.flatMap((v) => pipelinesMaskPieces(v, expected.multilineAllowed)),
    ...(expected.connectionSecrets ?? []),
  ];
  problems.push(...sameSet("task.setsecret commands", masks, pieces));

  const variables = run.commands.filter((c) => c.name === "task.setvariable");
  // `vaultUrl` is set on every run that found the vault, so it may be there or not.
  problems.push(
    ...sameSet(
      "task.setvariable names",
      variables.map((c) => c.properties.variable ?? "").filter((n) => n !== "vaultUrl"),
      ["result", "changed", ...expected.secretVariables],
    ),
  );
  for (const c of variables) {
    const name = c.properties.variable ?? "";
    const keys = Object.keys(c.properties).sort().join(",");
    if (keys !== "isoutput,issecret,variable") {
      problems.push(`task.setvariable ${name} carries the properties ${keys}`);
    }
    const isOutput = name === "result" || name === "changed" || name === "vaultUrl";
    if (c.properties.issecret !== String(!isOutput) || c.properties.isoutput !== String(isOutput)) {
      problems.push(
        `task.setvariable ${name} has issecret=${c.properties.issecret}, isoutput=${c.properties.isoutput}`,
      );
    }
  }

  const completes = run.commands.filter((c) => c.name === "task.complete");
  if (completes.length !== 1) problems.push(`${completes.length} task.complete commands, not 1`);
  if (completes[0] && completes[0] !== run.commands.at(-1)) {
    problems.push("task.complete is not the task's last command");
  }
  if (completes[0]?.properties.result !== expected.result) {
    problems.push(`task.complete says ${completes[0]?.properties.result}, not ${expected.result}`);
  }
  const summaries = run.commands.filter((c) => c.name === "task.uploadsummary").length;
  if (summaries > 1) problems.push(`${summaries} summaries uploaded`);
  return problems;
}
