// The injection checks of this folder catch what they are there to catch: each kind of stray
// command, built by hand into stdout, is reported; honest output is not.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  parseCommands as parseWorkflowCommands,
  type StepRun,
} from "../../helpers/github-runner.ts";
import { parseCommands as parseVsoCommands, type TaskRun } from "../../helpers/pipelines-agent.ts";
import {
  expectedMaskPieces,
  gitHubCommandProblems,
  pipelinesCommandProblems,
  type PipelinesExpectation,
} from "./command-checks.ts";

function stepRun(stdout: string): StepRun {
  const lines = stdout.split("\n");
  return {
    exitCode: 0,
    stdout,
    stderr: "",
    lines,
    commands: parseWorkflowCommands(lines),
    outputs: {},
    exported: {},
    state: {},
    summary: "",
    files: {},
    env: {},
    dir: "",
  };
}

function taskRun(stdout: string): TaskRun {
  const lines = stdout.split(/\r\n|\r|\n/);
  return {
    exitCode: 0,
    stdout,
    stderr: "",
    lines,
    commands: parseVsoCommands(lines),
    masked: [],
    variables: {},
    summaries: [],
    errors: [],
  };
}

void test("a value's mask pieces: the whole value and each non-blank line", () => {
  assert.deepEqual(expectedMaskPieces("a\r\nb\rc\n \n"), ["a", "b", "c", "a\r\nb\rc\n \n"]);
  assert.deepEqual(expectedMaskPieces("one"), ["one"]);
  assert.deepEqual(expectedMaskPieces(""), []);
});

describe("GitHub", () => {
  const honest =
    "::add-mask::v%0D::x\n::add-mask::v\n::add-mask::::x\nvault https://x\n::debug::d\n";
  const masked = ["v\r::x"];

  void test("honest output passes", () => {
    assert.deepEqual(gitHubCommandProblems(stepRun(honest), { masked }), []);
  });

  for (const [what, stdout] of [
    ["a command after a lone \\r", `${honest}row\r::error::injected\n`],
    ["a command after leading blanks", `${honest}  ::set-output name=x::y\n`],
    ["a command kind the step does not issue", `${honest}::stop-commands::t\n`],
    ["an old-style ##[ command", `${honest}##[set-env name=x;]y\n`],
    ["a malformed command line", `${honest}::error\n`],
    ["a mask of something that is no value", `${honest}::add-mask::other\n`],
    ["a missing mask", honest.replace("::add-mask::v\n", "")],
  ] as const) {
    void test(`catches ${what}`, () => {
      assert.notDeepEqual(gitHubCommandProblems(stepRun(stdout), { masked }), []);
    });
  }

  void test("an error command passes only where the step may fail", () => {
    const failing = stepRun(`${honest}::error::nope\n`);
    assert.notDeepEqual(gitHubCommandProblems(failing, { masked }), []);
    assert.deepEqual(gitHubCommandProblems(failing, { masked, alsoAllowed: ["error"] }), []);
  });
});

describe("Azure Pipelines", () => {
  const start = [
    "##vso[task.setsecret]v",
    "##vso[task.debug]reading",
    "plain line",
    "##vso[task.setvariable variable=OUT;isOutput=false;issecret=true;]v",
  ];
  const end = [
    "##vso[task.setvariable variable=result;isOutput=true;issecret=false;][]",
    "##vso[task.setvariable variable=changed;isOutput=true;issecret=false;]0",
    "##vso[task.uploadsummary]/tmp/s.md",
    "##vso[task.complete result=Succeeded;]",
  ];
  const expected: PipelinesExpectation = {
    masked: ["v"],
    multilineAllowed: false,
    secretVariables: ["OUT"],
    result: "Succeeded",
  };
  const run = (...middle: string[]): TaskRun => taskRun([...start, ...middle, ...end].join("\n"));

  void test("honest output passes", () => {
    assert.deepEqual(pipelinesCommandProblems(run(), expected), []);
  });

  for (const [what, line] of [
    ["a setvariable in the middle of a line", "row ##vso[task.setvariable variable=EVIL]x"],
    ["a setvariable after a lone \\r", "row\r##vso[task.setvariable variable=EVIL]x"],
    ["a second task.complete", "##vso[task.complete result=Succeeded;]"],
    ["a command kind the task does not issue", "##vso[task.prependpath]/evil"],
    ["an error where the task succeeds", "##vso[task.issue type=error;]x"],
    ["a formatting line", "##[error]fake"],
    ["a mask of something that is no value", "##vso[task.setsecret]other"],
    [
      "a setvariable with a property of its own",
      "##vso[task.setvariable variable=OUT;isOutput=false;issecret=true;isreadonly=false;]v",
    ],
    [
      "a secret variable set as not secret",
      "##vso[task.setvariable variable=OUT;isOutput=false;issecret=false;]v",
    ],
  ] as const) {
    void test(`catches ${what}`, () => {
      assert.notDeepEqual(pipelinesCommandProblems(run(line), expected), []);
    });
  }

  void test("the task's progress passes: a growing percentage and its progress line", () => {
    const progress = [
      "##vso[task.setprogress value=0;]get: 0 of 2 done, 0 s",
      "##vso[task.setprogress value=50;]get: 1 of 2 done, 1 failed, 1 s (1 reads wait for the vault's budget (2000 per 10 s))",
      "##vso[task.setprogress value=100;]get: 2 of 2 done, 1 failed, 2 s",
    ];
    assert.deepEqual(pipelinesCommandProblems(run(...progress), expected), []);
  });

  for (const [what, line] of [
    [
      "a progress with a property of its own",
      "##vso[task.setprogress value=5;x=y;]get: 0 of 2 done, 0 s",
    ],
    ["a progress that is no percentage", "##vso[task.setprogress value=101;]get: 0 of 2 done, 0 s"],
    ["a progress with free text", "##vso[task.setprogress value=5;]injected"],
    [
      "a progress that goes back",
      "##vso[task.setprogress value=50;]get: 1 of 2 done, 0 s\n##vso[task.setprogress value=0;]get: 0 of 2 done, 0 s",
    ],
  ] as const) {
    void test(`catches ${what}`, () => {
      assert.notDeepEqual(pipelinesCommandProblems(run(line), expected), []);
    });
  }

  void test("catches a missing mask, a missing variable, and a task.complete that is not last", () => {
    const lines = [...start, ...end];
    const without = (text: string): TaskRun => taskRun(lines.filter((l) => l !== text).join("\n"));
    assert.notDeepEqual(pipelinesCommandProblems(without(start[0] ?? ""), expected), []);
    assert.notDeepEqual(pipelinesCommandProblems(without(start[3] ?? ""), expected), []);
    const late = taskRun([...lines, "##vso[task.debug]after"].join("\n"));
    assert.notDeepEqual(pipelinesCommandProblems(late, expected), []);
  });

  void test("a multi-line value is masked line by line, and whole only where the job allows it", () => {
    const lineByLine = taskRun(
      ["##vso[task.setsecret]a-line", "##vso[task.setsecret]b-line", ...end].join("\n"),
    );
    const value = { ...expected, masked: ["a-line\nb-line"], secretVariables: [] };
    assert.deepEqual(pipelinesCommandProblems(lineByLine, value), []);
    assert.notDeepEqual(
      pipelinesCommandProblems(lineByLine, { ...value, multilineAllowed: true }),
      [],
    );
  });
});
