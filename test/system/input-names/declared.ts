// What each entry point declares: action.yml's inputs, task.json's inputs, the CLI bundle's
// flags (from its own --help), read the way scripts/inputs-doc.mjs reads them for docs/inputs.md.
import { readFileSync } from "node:fs";
import path from "node:path";

/** The readers of scripts/inputs-doc.mjs (plain JavaScript: typed here by hand). */
const docScript = "../../../scripts/inputs-doc.mjs";
const { actionInputs, cliOptions, taskInputs } = (await import(docScript)) as {
  actionInputs: (text: string) => { name: string }[];
  taskInputs: (text: string) => { name: string; visibleRule?: string }[];
  cliOptions: (cli: string) => { flags: { flag: string; commands: string[] }[] };
};

const root = path.resolve(import.meta.dirname, "../../..");

export interface Declared {
  github: Set<string>;
  /** By task name. */
  task: Map<string, { name: string; visibleRule?: string }>;
  cli: Set<string>;
}

/** What each entry point declares today. */
export function declared(): Declared {
  const action = (
    actionInputs(readFileSync(path.join(root, "action.yml"), "utf8")) as { name: string }[]
  ).map((i) => i.name);
  const task = taskInputs(readFileSync(path.join(root, "task.json"), "utf8"));
  const cli = cliOptions(path.join(root, "dist", "cli.cjs"));
  return {
    github: new Set(action),
    task: new Map(task.map((i) => [i.name, i])),
    // The emulator's flags are its own product's, not inputs of the step.
    cli: new Set(
      cli.flags.filter((f) => f.commands.some((c) => c !== "emulator")).map((f) => f.flag),
    ),
  };
}
