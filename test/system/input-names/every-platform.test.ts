// One input, three entry points: an input of action.yml is an input of task.json and a flag of
// the CLI (and the other way round), unless src/platforms/inputs.ts says why not; and each task
// input is shown in the classic editor in exactly the modes that read it. Read from the files
// and the CLI bundle's own help, so an input added anywhere is checked without an edit here.
import assert from "node:assert/strict";
import { test } from "node:test";
import { inputOwners, modeNames } from "../../../src/core/modes/index.ts";
import type { InputName } from "../../../src/core/platform.ts";
import {
  cliName,
  kebabCase,
  spellings,
  taskName,
  type Spelling,
} from "../../../src/platforms/inputs.ts";
import { declared, type Declared } from "./declared.ts";

/** The input a CLI flag gives: the table's renames read backwards, else the flag's own name. */
function inputOfFlag(flag: string): string {
  const renamed = Object.entries(spellings).find(([, s]) => s.cli === flag);
  return renamed ? renamed[0] : flag.replace(/^--/, "");
}

/** Every problem of `input` across the three, in words that say what to fix. */
export function spellingProblems(input: string, d: Declared): string[] {
  const spelling: Spelling = spellings[input] ?? {};
  const problems: string[] = [];
  const where = "src/platforms/inputs.ts";
  const onGithub = d.github.has(input);
  if (spelling.github && onGithub)
    problems.push(`${input} is in action.yml, but ${where} says the action has none`);
  if (!spelling.github && !onGithub)
    problems.push(`${input} is not in action.yml, and ${where} gives no reason`);
  const task = taskName(input);
  if (task === undefined) {
    const camel = [...d.task.keys()].find((t) => kebabCase(t) === input);
    if (camel)
      problems.push(`${input} is task.json's ${camel}, but ${where} says the task has none`);
  } else if (!d.task.has(task)) {
    problems.push(`${input} is not in task.json (as ${task}), and ${where} gives no reason`);
  }
  const cli = cliName(input);
  const cliSpelling = spelling.cli;
  if (typeof cliSpelling === "object") {
    if (d.cli.has(`--${input}`))
      problems.push(`${input} is the CLI's --${input}, but ${where} says the CLI has none`);
  } else if (cli !== undefined && !d.cli.has(cli)) {
    problems.push(`${input} is not a CLI flag (as ${cli}), and ${where} gives no reason`);
  }
  return problems;
}

function everyInput(d: Declared): string[] {
  return [
    ...new Set([...d.github, ...[...d.task.keys()].map(kebabCase), ...[...d.cli].map(inputOfFlag)]),
  ].sort();
}

test("every input is on the action, the task and the CLI, or the table says why not", () => {
  const d = declared();
  const inputs = everyInput(d);
  assert.ok(inputs.includes("vault-url") && inputs.includes("azure-subscription"), inputs.join());
  assert.deepEqual(
    inputs.flatMap((i) => spellingProblems(i, d)),
    [],
  );
});

test("the check finds an input missing from one platform, and a table that says otherwise", () => {
  const d = declared();
  const without = (set: Set<string>, name: string) => new Set([...set].filter((n) => n !== name));
  assert.deepEqual(spellingProblems("vault-url", { ...d, cli: without(d.cli, "--vault-url") }), [
    "vault-url is not a CLI flag (as --vault-url), and src/platforms/inputs.ts gives no reason",
  ]);
  const task = new Map(d.task);
  task.delete("dryRun");
  assert.deepEqual(spellingProblems("dry-run", { ...d, task }), [
    "dry-run is not in task.json (as dryRun), and src/platforms/inputs.ts gives no reason",
  ]);
  assert.deepEqual(spellingProblems("prune", { ...d, github: without(d.github, "prune") }), [
    "prune is not in action.yml, and src/platforms/inputs.ts gives no reason",
  ]);
  // A new input in action.yml alone, with no row in the table.
  assert.equal(
    spellingProblems("brand-new", { ...d, github: new Set([...d.github, "brand-new"]) }).length,
    2,
  );
  // The table says the task has no subscription-id: a task input of that name contradicts it.
  const withSubscription = new Map(d.task).set("subscriptionId", { name: "subscriptionId" });
  assert.deepEqual(spellingProblems("subscription-id", { ...d, task: withSubscription }), [
    "subscription-id is task.json's subscriptionId, but src/platforms/inputs.ts says the task has none",
  ]);
});

/** The visibleRule of the modes that read `input`; none when every mode does. */
function ruleOf(input: string): string | undefined {
  const modes = inputOwners().get(input as InputName)?.modes;
  if (modes === undefined || modes.length === modeNames.length) return undefined;
  return modes.map((m) => `mode = ${m}`).join(" || ");
}

test("each task input is shown in the classic editor in exactly the modes that read it", () => {
  const d = declared();
  const wrong = [...d.task.values()]
    .map((i) => ({ name: i.name, has: i.visibleRule, wants: ruleOf(kebabCase(i.name)) }))
    .filter((i) => i.has !== i.wants);
  assert.deepEqual(wrong, []);
  assert.equal(ruleOf("dry-run"), "mode = set || mode = delete || mode = rotate");
  assert.equal(ruleOf("vault-url"), undefined);
});

test("a visibleRule is what the classic editor parses: `input = value` joined by ||", () => {
  for (const { name, visibleRule } of declared().task.values()) {
    if (visibleRule === undefined) continue;
    for (const predicate of visibleRule.split(" || "))
      assert.match(predicate, /^[a-zA-Z]+ = [a-z]+$/, `${name}: ${visibleRule}`);
  }
});
