// Writes docs/inputs.md, the input reference of the three entry points, from what each one
// declares: action.yml's `inputs:`, task.json's `inputs`, and the CLI's own `--help` text
// (`node dist/cli.cjs <command> --help`, for every command its main help lists). Nothing is
// written by hand, so the reference cannot drift: test/system/docs/inputs-doc.test.ts runs
// `--check` and fails when the committed file is not what this script makes.
//
//   node scripts/inputs-doc.mjs            write docs/inputs.md
//   node scripts/inputs-doc.mjs --check    exit 1 when docs/inputs.md differs
//   node scripts/inputs-doc.mjs --stdout   print it
//   --action FILE / --task FILE / --cli FILE read another action.yml / task.json / CLI bundle
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { tsImport } from "tsx/esm/api";

const root = path.resolve(import.meta.dirname, "..");
const target = path.join(root, "docs", "inputs.md");

/**
 * The `inputs:` of an action.yml: name, description, required, default. The file is read as
 * the subset of YAML it is written in (two-space keys, quoted scalars, `>-` / `|` blocks); any
 * other line under `inputs:` is an error here rather than an input silently left out.
 */
export function actionInputs(text) {
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((l) => /^inputs:\s*$/.test(l));
  if (start < 0) throw new Error("action.yml: no top-level inputs:");
  const inputs = [];
  let current;
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i];
    if (/^\S/.test(line)) break; // the next top-level key
    if (/^\s*(#.*)?$/.test(line)) continue;
    const key = /^ {2}([A-Za-z0-9_-]+):\s*$/.exec(line);
    if (key) {
      current = { name: key[1], description: "", required: false, default: undefined };
      inputs.push(current);
      continue;
    }
    const field = /^ {4}(description|required|default|deprecationMessage):\s*(.*)$/.exec(line);
    if (!field || !current) throw new Error(`action.yml line ${i + 1}: not understood: ${line}`);
    let value = field[2];
    if (value === ">-" || value === ">" || value === "|" || value === "|-") {
      const block = [];
      while (i + 1 < lines.length && (/^ {6}/.test(lines[i + 1]) || lines[i + 1].trim() === "")) {
        block.push(lines[++i].trim());
      }
      value = value.startsWith(">") ? block.join(" ").trim() : block.join("\n").trim();
    } else value = scalar(value);
    if (field[1] === "required") current.required = value === "true";
    else if (field[1] === "default") current.default = value;
    else if (field[1] === "description") current.description = value;
  }
  return inputs;
}

function scalar(raw) {
  const text = raw.trim();
  if (text.startsWith('"')) return JSON.parse(text);
  if (text.startsWith("'")) return text.slice(1, -1).replace(/''/g, "'");
  return text;
}

/** task.json's inputs, as declared. */
export function taskInputs(text) {
  return JSON.parse(text).inputs ?? [];
}

/**
 * The CLI's flags from its help: `{ flag, short, argument, description, commands }` for every
 * option line of every command's `--help` (a line `  [-x, ]--name [ARG]   text`, and the lines
 * below it indented to the text's column).
 */
export function cliOptions(cli) {
  const help = (...args) =>
    execFileSync(process.execPath, [cli, ...args], { encoding: "utf8", env: cliEnv() });
  const main = help("--help");
  const commandsBlock = /^Commands:\n((?: {2}\S.*\n)+)/m.exec(main);
  if (!commandsBlock) throw new Error(`${cli} --help lists no commands`);
  const commands = commandsBlock[1]
    .split("\n")
    .filter(Boolean)
    .map((l) => {
      const [name, ...rest] = l.trim().split(/\s{2,}/);
      return { name, summary: rest.join(" ") };
    });
  const flags = new Map();
  for (const { name } of commands) {
    let last;
    for (const line of help(name, "--help").split("\n")) {
      const option = /^ {2}(?:(-\w), )?(--[a-z0-9-]+)((?: [^\s]+)?)(?:\s{2,}(.*))?$/.exec(line);
      if (option) {
        const [, short, flag, argument, text] = option;
        const entry = flags.get(flag) ?? { flag, short, argument: argument.trim(), texts: [] };
        flags.set(flag, entry);
        last = { commands: [name], text: text?.trim() ?? "" };
        entry.texts.push(last);
      } else if (last && /^ {6,}\S/.test(line)) {
        last.text = `${last.text} ${line.trim()}`.trim();
      } else last = undefined;
    }
  }
  // One description per distinct text, naming the commands it belongs to when they differ.
  return {
    commands,
    flags: [...flags.values()].map(({ texts, ...f }) => {
      const byText = new Map();
      for (const t of texts) byText.set(t.text, [...(byText.get(t.text) ?? []), ...t.commands]);
      const commandsOf = texts.flatMap((t) => t.commands);
      const description =
        byText.size === 1
          ? [...byText.keys()][0]
          : [...byText].map(([text, cmds]) => `${cmds.join(", ")}: ${text}`).join("; ");
      return { ...f, commands: commandsOf, description };
    }),
  };
}

/** The CLI's help must not depend on who runs it: no colour, no inherited proxy or debug. */
function cliEnv() {
  return { PATH: process.env.PATH ?? "", NO_COLOR: "1" };
}

/** `vault-url` -> `vaultUrl`. */
const camel = (kebab) => kebab.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());

/**
 * The one hand-kept table of spellings (src/platforms/inputs.ts): CLI flags whose name is not
 * the action's input name, and inputs a platform does not take. Loaded through tsx, so that the
 * adapters, this script and test/system/input-names read the same table.
 */
const { spellings } = await tsImport("../src/platforms/inputs.ts", import.meta.url);
const cliFlagOf = Object.fromEntries(
  Object.entries(spellings).flatMap(([input, { cli }]) =>
    cli === undefined ? [] : [[input, typeof cli === "string" ? cli : (cli.instead ?? "")]],
  ),
);

/** Text fit for one cell of a markdown table. */
function cell(text) {
  if (text === undefined || text === "") return "";
  return String(text).replace(/\r?\n/g, " ").replace(/\|/g, "\\|").trim();
}

const code = (text) => (text === undefined || text === "" ? "" : `\`${text}\``);

export function render({ action, task, cli }) {
  const taskByName = new Map(task.map((i) => [i.name, i]));
  const flagByName = new Map(cli.flags.map((f) => [f.flag, f]));
  const usedTask = new Set();
  const usedFlags = new Set();
  const out = [];
  const push = (...lines) => out.push(...lines);

  push(
    "# Inputs",
    "",
    "<!-- Generated by scripts/inputs-doc.mjs from action.yml, task.json and the CLI's --help. Do not edit: run `node scripts/inputs-doc.mjs`. -->",
    "",
    "Every input of the GitHub Action (`action.yml`), the Azure Pipelines task (`task.json`) and the",
    "CLI (`aml-secrets <command> --help`), as each one declares it. GitHub names are kebab-case,",
    "the task's camelCase, the CLI's flags are the GitHub names; the meaning is the same. Every",
    "input is optional unless marked required.",
    "",
    "- [One input, three spellings](#one-input-three-spellings)",
    "- [GitHub Action](#github-action)",
    "- [Azure Pipelines task](#azure-pipelines-task)",
    "- [CLI](#cli)",
    "",
    "## One input, three spellings",
    "",
    "| GitHub Action | Azure Pipelines task | CLI | default |",
    "| --- | --- | --- | --- |",
  );
  for (const input of action) {
    const taskName = camel(input.name);
    const taskInput = taskByName.get(taskName);
    if (taskInput) usedTask.add(taskName);
    const mapped = cliFlagOf[input.name] ?? `--${input.name}`;
    const flag = flagByName.get(mapped);
    if (flag) usedFlags.add(mapped);
    const cliCell = flag
      ? code(mapped)
      : /^env [A-Z_]+$/.test(mapped)
        ? `env ${code(mapped.slice(4))}`
        : mapped.startsWith("--")
          ? ""
          : mapped;
    push(
      `| ${code(input.name)} | ${taskInput ? code(taskName) : ""} | ${cliCell} | ${cell(code(input.default))} |`,
    );
  }
  for (const input of task) {
    if (usedTask.has(input.name)) continue;
    const flag = flagByName.get(`--${input.name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
    if (flag) usedFlags.add(flag.flag);
    push(
      `| | ${code(input.name)}${input.required ? " (required)" : ""} | ${flag ? code(flag.flag) : ""} | ${cell(code(input.defaultValue))} |`,
    );
  }
  // The CLI's own flags (the emulator's are in the CLI section below).
  for (const flag of cli.flags) {
    if (usedFlags.has(flag.flag) || flag.commands.every((c) => c === "emulator")) continue;
    push(`| | | ${code(flag.flag)}${flag.short ? ` (${code(flag.short)})` : ""} | |`);
  }

  push(
    "",
    "Not on every platform, and why (src/platforms/inputs.ts):",
    "",
    "| input | GitHub Action | Azure Pipelines task | CLI |",
    "| --- | --- | --- | --- |",
  );
  const why = (s) => (s === undefined || typeof s === "string" ? "" : cell(s.absent ?? ""));
  for (const [input, spelling] of Object.entries(spellings)) {
    if (![spelling.github, spelling.task, spelling.cli].some((s) => s?.absent)) continue;
    push(
      `| ${code(input)} | ${why(spelling.github)} | ${why(spelling.task)} | ${why(spelling.cli)} |`,
    );
  }
  push(
    "",
    "## GitHub Action",
    "",
    "`with:` of a step that `uses:` the action. Values of secrets are never inputs: set mode reads",
    "them from the step's `env:`.",
    "",
    "| input | default | description |",
    "| --- | --- | --- |",
  );
  for (const input of action) {
    push(
      `| ${code(input.name)}${input.required ? " (required)" : ""} | ${cell(code(input.default))} | ${cell(input.description)} |`,
    );
  }

  push(
    "",
    "## Azure Pipelines task",
    "",
    "`inputs:` of a `task:` step. Shown when: the condition under which the task's form shows the",
    "input (the task reads it whatever the mode).",
    "",
    "| input | type | default | shown when | description |",
    "| --- | --- | --- | --- | --- |",
  );
  for (const input of task) {
    const options = input.options
      ? ` One of: ${Object.keys(input.options).map(code).join(", ")}.`
      : "";
    const label = input.label ? `**${cell(input.label)}.** ` : "";
    push(
      `| ${code(input.name)}${input.required ? " (required)" : ""} | ${cell(input.type)} | ${cell(code(input.defaultValue))} | ${cell(input.visibleRule)} | ${label}${cell(input.helpMarkDown)}${options ? ` ${cell(options)}` : ""} |`,
    );
  }

  push(
    "",
    "## CLI",
    "",
    "`aml-secrets <command> [options]`; values come from the environment, never from the command",
    "line. The commands:",
    "",
    "| command | what |",
    "| --- | --- |",
    ...cli.commands.map((c) => `| ${code(c.name)} | ${cell(c.summary)} |`),
    "",
    "Their options (each command's `--help` says the same):",
    "",
    "| option | commands | description |",
    "| --- | --- | --- |",
  );
  for (const flag of cli.flags) {
    const name = `${flag.short ? `${code(flag.short)}, ` : ""}${code(`${flag.flag}${flag.argument ? ` ${flag.argument}` : ""}`)}`;
    push(`| ${name} | ${flag.commands.join(", ")} | ${cell(flag.description)} |`);
  }
  push("");
  return out.join("\n");
}

function main() {
  const { values } = parseArgs({
    options: {
      check: { type: "boolean" },
      stdout: { type: "boolean" },
      action: { type: "string", default: path.join(root, "action.yml") },
      task: { type: "string", default: path.join(root, "task.json") },
      cli: { type: "string", default: path.join(root, "dist", "cli.cjs") },
    },
  });
  const text = render({
    action: actionInputs(readFileSync(values.action, "utf8")),
    task: taskInputs(readFileSync(values.task, "utf8")),
    cli: cliOptions(values.cli),
  });
  if (values.stdout) process.stdout.write(text);
  else if (values.check) {
    let committed = "";
    try {
      committed = readFileSync(target, "utf8");
    } catch {
      // missing: reported below
    }
    if (committed !== text) {
      process.stderr.write(
        "docs/inputs.md is not what scripts/inputs-doc.mjs makes from action.yml, task.json and the CLI: run `node scripts/inputs-doc.mjs` (after `npm run build` for the CLI) and commit it.\n",
      );
      process.exit(1);
    }
  } else writeFileSync(target, text);
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) main();
