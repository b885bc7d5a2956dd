/**
 * An in-memory `Platform` for core tests: inputs and variables from plain objects, and every
 * call the core makes recorded in order (masks, outputs, logs, summary, failure), so a test can
 * check what was said, in what order, and that no value leaked.
 */
import type {
  Connection,
  InputName,
  Platform,
  PlatformId,
  ProgressState,
} from "../../src/core/platform.ts";

export type PlatformEvent =
  | { kind: "mask"; value: string }
  | { kind: "output"; name: string; value: string; secret: boolean }
  | { kind: "export"; name: string; value: string }
  | { kind: "log"; level: "debug" | "info" | "warning" | "error" | "group"; line: string }
  | { kind: "summary"; markdown: string }
  | { kind: "fail"; message: string }
  | { kind: "connect" };

export interface MemoryPlatformOptions {
  inputs?: Partial<Record<InputName, string>>;
  variables?: Record<string, string>;
  /** Builds the connection (called by `connect()`); throw a ValidationError to report problems. */
  connect?: () => Connection & { secrets?: string[] };
  /** Which platform it stands for (default GitHub, where a secret output is only an output). */
  id?: PlatformId;
  secretOutputsAre?: string;
}

export class MemoryPlatform implements Platform {
  readonly events: PlatformEvent[] = [];
  /** Every progress state the core sent, apart from the events (it sends many). */
  readonly progressStates: ProgressState[] = [];
  readonly inputs: Partial<Record<InputName, string>>;
  readonly variables: Record<string, string>;
  readonly id: PlatformId;
  readonly secretOutputsAre?: string;

  constructor(private readonly options: MemoryPlatformOptions = {}) {
    this.id = options.id ?? "github";
    if (options.secretOutputsAre !== undefined) this.secretOutputsAre = options.secretOutputsAre;
    this.inputs = { ...options.inputs };
    this.variables = { ...options.variables };
  }

  getInput(name: InputName): string | undefined {
    return this.inputs[name];
  }
  inputLabel(name: InputName): string {
    return name;
  }
  getVariable(name: string): string | undefined {
    return Object.hasOwn(this.variables, name) ? this.variables[name] : undefined;
  }
  variableNames(): string[] {
    return Object.keys(this.variables);
  }
  mask(value: string): void {
    this.events.push({ kind: "mask", value });
  }
  setOutput(name: string, value: string, options: { secret: boolean }): void {
    this.events.push({ kind: "output", name, value, secret: options.secret });
  }
  workingDirectory(): string {
    return process.cwd();
  }
  exportVariable(name: string, value: string): void {
    this.events.push({ kind: "export", name, value });
  }
  progress(state: ProgressState): void {
    this.progressStates.push(state);
  }
  debug(line: string): void {
    this.events.push({ kind: "log", level: "debug", line });
  }
  info(line: string): void {
    this.events.push({ kind: "log", level: "info", line });
  }
  warning(line: string): void {
    this.events.push({ kind: "log", level: "warning", line });
  }
  error(line: string): void {
    this.events.push({ kind: "log", level: "error", line });
  }
  startGroup(title: string): void {
    this.events.push({ kind: "log", level: "group", line: title });
  }
  endGroup(): void {}
  writeSummary(markdown: string): Promise<void> {
    this.events.push({ kind: "summary", markdown });
    return Promise.resolve();
  }
  fail(message: string): void {
    this.events.push({ kind: "fail", message });
  }
  connect(): Connection & { secrets?: string[] } {
    this.events.push({ kind: "connect" });
    if (!this.options.connect) throw new Error("MemoryPlatform: no connection given");
    return this.options.connect();
  }

  /** A non-secret output's value (`result`, `changed`). */
  output(name: string): string | undefined {
    const found = this.events.filter((e) => e.kind === "output" && e.name === name);
    const last = found.at(-1);
    return last?.kind === "output" ? last.value : undefined;
  }
  /** The parsed `result` output. */
  result(): {
    name: string;
    source: string;
    action: string;
    version: string | null;
    id: string | null;
    error?: string;
  }[] {
    return JSON.parse(this.output("result") ?? "null") as ReturnType<MemoryPlatform["result"]>;
  }
  masks(): string[] {
    return this.events.flatMap((e) => (e.kind === "mask" ? [e.value] : []));
  }
  lines(): string[] {
    return this.events.flatMap((e) => (e.kind === "log" ? [e.line] : []));
  }
  failures(): string[] {
    return this.events.flatMap((e) => (e.kind === "fail" ? [e.message] : []));
  }
  /**
   * The problems the input failure lists (`- …` under `N problems with the inputs; nothing was
   * sent:`), one each: every input problem is printed there, and only there.
   */
  problems(): string[] {
    return this.failures().flatMap((failure) => {
      const [head, ...problems] = failure.split("\n- ");
      return head?.endsWith(" with the inputs; nothing was sent:") ? problems : [];
    });
  }
  /** Everything the platform was given that is not a mask call or a secret output, by where it went. */
  texts(): Record<string, string> {
    const texts: Record<string, string> = {
      log: "",
      outputs: "",
      summary: "",
      fail: "",
      exports: "",
    };
    for (const e of this.events) {
      if (e.kind === "log") texts.log += `${e.line}\n`;
      else if (e.kind === "output" && !e.secret) texts.outputs += `${e.name}=${e.value}\n`;
      else if (e.kind === "summary") texts.summary += e.markdown;
      else if (e.kind === "fail") texts.fail += `${e.message}\n`;
      else if (e.kind === "export") texts.exports += `${e.name}\n`;
    }
    return texts;
  }
}
