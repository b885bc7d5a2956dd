/**
 * `aml-secrets`: the commands `set`, `plan`, `get`, `list`, `delete` and `emulator` over the one
 * core.
 * Values come from the environment (set) or go to `--out` / `--stdout` (get), never through
 * the command line. Exit codes: 0 done, 1 some secret failed, 2 bad input (nothing sent).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { errorMessage } from "../../core/errors.ts";
import { didYouMean } from "../../core/inputs/suggest.ts";
import type { InputName } from "../../core/platform.ts";
import type { OutFormat } from "../../core/modes/get/out-file.ts";
import { usage } from "./usage.ts";

const commands = ["set", "plan", "get", "list", "delete", "rotate"] as const;
type Command = (typeof commands)[number];

/** package.json's version, put in by the build (scripts/build.mjs); absent when run from source. */
declare const AML_SECRETS_VERSION: string | undefined;
const version = typeof AML_SECRETS_VERSION === "string" ? AML_SECRETS_VERSION : "development";

const exitCodes = { ok: 0, failed: 1, invalid: 2 } as const;

const commonOptions = {
  "vault-url": { type: "string" },
  "workspace-name": { type: "string" },
  "resource-group": { type: "string" },
  "subscription-id": { type: "string" },
  secrets: { type: "string", multiple: true },
  "secrets-file": { type: "string" },
  auth: { type: "string" },
  cloud: { type: "string" },
  "resource-manager-url": { type: "string" },
  "max-concurrency": { type: "string" },
  "request-timeout": { type: "string" },
  json: { type: "boolean" },
  verbose: { type: "boolean", short: "v" },
  help: { type: "boolean", short: "h" },
} satisfies ParseArgsConfig["options"];

const setOptions = {
  ...commonOptions,
  "variable-prefix": { type: "string" },
  generate: { type: "string", multiple: true },
  overwrite: { type: "string" },
  "no-recover-deleted": { type: "boolean" },
  "content-type": { type: "string" },
  tag: { type: "string", multiple: true },
  "expires-in": { type: "string" },
  "not-before-in": { type: "string" },
  "disable-previous-versions": { type: "boolean" },
  "allow-empty": { type: "boolean" },
  "dry-run": { type: "boolean" },
  owner: { type: "string" },
  prune: { type: "boolean" },
} satisfies ParseArgsConfig["options"];

const getOptions = {
  ...commonOptions,
  out: { type: "string" },
  format: { type: "string" },
  stdout: { type: "boolean" },
  "output-prefix": { type: "string" },
  "allow-reserved-names": { type: "boolean" },
  "ignore-not-found": { type: "boolean" },
} satisfies ParseArgsConfig["options"];

const optionsOf: Record<Command, ParseArgsConfig["options"]> = {
  set: setOptions,
  plan: setOptions,
  get: getOptions,
  list: {
    ...commonOptions,
    "include-deleted": { type: "boolean" },
    "rotate-within": { type: "string" },
  },
  delete: { ...commonOptions, "dry-run": { type: "boolean" } },
  rotate: {
    ...commonOptions,
    "rotate-within": { type: "string" },
    validity: { type: "string" },
    "graph-url": { type: "string" },
    "authority-host": { type: "string" },
    "dry-run": { type: "boolean" },
  },
};

/** Flags whose value is passed to the core as the input of the same name. */
const textInputs: InputName[] = [
  "vault-url",
  "workspace-name",
  "resource-group",
  "subscription-id",
  "variable-prefix",
  "overwrite",
  "content-type",
  "expires-in",
  "not-before-in",
  "max-concurrency",
  "request-timeout",
  "owner",
  "output-prefix",
  "rotate-within",
  "validity",
  "graph-url",
  "authority-host",
];
const booleanInputs: InputName[] = [
  "disable-previous-versions",
  "allow-empty",
  "dry-run",
  "prune",
  "include-deleted",
  "allow-reserved-names",
  "ignore-not-found",
];

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** stderr is a terminal: a live status line, and the rows once, in the table at the end. */
  live?: boolean;
  /** SIGINT / SIGTERM (main.ts): the run stops sending and reports what it did. */
  cancel?: AbortSignal;
}

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  live: process.stderr.isTTY,
};

/** Runs one command line; resolves with the exit code. */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    (command === undefined ? io.stderr : io.stdout)(usage.main);
    return command === undefined ? 2 : 0;
  }
  if (command === "--version" || command === "-V") {
    io.stdout(`${version}\n`);
    return 0;
  }
  if (command === "emulator") return runEmulator(rest);
  if (!isCommand(command)) {
    const what = command.startsWith("-") ? "option" : "command";
    const known = command.startsWith("-")
      ? ["--help", "--version"]
      : [...commands, "emulator", "help"];
    io.stderr(
      `aml-secrets: unknown ${what} ${command}${didYouMean(command, known)}\nRun \`aml-secrets --help\` for the commands.\n`,
    );
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: optionsOf[command],
      strict: true,
      allowPositionals: false,
    });
  } catch (e: unknown) {
    io.stderr(
      `aml-secrets ${command}: ${argumentProblem(command, e)}\nRun \`aml-secrets ${command} --help\` for its options.\n`,
    );
    return 2;
  }
  const values = parsed.values as Record<string, string | string[] | boolean | undefined>;
  if (values.help) {
    io.stdout(usage[command]);
    return 0;
  }
  // Loaded only now: the core, the Azure SDK and Node's network and crypto modules are most of
  // what the bundle evaluates, and `--help`, `--version` or a bad command line need none of them.
  const [
    { run },
    { CliPlatform, cliFlag },
    { outFormats, renderOutFile },
    { listTable, resultTable },
  ] = await Promise.all([
    import("../../core/run.ts"),
    import("./platform.ts"),
    import("../../core/modes/get/out-file.ts"),
    import("./table.ts"),
  ]);
  const inputs = commandInputs(command, values, outFormats);
  if (typeof inputs === "string") {
    io.stderr(`aml-secrets ${command}: ${inputs}\n`);
    return 2;
  }
  const toStdout = values.stdout === true;
  // Listed with every other problem of the command line, before any request.
  const problems =
    command === "get" && !toStdout && typeof values.out !== "string"
      ? ["say where the values go: --out FILE or --stdout"]
      : [];
  const str = (name: string): string | undefined => {
    const v = values[name];
    return typeof v === "string" ? v : undefined;
  };
  const auth = str("auth");
  const cloud = str("cloud");
  const resourceManagerUrl = str("resource-manager-url");
  const secretsFile = str("secrets-file");
  const platform = new CliPlatform({
    inputs,
    ...(secretsFile !== undefined
      ? { secretsFile: { name: secretsFile, firstLine: lineCount(values.secrets) + 1 } }
      : {}),
    env: io.env,
    stderr: io.stderr,
    verbose: values.verbose === true,
    live: io.live === true,
    columns: () => process.stderr.columns,
    ...(auth !== undefined ? { auth } : {}),
    ...(cloud !== undefined ? { cloud } : {}),
    ...(resourceManagerUrl !== undefined ? { resourceManagerUrl } : {}),
  });
  const outcome = await run(
    platform,
    { env: io.env, stderr: process.stderr },
    { redactor: platform.redactor, problems, ...(io.cancel ? { cancel: io.cancel } : {}) },
  );

  // --out is the core's out-file (written whole, mode 0600); --stdout prints the same format.
  let printed = true;
  if (toStdout && outcome.status !== "invalid") {
    const format = outFormat(str("format"), outFormats);
    const { text, refused } = renderOutFile(format, platform.secretOutputs, cliFlag);
    for (const { name, reason } of refused)
      io.stderr(platform.redactor.redact(`error: ${name} was not printed: ${reason}\n`));
    io.stdout(text);
    printed = refused.length === 0;
  }
  const result = platform.outputs.get("result");
  const report =
    values.json === true
      ? `${result ?? "[]"}\n`
      : command === "list"
        ? listTable(result)
        : resultTable(result, command === "get" ? undefined : platform.outputs.get("changed"));
  // With --stdout the values own stdout: the table goes to stderr, so `> file` gets values only.
  // The table is built from `result`, whose free text the core redacted and whose names,
  // actions and versions are exact: redacting it again would rewrite them.
  (toStdout ? io.stderr : io.stdout)(report);
  // A cancelled run exits with its signal's code (main.ts); 1 until then.
  if (outcome.status === "cancelled") return exitCodes.failed;
  return printed ? exitCodes[outcome.status] : exitCodes.failed;
}

/**
 * One line for a command line `parseArgs` refused: an unknown option with the one it most
 * likely meant, or the command it belongs to; else parseArgs' own sentence.
 */
function argumentProblem(command: Command, e: unknown): string {
  const unknown = /^Unknown option '(-[^']*)'/.exec(errorMessage(e))?.[1];
  if (unknown === undefined) return errorMessage(e).split(". ")[0] ?? errorMessage(e);
  const flag = unknown.split("=")[0]!;
  const options = optionsOf[command] ?? {};
  const known = Object.keys(options).map((name) => `--${name}`);
  const elsewhere = commands.filter((c) => c !== command && flag.slice(2) in (optionsOf[c] ?? {}));
  if (elsewhere.length > 0 && flag.startsWith("--"))
    return `unknown option ${flag}: it is an option of ${elsewhere.join(", ")}, not ${command}`;
  return `unknown option ${flag}${didYouMean(flag, known)}`;
}

/** How many mapping lines the `--secrets` flags gave (the file's come after them). */
function lineCount(secrets: string | string[] | boolean | undefined): number {
  const given = Array.isArray(secrets) ? secrets : [];
  return given.reduce((sum, text) => sum + text.split(/\r?\n|\r/).length, 0);
}

/** `--format`, once `commandInputs` has accepted it. */
function outFormat(given: string | undefined, formats: readonly OutFormat[]): OutFormat {
  const format = (given ?? "dotenv").toLowerCase();
  return isOutFormat(format, formats) ? format : "dotenv";
}

function isOutFormat(format: string, formats: readonly OutFormat[]): format is OutFormat {
  return (formats as readonly string[]).includes(format);
}

function isCommand(command: string): command is Command {
  return (commands as readonly string[]).includes(command);
}

/** The core's inputs from the flags, or a usage problem. */
function commandInputs(
  command: Command,
  values: Record<string, string | string[] | boolean | undefined>,
  outFormats: readonly OutFormat[],
): Partial<Record<InputName, string>> | string {
  const inputs: Partial<Record<InputName, string>> = { mode: command === "plan" ? "set" : command };
  for (const name of textInputs) {
    const v = values[name];
    if (typeof v === "string") inputs[name] = v;
  }
  for (const name of booleanInputs) if (values[name] === true) inputs[name] = "true";
  if (command === "plan") inputs["dry-run"] = "true";
  if (typeof values.out === "string") inputs["out-file"] = values.out;
  if (typeof values.format === "string") {
    // With --stdout alone the CLI prints the format itself; the core takes it with a file only.
    if (!isOutFormat(values.format.toLowerCase(), outFormats))
      return `--format must be one of ${outFormats.join(", ")}, not \`${values.format}\``;
    if (typeof values.out === "string") inputs["out-format"] = values.format;
  }
  if (values["no-recover-deleted"] === true) inputs["recover-deleted"] = "false";
  const lines = (v: string | string[] | boolean | undefined): string[] =>
    Array.isArray(v) ? v : [];
  // A copy: the file's text must not join the flags' own list (lineCount reads it).
  const secrets = [...lines(values.secrets)];
  const file = values["secrets-file"];
  if (typeof file === "string") {
    try {
      secrets.push(readFileSync(file, "utf8"));
    } catch (e: unknown) {
      return `could not read --secrets-file ${file}: ${errorMessage(e)}`;
    }
  }
  if (secrets.length > 0) inputs.secrets = secrets.join("\n");
  const tags = lines(values.tag);
  if (tags.length > 0) inputs.tags = tags.join("\n");
  const generate = lines(values.generate);
  if (generate.length > 0) inputs.generate = generate.join("\n");
  return inputs;
}

/**
 * `aml-secrets emulator`: the emulator's own bundle, loaded at run time from next to this one
 * (a path computed at run time, so the CLI bundle does not carry the emulator).
 */
async function runEmulator(argv: string[]): Promise<number> {
  const here = typeof __dirname === "string" ? __dirname : path.resolve("dist");
  const bundle = path.join(here, "emulator.cjs");
  const load = createRequire(path.join(here, "cli.cjs"));
  const emulator = load(bundle) as { main: (args: string[]) => Promise<number> };
  return emulator.main(argv);
}
