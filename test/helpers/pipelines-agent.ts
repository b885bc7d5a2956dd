/**
 * Runs the bundled task (dist/task.cjs) the way the Azure Pipelines agent runs a Node task, and
 * reads back what the agent would see. (The task library's own mock runner downloads Node from
 * the internet; spawning the bundle with the agent's environment is the faithful option here.)
 *
 * The environment follows the agent's handler (Agent.Worker/Handlers/Handler.cs):
 * - inputs as `INPUT_<NAME>` (upper-cased, `.` and space -> `_`), task.json defaults filled in;
 * - plain variables as environment variables of the same format, their names in `VSTS_PUBLIC_VARIABLES`;
 * - secret variables as `SECRET_<NAME>`, their names in `VSTS_SECRET_VARIABLES`;
 * - each service connection as `ENDPOINT_URL_<id>`, `ENDPOINT_AUTH_<id>` (`{"parameters", "scheme"}`),
 *   `ENDPOINT_AUTH_SCHEME_<id>`, `ENDPOINT_AUTH_PARAMETER_<id>_<KEY>`, `ENDPOINT_DATA_<id>_<KEY>`,
 *   and the job's own `SystemVssConnection` endpoint, which carries `System.AccessToken`.
 * No shell: the bundle is spawned with an argument list, asynchronously, so that an emulator in
 * the test's own process keeps answering while the task runs.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Emulator } from "../../src/emulator/index.ts";
import { assertNoLeaks, recordScenario } from "./leaks.ts";

const root = path.resolve(import.meta.dirname, "..", "..");
export const taskBundle = path.join(root, "dist", "task.cjs");
/**
 * The task's pre-job target (task.json `prejobexecution`). The agent runs it before the job's
 * first step with the environment it gives the normal run (Agent.Worker/JobExtension.cs adds a
 * pre-job TaskRunner for the same task step, under the same condition; TaskRunner.cs and
 * Handlers/NodeHandler.cs build the same inputs, variables and endpoints, and pass no
 * arguments): `runTask({ ...options, bundle: preJobBundle })` is the agent's pre-job run.
 */
export const preJobBundle = path.join(root, "dist", "prejob.cjs");

interface TaskJsonInput {
  name: string;
  defaultValue?: string;
}

/** The task's own inputs and their defaults, read from task.json as the agent does. */
export function taskInputs(): TaskJsonInput[] {
  const taskJson = JSON.parse(readFileSync(path.join(root, "task.json"), "utf8")) as {
    inputs: TaskJsonInput[];
  };
  return taskJson.inputs;
}

export interface PipelinesEndpoint {
  /** The connection's id (a GUID): what the `azureSubscription` input carries. */
  id: string;
  url?: string;
  scheme: string;
  /** Authorization parameters, by the agent's keys (`tenantid`, `serviceprincipalid`, ...). */
  parameters: Record<string, string>;
  /** Data parameters (`subscriptionId`, `environment`, `activeDirectoryAuthority`, ...). */
  data?: Record<string, string>;
}

/**
 * An AzureRM service connection whose cloud is `emu` (its ARM endpoint and Entra stand-in).
 * Every scheme but managed identity gets the emulator's tenant and a fresh client id;
 * `parameters` adds to them (a key, a certificate).
 */
export function emulatorEndpoint(
  emu: Emulator,
  scheme: string,
  parameters: Record<string, string> = {},
): PipelinesEndpoint {
  const principal: Record<string, string> =
    scheme === "ManagedServiceIdentity"
      ? {}
      : { tenantid: emu.tenantId, serviceprincipalid: randomUUID() };
  return {
    id: randomUUID(),
    url: `${emu.armUrl}/`,
    scheme,
    parameters: { ...principal, ...parameters },
    data: {
      subscriptionId: randomUUID(),
      subscriptionName: "emulator",
      environment: "AzureCloud",
      scopeLevel: "Subscription",
      activeDirectoryAuthority: `${emu.authorityHost}/`,
      environmentAuthorityUrl: `${emu.authorityHost}/`,
    },
  };
}

export interface TaskRunOptions {
  /** Task inputs by their task.json names; task.json defaults fill in the rest. */
  inputs: Record<string, string>;
  /** Pipeline variables marked secret. */
  secretVariables?: Record<string, string>;
  /** Plain pipeline variables (system variables go here too, e.g. `System.OidcRequestUri`). */
  variables?: Record<string, string>;
  /** The AzureRM connection; `inputs.azureSubscription` defaults to its id. */
  endpoint?: PipelinesEndpoint;
  /** `System.AccessToken`, carried by the `SystemVssConnection` endpoint. */
  systemAccessToken?: string;
  /** Process environment of the agent machine (e.g. the emulator's `env()`). */
  env?: Record<string, string>;
  /** The Node binary of the handler; the running one by default. */
  node?: string;
  /** The task's bundle; dist/task.cjs by default (e.g. one unpacked from the .vsix). */
  bundle?: string;
  /** Called with the task's process once it runs (e.g. to cancel it the way the agent does). */
  onSpawn?: (child: ChildProcess) => void;
}

export interface VsoCommand {
  /** e.g. `task.setsecret` (lower-cased, as the agent compares). */
  name: string;
  properties: Record<string, string>;
  data: string;
  /** Index of the stdout line that carried it. */
  line: number;
}

export interface TaskVariable {
  value: string;
  secret: boolean;
  output: boolean;
}

export interface TaskRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** stdout split the way the agent splits it. */
  lines: string[];
  commands: VsoCommand[];
  /** `task.complete`'s result, e.g. `Succeeded` or `Failed`; undefined when the task sent none. */
  result?: string;
  /** Data of every `task.setsecret`, unescaped. */
  masked: string[];
  /** Every `task.setvariable`, by name (the last one wins, as in the agent). */
  variables: Record<string, TaskVariable>;
  /** The contents of every file attached with `task.uploadsummary`. */
  summaries: string[];
  /** Messages of `task.issue type=error`. */
  errors: string[];
}

/**
 * The variables a later step of the job gets from a run's `task.setvariable`s: the agent sets
 * them on the job's variables (ExecutionContext.SetVariable), a secret one reaching a later Node
 * step as `SECRET_<NAME>` only. `earlier` are the job's variables before the run.
 */
export function laterStepVariables(
  run: TaskRun,
  earlier: Pick<TaskRunOptions, "variables" | "secretVariables"> = {},
): Pick<TaskRunOptions, "variables" | "secretVariables"> {
  const variables = { ...earlier.variables };
  const secretVariables = { ...earlier.secretVariables };
  for (const [name, v] of Object.entries(run.variables)) {
    if (v.output) continue;
    delete variables[name];
    delete secretVariables[name];
    (v.secret ? secretVariables : variables)[name] = v.value;
  }
  return { variables, secretVariables };
}

/** The agent's environment-variable form of a name: upper case, `.` and space -> `_`. */
export function envName(name: string): string {
  return name.replace(/[. ]/g, "_").toUpperCase();
}

/** Runs the task once and collects what the agent would see. */
export async function runTask(options: TaskRunOptions): Promise<TaskRun> {
  const temp = mkdtempSync(path.join(os.tmpdir(), "aml-azp-agent-"));
  try {
    const env = agentEnvironment(options, temp);
    const { exitCode, stdout, stderr } = await spawnTask(
      options.node ?? process.execPath,
      options.bundle ?? taskBundle,
      env,
      temp,
      options.onSpawn,
    );
    const lines = stdout.split(/\r\n|\r|\n/);
    const commands = parseCommands(lines);
    const variables: Record<string, TaskVariable> = {};
    for (const c of commands.filter((c) => c.name === "task.setvariable")) {
      variables[c.properties.variable ?? ""] = {
        value: c.data,
        secret: c.properties.issecret?.toLowerCase() === "true",
        output: c.properties.isoutput?.toLowerCase() === "true",
      };
    }
    return {
      exitCode,
      stdout,
      stderr,
      lines,
      commands,
      result: commands.findLast((c) => c.name === "task.complete")?.properties.result,
      masked: commands.filter((c) => c.name === "task.setsecret").map((c) => c.data),
      variables,
      summaries: commands
        .filter((c) => c.name === "task.uploadsummary")
        .map((c) => readFileSync(c.data, "utf8")),
      errors: commands
        .filter((c) => c.name === "task.issue" && c.properties.type === "error")
        .map((c) => c.data),
    };
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

function agentEnvironment(options: TaskRunOptions, temp: string): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? temp,
    ...options.env,
  };
  const variables: Record<string, string> = {
    "Agent.TempDirectory": temp,
    "Agent.WorkFolder": temp,
    "Agent.Version": "4.266.2",
    "System.Culture": "en-US",
    "System.HostType": "build",
    "System.TeamFoundationCollectionUri": "https://dev.azure.com/emulator/",
    "System.TeamProject": "aml-secrets",
    ...options.variables,
  };
  for (const [name, value] of Object.entries(variables)) env[envName(name)] = value;
  env.VSTS_PUBLIC_VARIABLES = JSON.stringify(Object.keys(variables));
  const secrets = options.secretVariables ?? {};
  for (const [name, value] of Object.entries(secrets)) env[`SECRET_${envName(name)}`] = value;
  env.VSTS_SECRET_VARIABLES = JSON.stringify(Object.keys(secrets));

  const inputs: Record<string, string> = {};
  for (const input of taskInputs())
    if (input.defaultValue !== undefined) inputs[input.name] = input.defaultValue;
  if (options.endpoint) inputs.azureSubscription = options.endpoint.id;
  Object.assign(inputs, options.inputs);
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${envName(name)}`] = value;

  if (options.endpoint) addEndpoint(env, options.endpoint.id, options.endpoint);
  if (options.systemAccessToken !== undefined) {
    addEndpoint(env, "SYSTEMVSSCONNECTION", {
      id: "SystemVssConnection",
      url: variables["System.TeamFoundationCollectionUri"],
      scheme: "OAuth",
      parameters: { AccessToken: options.systemAccessToken },
    });
  }
  return env;
}

function addEndpoint(env: Record<string, string>, key: string, endpoint: PipelinesEndpoint): void {
  if (endpoint.url !== undefined) env[`ENDPOINT_URL_${key}`] = endpoint.url;
  env[`ENDPOINT_AUTH_${key}`] = JSON.stringify({
    parameters: endpoint.parameters,
    scheme: endpoint.scheme,
  });
  env[`ENDPOINT_AUTH_SCHEME_${key}`] = endpoint.scheme;
  for (const [k, v] of Object.entries(endpoint.parameters))
    env[`ENDPOINT_AUTH_PARAMETER_${key}_${envName(k)}`] = v;
  for (const [k, v] of Object.entries(endpoint.data ?? {}))
    env[`ENDPOINT_DATA_${key}_${envName(k)}`] = v;
}

function spawnTask(
  node: string,
  bundle: string,
  env: Record<string, string>,
  cwd: string,
  onSpawn?: (child: ChildProcess) => void,
): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, [bundle], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    onSpawn?.(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.on("close", (exitCode) =>
      resolve({
        exitCode,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      }),
    );
  });
}

/**
 * The agent's reading of logging commands: the first `##vso[` in a line (any case), up to the
 * first `]`; `area.event` then `key=value;` properties; properties and data unescaped with
 * `%3B` `;`, `%0D` CR, `%0A` LF, `%5D` `]`, then `%AZP25` `%`.
 */
export function parseCommands(lines: readonly string[]): VsoCommand[] {
  const commands: VsoCommand[] = [];
  lines.forEach((text, line) => {
    const start = text.toLowerCase().indexOf("##vso[");
    if (start < 0) return;
    const end = text.indexOf("]", start);
    if (end < 0) return;
    const head = text.slice(start + "##vso[".length, end).trim();
    const space = head.indexOf(" ");
    const name = (space < 0 ? head : head.slice(0, space)).toLowerCase();
    const properties: Record<string, string> = {};
    if (space >= 0) {
      for (const pair of head.slice(space + 1).split(";")) {
        const eq = pair.indexOf("=");
        if (pair.trim() && eq > 0)
          properties[pair.slice(0, eq).trim().toLowerCase()] = unescapeCommand(pair.slice(eq + 1));
      }
    }
    commands.push({ name, properties, data: unescapeCommand(text.slice(end + 1)), line });
  });
  return commands;
}

export function unescapeCommand(text: string): string {
  return text
    .replaceAll("%3B", ";")
    .replaceAll("%0D", "\r")
    .replaceAll("%0A", "\n")
    .replaceAll("%5D", "]")
    .replaceAll("%AZP25", "%");
}

/**
 * stdout as a leak check should read it. A secret variable's value travels in its
 * `task.setvariable ...;issecret=true` command, which the agent consumes (and masks when it
 * echoes it in a debug log); those lines are taken out, as the mask commands are by the canary,
 * after `assertSecretVariablesMasked` has checked that each one is secret and masked first.
 */
export function stdoutForLeakCheck(run: TaskRun): string {
  const secretLines = new Set(
    run.commands
      .filter(
        (c) => c.name === "task.setvariable" && c.properties.issecret?.toLowerCase() === "true",
      )
      .map((c) => c.line),
  );
  return run.lines.filter((_, i) => !secretLines.has(i)).join("\n");
}

/** What a line carries once the agent has read it: a command's unescaped parts, else the text. */
function lineContent(run: TaskRun, index: number): string {
  const command = run.commands.find((c) => c.line === index);
  const text = run.lines[index] ?? "";
  return command
    ? `${text}\n${Object.values(command.properties).join("\n")}\n${command.data}`
    : text;
}

/**
 * The first appearance of each value, and of each of its lines (8 characters or more, as the
 * canary searches), on stdout is its own `task.setsecret` command. Returns what is wrong.
 */
export function maskedBeforeShown(run: TaskRun, values: readonly string[]): string[] {
  const wrong: string[] = [];
  for (const value of values) {
    // A value with line breaks is registered line by line (whole only where the job allows
    // multi-line secrets), so its lines are what must come first.
    const lines = value.split(/\r\n|\r|\n/);
    const pieces = lines.length > 1 ? lines.filter((l) => l.length >= 8) : [value];
    for (const piece of pieces) {
      const first = run.lines.findIndex((_, i) => lineContent(run, i).includes(piece));
      if (first < 0) continue;
      const command = run.commands.find((c) => c.line === first);
      if (command?.name !== "task.setsecret" || command.data !== piece) {
        wrong.push(
          `a piece of ${hintOf(value)} first appears on stdout line ${first}, not in its task.setsecret`,
        );
      }
    }
  }
  return wrong;
}

function hintOf(value: string): string {
  return /cnry[0-9a-f]{4}/.exec(value)?.[0] ?? `a value of ${value.length} characters`;
}

/**
 * The leak canary over everything a task run printed and wrote (each value's first appearance
 * must be its `task.setsecret`), recorded for the final sweep under `scenario`.
 */
export function checkTaskLeaks(scenario: string, run: TaskRun, values: readonly string[]): void {
  const texts = {
    stdout: stdoutForLeakCheck(run),
    stderr: run.stderr,
    summary: run.summaries.join("\n"),
  };
  assertNoLeaks(texts, values, "azure-pipelines");
  assert.deepEqual(maskedBeforeShown(run, values), []);
  recordScenario(scenario, texts, values, "azure-pipelines");
}
