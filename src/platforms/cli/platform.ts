/**
 * The CLI's `Platform`: inputs from flags, values from the process environment, logs on
 * stderr, secret outputs (get mode, generated values) collected for `--out` / `--stdout`.
 * "Masking" here means remembering the value so nothing this process prints can show it.
 */
import type { Connection, InputName, Platform } from "../../core/platform.ts";
import { Redactor } from "../../core/report/redact.ts";
import { cliName } from "../inputs.ts";
import { connectCli } from "./connect.ts";

export interface CliPlatformOptions {
  inputs: Partial<Record<InputName, string>>;
  auth?: string;
  cloud?: string;
  resourceManagerUrl?: string;
  verbose?: boolean;
  env?: NodeJS.ProcessEnv;
  stderr?: (text: string) => void;
  /**
   * `--secrets-file`: its lines follow the `--secrets` lines in the one mapping the core reads,
   * from `firstLine` on; messages name them by the file and its own line numbers.
   */
  secretsFile?: { name: string; firstLine: number };
}

/** How a CLI user writes an input: its flag (src/platforms/inputs.ts has the exceptions). */
export function cliFlag(name: InputName): string {
  return cliName(name) ?? `--${name}`;
}

export class CliPlatform implements Platform {
  readonly redactor = new Redactor();
  /** Non-secret outputs (`result`, `changed`). */
  readonly outputs = new Map<string, string>();
  /** Secret outputs in the order they were set: get-mode values, generated values. */
  readonly secretOutputs: { name: string; value: string }[] = [];
  failure: string | undefined;
  /** The environment as it was at the start (values are read from this copy). */
  private readonly env: NodeJS.ProcessEnv;
  private readonly stderr: (text: string) => void;

  constructor(private readonly options: CliPlatformOptions) {
    this.env = { ...(options.env ?? process.env) };
    this.stderr = options.stderr ?? ((text) => process.stderr.write(text));
  }

  getInput(name: InputName): string | undefined {
    return this.options.inputs[name];
  }
  inputLabel(name: InputName): string {
    return cliFlag(name);
  }
  /** A value from the environment, then taken out of it: `az` (`--auth azure-cli`) inherits none. */
  getVariable(name: string): string | undefined {
    const value = this.env[name];
    delete (this.options.env ?? process.env)[name];
    return value;
  }
  variableNames(): string[] {
    return Object.keys(this.env);
  }
  mask(value: string): void {
    this.redactor.add(value);
  }
  setOutput(name: string, value: string, options: { secret: boolean }): void {
    if (options.secret) this.secretOutputs.push({ name, value });
    else this.outputs.set(name, value);
  }
  /** A relative `--out` is taken from where the command runs. */
  workingDirectory(): string {
    return process.cwd();
  }
  /** `export-env` is a CI notion: a CLI cannot change its parent shell's environment. */
  exportVariable(): void {}
  debug(line: string): void {
    if (this.options.verbose) this.print(`debug: ${line}`);
  }
  info(line: string): void {
    this.print(line);
  }
  warning(line: string): void {
    this.print(`warning: ${line}`);
  }
  error(line: string): void {
    this.print(`error: ${line}`);
  }
  startGroup(title: string): void {
    this.print(`== ${title}`);
  }
  endGroup(): void {}
  /** The CLI prints its own table from `result`; the markdown summary is for CI pages. */
  writeSummary(): Promise<void> {
    return Promise.resolve();
  }
  fail(message: string): void {
    this.failure = message;
    this.print(message);
  }
  connect(): Connection & { secrets?: string[] } {
    return connectCli({
      env: this.env,
      mask: (value) => this.mask(value),
      ...(this.options.auth !== undefined ? { auth: this.options.auth } : {}),
      ...(this.options.cloud !== undefined ? { cloud: this.options.cloud } : {}),
      ...(this.options.resourceManagerUrl !== undefined
        ? { resourceManagerUrl: this.options.resourceManagerUrl }
        : {}),
    });
  }

  private print(line: string): void {
    this.stderr(`${this.redactor.redact(this.fileLines(line))}\n`);
  }

  /** `--secrets line 7` -> `secrets.txt line 2` where line 7 came from `--secrets-file`. */
  private fileLines(text: string): string {
    const file = this.options.secretsFile;
    if (file === undefined) return text;
    return text.replace(/--secrets line (\d+)\b/g, (whole, n: string) =>
      Number(n) >= file.firstLine ? `${file.name} line ${Number(n) - file.firstLine + 1}` : whole,
    );
  }
}
