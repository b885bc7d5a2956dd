/**
 * The GitHub Actions adapter: the core's platform port over `@actions/core`.
 * Every workflow command goes through the toolkit (it escapes `%`, `\r`, `\n`, `:` and `,`);
 * nothing here writes `::add-mask::` or `GITHUB_OUTPUT` lines by hand.
 */
import * as core from "@actions/core";
import type { Connection, InputName, Platform, ProgressState } from "../../core/platform.ts";
import { periodicLines } from "../../core/report/progress.ts";
import { connectGitHub, type AuthInputName } from "./auth.ts";

/**
 * Plain log text cannot become a workflow command. The runner (ActionCommand.cs) reads a line,
 * ended by `\n` or `\r`, as a command in two forms: `::name::data` at its start after
 * `String.TrimStart()` (every Unicode blank, not only spaces and tabs), and the older
 * `##[name]data` anywhere in it. Both markers are broken by a word joiner, in every line this
 * adapter prints. A toolkit command's data (`::warning::…`) cannot hold a second command (the
 * runner takes one a line, and the toolkit escapes `\r` and `\n` in data), but it is broken
 * the same way: the annotation shows what a plain line would.
 */
export function inertLines(text: string): string {
  return text.replace(/(^|[\r\n])([\s\u0085]*)::/g, "$1$2:\u2060:").replace(/##\[/g, "##\u2060[");
}

/**
 * A secret output or exported value with no file to go to: the toolkit's fallback prints it as
 * a command on stdout, in clear wherever that is not a runner (a terminal, a CI system's log).
 */
function noFile(variable: "GITHUB_OUTPUT" | "GITHUB_ENV", what: string): Error {
  return new Error(
    `${what} was not handed on: ${variable} is not set (not a GitHub runner step?), and without it the toolkit would print the value on stdout`,
  );
}

export class GitHubPlatform implements Platform {
  readonly id = "github";
  /** The step's environment as it was at the start (values are read from this copy). */
  private readonly env: Record<string, string | undefined>;
  private clientSecretValue: string | undefined;
  /** A log line every few seconds: the runner's log has no live line to update. */
  private readonly progressLines = periodicLines((line) => this.info(line));

  constructor(private readonly processEnv: Record<string, string | undefined> = process.env) {
    this.env = { ...processEnv };
  }

  /** The workflow run, e.g. `octo/repo run 123456789`, for a rotated password's display name. */
  runName(): string | undefined {
    const run = this.env.GITHUB_RUN_ID;
    if (!run) return undefined;
    return `${this.env.GITHUB_REPOSITORY ? `${this.env.GITHUB_REPOSITORY} ` : ""}run ${run}`;
  }

  /** An input as the runner passes it (`INPUT_<NAME>`); an empty string means "not given". */
  getInput(name: InputName | AuthInputName): string | undefined {
    const value = name === "client-secret" ? this.clientSecret() : core.getInput(name);
    return value === "" ? undefined : value;
  }

  /** GitHub users write the inputs as the SPEC names them (kebab-case). */
  inputLabel(name: InputName): string {
    return name;
  }

  /** The one secret input: like a value, read once and then kept from child processes. */
  private clientSecret(): string {
    this.clientSecretValue ??= core.getInput("client-secret");
    delete this.processEnv["INPUT_CLIENT-SECRET"];
    return this.clientSecretValue;
  }

  /**
   * A value from the step's `env:`; reading it prints nothing, and takes it out of the
   * process's environment, so that no child process (the Azure CLI credential runs `az`)
   * inherits it.
   */
  getVariable(name: string): string | undefined {
    const value = this.env[name];
    delete this.processEnv[name];
    return value;
  }

  variableNames(): string[] {
    return Object.keys(this.env);
  }

  mask(value: string): void {
    // An empty mask would be ignored by the runner at best; there is nothing to hide in it.
    if (value !== "") core.setSecret(value);
  }

  /**
   * GitHub has no secret outputs: a secret output's value was masked before, which is what keeps
   * it out of the log when a later step prints it. Without GITHUB_OUTPUT a secret output fails
   * (the entry fails, naming the file); `result` and `changed`, which hold no value, still take
   * the toolkit's fallback to stdout, where a run outside a runner can read them.
   */
  setOutput(name: string, value: string, options: { secret: boolean }): void {
    if (options.secret && !process.env["GITHUB_OUTPUT"])
      throw noFile("GITHUB_OUTPUT", `output ${name}`);
    core.setOutput(name, value);
  }

  /** The checkout folder of the job, where the runner starts each step. */
  workingDirectory(): string {
    return this.env["GITHUB_WORKSPACE"] || process.cwd();
  }

  exportVariable(name: string, value: string): void {
    if (!process.env["GITHUB_ENV"]) throw noFile("GITHUB_ENV", `environment variable ${name}`);
    core.exportVariable(name, value);
  }

  debug(line: string): void {
    core.debug(inertLines(line));
  }

  info(line: string): void {
    core.info(inertLines(line));
  }

  warning(line: string): void {
    core.warning(inertLines(line));
  }

  error(line: string): void {
    core.error(inertLines(line));
  }

  progress(state: ProgressState): void {
    this.progressLines(state);
  }

  startGroup(title: string): void {
    core.startGroup(inertLines(title));
  }

  endGroup(): void {
    core.endGroup();
  }

  async writeSummary(markdown: string): Promise<void> {
    // Outside a runner (a local `act` without summaries, a manual run) there is no summary file.
    if (!this.env["GITHUB_STEP_SUMMARY"]) {
      core.debug("GITHUB_STEP_SUMMARY is not set: no job summary written");
      return;
    }
    await core.summary.addRaw(markdown, true).write();
  }

  fail(message: string): void {
    core.setFailed(inertLines(message));
  }

  connect(): Connection & { secrets?: string[] } {
    return connectGitHub({
      input: (name) => this.getInput(name),
      env: this.env,
      mask: (value) => this.mask(value),
      getIDToken: (audience) => core.getIDToken(audience),
    });
  }
}
