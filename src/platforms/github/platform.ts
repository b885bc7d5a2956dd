/**
 * The GitHub Actions adapter: the core's platform port over `@actions/core`.
 * Every workflow command goes through the toolkit (it escapes `%`, `\r`, `\n`, `:` and `,`);
 * nothing here writes `::add-mask::` or `GITHUB_OUTPUT` lines by hand.
 */
import * as core from "@actions/core";
import type { Connection, InputName, Platform } from "../../core/platform.ts";
import { connectGitHub, type AuthInputName } from "./auth.ts";

/**
 * The runner reads `::` at the start of a line (after blanks) as a workflow command, and a line
 * ends at `\n` or `\r`. Plain log text (`core.info` writes it as it is; the other calls are
 * commands whose data the toolkit escapes) goes through here so that no message, however it was
 * built, can become a command: such a marker is broken by a word joiner.
 */
export function inertLines(text: string): string {
  return text.replace(/(^|[\r\n])([ \t]*)::/g, "$1$2:\u2060:");
}

export class GitHubPlatform implements Platform {
  /** The step's environment as it was at the start (values are read from this copy). */
  private readonly env: Record<string, string | undefined>;
  private clientSecretValue: string | undefined;

  constructor(private readonly processEnv: Record<string, string | undefined> = process.env) {
    this.env = { ...processEnv };
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

  setOutput(name: string, value: string, _options: { secret: boolean }): void {
    // GitHub has no secret outputs: a secret output's value was masked before, which is what
    // keeps it out of the log when a later step prints it.
    core.setOutput(name, value);
  }

  /** The checkout folder of the job, where the runner starts each step. */
  workingDirectory(): string {
    return this.env["GITHUB_WORKSPACE"] || process.cwd();
  }

  exportVariable(name: string, value: string): void {
    core.exportVariable(name, value);
  }

  debug(line: string): void {
    core.debug(line);
  }

  info(line: string): void {
    core.info(inertLines(line));
  }

  warning(line: string): void {
    core.warning(line);
  }

  error(line: string): void {
    core.error(line);
  }

  startGroup(title: string): void {
    core.startGroup(title);
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
    core.setFailed(message);
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
