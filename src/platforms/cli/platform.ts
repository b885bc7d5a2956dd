/**
 * The CLI's `Platform`: inputs from flags, values from the process environment, logs on
 * stderr, secret outputs (get mode, generated values) collected for `--out` / `--stdout`.
 * "Masking" here means remembering the value so nothing this process prints can show it.
 */
import type { Connection, InputName, Platform, ProgressState } from "../../core/platform.ts";
import { periodicLines, progressLine } from "../../core/report/progress.ts";
import { KnownValues } from "../../core/report/reporter.ts";
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
   * stderr is a terminal: progress is one status line rewritten in place, and the rows are
   * shown once, in the table at the end (no line per secret).
   */
  live?: boolean;
  /** The terminal's width, for the status line. */
  columns?: () => number | undefined;
  /**
   * `--secrets-file`: its lines follow the `--secrets` lines in the one mapping the core reads,
   * from `firstLine` on; messages name them by the file and its own line numbers.
   */
  secretsFile?: { name: string; firstLine: number };
}

/** At most this often the status line is redrawn: a terminal does not need 2,000 redraws. */
const redrawMs = 100;

/** How a CLI user writes an input: its flag (src/platforms/inputs.ts has the exceptions). */
export function cliFlag(name: InputName): string {
  return cliName(name) ?? `--${name}`;
}

export class CliPlatform implements Platform {
  readonly id = "cli";
  readonly secretOutputsAre = "a line of --out or --stdout";
  /**
   * What this process prints is redacted with it. The core is handed the same one (cli.ts): a
   * value the core remembers is masked here and learned by the core's redactor, which is this
   * one, so it is learned once (Redactor.add skips a value it was handed before).
   */
  readonly redactor = new KnownValues();
  /** Non-secret outputs (`result`, `changed`). */
  readonly outputs = new Map<string, string>();
  /** Secret outputs in the order they were set: get-mode values, generated values. */
  readonly secretOutputs: { name: string; value: string }[] = [];
  failure: string | undefined;
  /** The environment as it was at the start (values are read from this copy). */
  private readonly env: NodeJS.ProcessEnv;
  private readonly stderr: (text: string) => void;
  readonly tableAtEnd: boolean;
  /** The live status line shown now, if any (taken down before any other line). */
  private status = "";
  private lastDrawn = -Infinity;
  private readonly progressLines = periodicLines((line) => this.print(line));

  constructor(private readonly options: CliPlatformOptions) {
    this.env = { ...(options.env ?? process.env) };
    this.stderr = options.stderr ?? ((text) => process.stderr.write(text));
    this.tableAtEnd = options.live === true;
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
  progress(state: ProgressState): void {
    if (!this.options.live) {
      this.progressLines(state);
      return;
    }
    if (state.final) {
      this.clearStatus();
      return;
    }
    if (state.elapsedMs - this.lastDrawn < redrawMs) return;
    this.lastDrawn = state.elapsedMs;
    // A terminal that reports no size (0: a pseudo-terminal nobody sized) gets the usual 80.
    const width = (this.options.columns?.() || 80) - 1;
    // Carriage return and erase-line: the line is rewritten in place, never scrolled.
    this.status = progressLine(state).slice(0, Math.max(10, width));
    this.stderr(`\r\u001b[2K${this.status}`);
  }

  private clearStatus(): void {
    if (this.status === "") return;
    this.status = "";
    this.stderr("\r\u001b[2K");
  }

  startGroup(title: string): void {
    this.print(`== ${title}`);
  }
  endGroup(): void {}
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

  /** A line of its own: the status line is taken down first and drawn again after it. */
  private print(line: string): void {
    const status = this.status;
    this.clearStatus();
    this.stderr(`${this.redactor.redact(this.fileLines(line))}\n`);
    if (status !== "") {
      this.status = status;
      this.stderr(status);
    }
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
