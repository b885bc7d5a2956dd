/**
 * How far a run is, for the platform's progress port: the modes call `finished` per entry as it
 * finishes (their rows still come back together at the end), a heartbeat sends the state each
 * second while nothing finishes (a vault that paces writes, a slow listing), and `stop` sends the
 * last one. What the platform shows, and how often, is the adapter's choice.
 */
import type { Platform, ProgressState } from "../platform.ts";
import type { ResultRow } from "./result.ts";

const heartbeatMs = 1_000;

export class Progress {
  private done = 0;
  private failed = 0;
  private total: number | undefined;
  private readonly started: number;
  private heartbeat: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly platform: Platform,
    private readonly mode: string,
    /** What holds requests back, from the request gate (vault/gate.ts). */
    private readonly pacing: () => string | undefined = () => undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
  }

  /** Starts the heartbeat. */
  start(): void {
    this.heartbeat ??= setInterval(() => this.send(false), heartbeatMs);
    this.heartbeat.unref();
  }

  /** `count` more entries are known (set: its mapping; get: what `*` found). */
  expect(count: number): void {
    this.total = (this.total ?? 0) + count;
  }

  /** One entry is done, whatever its outcome. */
  finished(row: Pick<ResultRow, "action">): void {
    this.done += 1;
    if (row.action === "failed") this.failed += 1;
    this.send(false);
  }

  stop(): void {
    clearInterval(this.heartbeat);
    this.send(true);
  }

  private send(final: boolean): void {
    const state: ProgressState = {
      mode: this.mode,
      done: this.done,
      failed: this.failed,
      elapsedMs: this.now() - this.started,
      final,
    };
    if (this.total !== undefined) state.total = Math.max(this.total, this.done);
    const pacing = final ? undefined : this.pacing();
    if (pacing !== undefined) state.pacing = pacing;
    this.platform.progress(state);
  }
}

/** `set: 152 of 2000 done, 1 failed, 12 s (1848 writes wait for the vault's budget ...)` */
export function progressLine(state: ProgressState): string {
  const of = state.total === undefined ? "" : ` of ${state.total}`;
  const failed = state.failed > 0 ? `, ${state.failed} failed` : "";
  const pacing = state.pacing ? ` (${state.pacing})` : "";
  return `${state.mode}: ${state.done}${of} done${failed}, ${Math.round(state.elapsedMs / 1000)} s${pacing}`;
}

/**
 * A line every `intervalMs` (GitHub, Azure Pipelines' log, a CLI without a terminal): none for
 * a run shorter than that, none at the end (the report follows).
 */
export function periodicLines(
  print: (line: string) => void,
  intervalMs = 2_000,
): (state: ProgressState) => void {
  let next = intervalMs;
  return (state) => {
    if (state.final || state.elapsedMs < next) return;
    next = state.elapsedMs + intervalMs;
    print(progressLine(state));
  };
}
