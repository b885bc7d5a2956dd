import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { tl } from "./task-lib.ts";
import { ValidationError } from "../../core/errors.ts";
import type { InputName, Platform, ProgressState } from "../../core/platform.ts";
import { plural } from "../../core/report/plural.ts";
import { periodicLines, progressLine } from "../../core/report/progress.ts";
import { readAgentNetwork, type AgentNetwork } from "./agent-network.ts";
import { serviceConnectionInput, taskInputName } from "./inputs.ts";
import { plainLine, plainLines } from "./log-lines.ts";
import { quietly, readServiceEndpoint } from "./quiet-reads.ts";
import {
  connectServiceEndpoint,
  endpointSecrets,
  type ServiceConnection,
} from "./service-connection.ts";

/** The summary's file name: the agent titles the summary section after it. */
const summaryFileName = "AML secrets.md";

/**
 * The library refuses a secret with a line break unless the job sets
 * `System.UnsafeAllowMultilineSecret` (the same test as the library's own).
 */
function multilineSecretsAllowed(): boolean {
  return `${process.env.SYSTEM_UNSAFEALLOWMULTILINESECRET}`.toUpperCase() === "TRUE";
}

const lineBreak = /\r\n|\r|\n/;

/** The core's outputs whose task.json name is spelled otherwise (camelCase). */
const outputNames: Record<string, string> = { "out-file": "outFile", "vault-url": "vaultUrl" };

/** The core's port over `azure-pipelines-task-lib`. */
export class PipelinesPlatform implements Platform {
  readonly id = "azure-pipelines";
  readonly secretOutputsAre = "a secret variable of the job";
  /** Every piece already registered with the agent's masker. */
  private readonly masked = new Set<string>();
  /** Secret variables Azure Pipelines would refuse: they fail the task at the end. */
  private readonly refusals: string[] = [];
  /** The agent's proxy and certificates; their passwords are masked first of all. */
  private readonly network: AgentNetwork;
  private readonly progressLines = periodicLines((line) => this.info(line));
  private percentShown: number | undefined;

  constructor() {
    this.network = readAgentNetwork();
    for (const secret of this.network.secrets) this.mask(secret);
  }

  getInput(name: InputName): string | undefined {
    const taskName = taskInputName(name);
    if (!taskName) return undefined;
    return quietly(() => tl.getInput(taskName)) || undefined;
  }

  /** The task's own input name (`vaultUrl`), as the task assistant and YAML show it. */
  inputLabel(name: InputName): string {
    return taskInputName(name) ?? name;
  }

  /** Secret variables come from the library's vault, plain ones from the environment; nothing is echoed. */
  getVariable(name: string): string | undefined {
    // The library throws on an empty name; no variable has one.
    if (!name.trim()) return undefined;
    return quietly(() => tl.getVariable(name));
  }

  /** The build or release, e.g. `pipeline build 4711`, for a rotated password's display name. */
  runName(): string | undefined {
    const build = quietly(() => tl.getVariable("Build.BuildId"));
    if (!build) return undefined;
    const pipeline = quietly(() => tl.getVariable("Build.DefinitionName"));
    return `${pipeline ? `${pipeline} ` : ""}build ${build}`;
  }

  variableNames(): string[] {
    return quietly(() => tl.getVariables()).map((v) => v.name);
  }

  /**
   * Registers a value with the agent's masker through `tl.setSecret`. The agent matches a secret
   * within one line of output, so a value with a line break is only registered whole where the
   * library allows it; otherwise its lines go in one by one (the core also hands each line over).
   */
  mask(value: string): void {
    const pieces =
      lineBreak.test(value) && !multilineSecretsAllowed() ? value.split(lineBreak) : [value];
    for (const piece of pieces) {
      // A blank line is no secret, and registering one would blank out every such run of the
      // log; a piece registered already (the core hands lines over too) is not sent twice.
      if (!piece.trim() || this.masked.has(piece)) continue;
      this.masked.add(piece);
      tl.setSecret(piece);
    }
  }

  /**
   * Values become job secret variables (`$(NAME)` in later steps, like `AzureKeyVault@2`), and
   * with `laterJobs` secret output variables as well (`$(step.NAME)`, and in later jobs
   * `dependencies.<job>.outputs['<step>.NAME']`: the agent sets an output variable only under
   * its step's name, so both are set). `result`, `changed` and `outFile` are output variables.
   */
  setOutput(name: string, value: string, options: { secret: boolean; laterJobs?: boolean }): void {
    if (options.secret) this.setSecretVariable(name, value, options.laterJobs === true);
    else tl.setVariable(outputNames[name] ?? name, value, false, true);
  }

  /** The folder of the sources (`System.DefaultWorkingDirectory`), where script steps start. */
  workingDirectory(): string {
    return quietly(() => tl.getVariable("System.DefaultWorkingDirectory")) || process.cwd();
  }

  /** There are no environment variables for later steps in Azure Pipelines: the same as a secret variable. */
  exportVariable(name: string, value: string): void {
    this.setSecretVariable(name, value, false);
  }

  /**
   * A multi-line secret variable is refused by the library (and the agent) unless the job allows
   * it. The value is not re-encoded to get around that: the variable is left unset, the problem
   * is logged now, and the task fails at the end (the batch goes on, as for any failed secret).
   */
  private setSecretVariable(name: string, value: string, laterJobs: boolean): void {
    if (lineBreak.test(value) && !multilineSecretsAllowed()) {
      const refusal = `variable ${name} was not set: its value has more than one line, and Azure Pipelines refuses a multi-line secret variable unless the pipeline sets the variable System.UnsafeAllowMultilineSecret to true`;
      this.refusals.push(refusal);
      tl.error(refusal);
      return;
    }
    tl.setVariable(name, value, true, false);
    if (laterJobs) tl.setVariable(name, value, true, true);
  }

  debug(line: string): void {
    tl.debug(line);
  }

  info(line: string): void {
    for (const plain of plainLines(line)) console.log(plain);
  }

  warning(line: string): void {
    tl.warning(line);
  }

  error(line: string): void {
    tl.error(line);
  }

  /**
   * The agent's progress command (`task.setprogress`: the step's percentage and current
   * operation in the run's timeline) each time the percentage moves, and a log line every few
   * seconds for whoever reads the log.
   */
  progress(state: ProgressState): void {
    this.progressLines(state);
    if (state.total === undefined || state.total === 0) return;
    const percent = Math.floor((state.done * 100) / state.total);
    if (percent === this.percentShown) return;
    this.percentShown = percent;
    tl.setProgress(percent, plainLine(progressLine(state)));
  }

  startGroup(title: string): void {
    console.log(`##[group]${plainLine(title)}`);
  }

  endGroup(): void {
    console.log("##[endgroup]");
  }

  /** Writes the summary under the agent's temp folder and attaches it (`task.uploadsummary`). */
  writeSummary(markdown: string): Promise<void> {
    const temp = quietly(() => tl.getVariable("Agent.TempDirectory")) || os.tmpdir();
    const file = path.join(mkdtempSync(path.join(temp, "aml-secrets-")), summaryFileName);
    writeFileSync(file, markdown, { encoding: "utf8", mode: 0o600 });
    tl.uploadSummary(file);
    return Promise.resolve();
  }

  fail(message: string): void {
    tl.setResult(tl.TaskResult.Failed, [message, ...this.refusals].join("\n"));
    process.exitCode = 1;
  }

  /** The end of the one of the task's two runs that has nothing to do (stage.ts). */
  skip(message: string): void {
    tl.setResult(tl.TaskResult.Skipped, message);
  }

  /** The end of a run the core found good: succeeded, unless a variable was refused on the way. */
  succeed(): void {
    if (this.refusals.length > 0)
      this.fail(`aml-secrets: ${plural(this.refusals.length, "variable")} could not be set`);
    else tl.setResult(tl.TaskResult.Succeeded, "");
  }

  /** The `azureSubscription` service connection: its secrets are masked before anything is built from it. */
  connect(): ServiceConnection {
    const id = this.readConnectionId();
    const endpoint = readServiceEndpoint(id);
    for (const secret of endpointSecrets(endpoint)) this.mask(secret);
    return connectServiceEndpoint(endpoint, this.network);
  }

  private readConnectionId(): string {
    const id = quietly(() => tl.getInput(serviceConnectionInput));
    if (!id) {
      throw new ValidationError([
        `input ${serviceConnectionInput} is required: name an Azure Resource Manager service connection`,
      ]);
    }
    return id;
  }
}
