/**
 * What the benchmarks share: an emulator with Key Vault's quotas, the contenders run as their
 * own processes against it (the product as the CLI bundle a user runs, with its defaults; the
 * two baseline loops bundled with the product's esbuild options), what the emulator saw of
 * each, the honesty checks, and the results file that `bench/run.mjs` turns into one table.
 *
 * Nothing here reads the product's settings (`src/core/`): the product is run through its
 * bundle with its defaults, and the floors come from bench/floors.ts (the service's budgets).
 */
import { spawn } from "node:child_process";
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import type { Readable } from "node:stream";
import { build, type BuildOptions } from "esbuild";
import { startEmulator, type Emulator, type RequestRecord } from "../src/emulator/index.ts";
import { assertNoLeaks, recordScenario } from "../test/helpers/leaks.ts";

const root = path.resolve(import.meta.dirname, "..");
export const cliBundle = path.join(root, "dist", "cli.cjs");

/** `BENCH_ROUNDS` (run.mjs sets it: 3 by default, 1 with --check). */
export const rounds = Math.max(1, Number.parseInt(process.env.BENCH_ROUNDS ?? "3", 10) || 3);
/** `--check`: small sizes, every state checked, no figure judged. */
export const checkOnly = process.env.BENCH_CHECK === "1";

/** A folder removed when the bench process exits. */
function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const work = tempDir("aml-bench-");

/**
 * Preloaded into each contender (`node -r`): when it exits, it writes its own peak RSS in kB to
 * fd 3, where the bench reads it. CommonJS and `-r` on purpose: a `--import` preload starts
 * Node's ESM loader in a CommonJS program, which added 12 MB to the CLI's peak RSS.
 */
const peakRssPreload = path.join(work, "peak-rss.cjs");
writeFileSync(
  peakRssPreload,
  'process.on("exit", () => require("node:fs").writeSync(3, String(process.resourceUsage().maxRSS)));\n',
);

/**
 * The product's esbuild options (scripts/bundle-options.mjs, plain JavaScript: typed here by
 * hand), so that the loops load the SDK as the product's bundle does: one CommonJS file,
 * compiled once, no module resolution at start, the same code evaluated on first use.
 */
const bundleOptionsModule = "../scripts/bundle-options.mjs";
const { bundleOptions } = (await import(bundleOptionsModule)) as {
  bundleOptions: () => BuildOptions;
};
export const productBuildOptions: BuildOptions = bundleOptions();

let baselines: Promise<{ careful: string; blind: string }> | undefined;

/** The two baseline loops, bundled once per bench process into the temp folder. */
export function baselineBundles(): Promise<{ careful: string; blind: string }> {
  baselines ??= (async () => {
    const outdir = path.join(work, "baselines");
    await build({
      ...productBuildOptions,
      entryPoints: {
        careful: path.join(import.meta.dirname, "baselines", "careful-loop.ts"),
        blind: path.join(import.meta.dirname, "baselines", "blind-loop.ts"),
      },
      outdir,
      outExtension: { ".js": ".cjs" },
    });
    return { careful: path.join(outdir, "careful.cjs"), blind: path.join(outdir, "blind.cjs") };
  })();
  return baselines;
}

/** An emulator with Key Vault's quotas, answering 429 with Retry-After as the service does. */
export function quotaEmulator(latencyMs: number): Promise<Emulator> {
  return startEmulator({ latencyMs, faults: { quota: true, retryAfter: "always" } });
}

export interface Secret {
  vaultName: string;
  variable: string;
  value: string;
}

/** The mapping file every contender reads: `vault-name: VARIABLE` lines. */
function mappingFile(secrets: readonly Secret[]): string {
  const file = path.join(mkdtempSync(path.join(work, "map-")), "secrets.txt");
  writeFileSync(file, secrets.map((s) => `${s.vaultName}: ${s.variable}\n`).join(""));
  return file;
}

export interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  wallMs: number;
  /** When it was spawned (epoch ms, the emulator's clock), to place its requests in time. */
  startedAt: number;
  /** Peak resident set size of the child, in bytes (NaN when it could not report it). */
  maxRss: number;
  /** Whether the bench stopped it (SIGTERM) at its time bound. */
  timedOut: boolean;
}

/**
 * Runs `node <script> <args>` with only `env` (plus PATH) and the peak-RSS reporter preloaded.
 * Asynchronous: the emulator answering the child lives in this process. With `boundMs`, the
 * child gets SIGTERM at that time (the product reports what it did and exits, the preload
 * still reports its peak RSS).
 */
export function runNode(
  script: string,
  args: string[],
  env: Record<string, string>,
  boundMs?: number,
): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const startedAt = Date.now();
    const child = spawn(process.execPath, ["-r", peakRssPreload, script, ...args], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
      stdio: ["ignore", "pipe", "pipe", "pipe"],
    });
    let timedOut = false;
    const timer =
      boundMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill("SIGTERM");
          }, boundMs);
    // stdout, stderr and fd 3 (the preload's peak RSS), each collected whole.
    const texts = ["", "", ""];
    [1, 2, 3].forEach((fd, i) => {
      const stream = child.stdio[fd] as Readable;
      stream.setEncoding("utf8").on("data", (c: string) => (texts[i] += c));
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout: texts[0] ?? "",
        stderr: texts[1] ?? "",
        wallMs: performance.now() - start,
        startedAt,
        maxRss: Number.parseInt(texts[2] ?? "", 10) * 1024,
        timedOut,
      });
    });
  });
}

/** The environment a contender gets: the emulator's CA and managed identity, and the values. */
function contenderEnv(emu: Emulator, secrets: readonly Secret[]): Record<string, string> {
  const env = emu.env();
  for (const s of secrets) env[s.variable] = s.value;
  return env;
}

export interface ResultRow {
  name: string;
  action: string;
  error?: string;
}

export interface ProductRun extends ChildRun {
  /** The `result` rows (`--json`); [] when it printed none. */
  rows: ResultRow[];
}

/**
 * `node dist/cli.cjs <command> --vault-url … <args> --json` against the emulator, signed in
 * as its managed identity, with the values of `secrets` in its environment (and, for `set`,
 * their mapping in `--secrets-file`): as a user runs it, with every default.
 */
export async function runProduct(
  emu: Emulator,
  command: "set" | "get" | "list",
  secrets: readonly Secret[],
  args: string[] = [],
  boundMs?: number,
): Promise<ProductRun> {
  const mapping = command === "set" ? ["--secrets-file", mappingFile(secrets)] : [];
  const run = await runNode(
    cliBundle,
    [command, "--vault-url", emu.vaultUrl, ...mapping, ...args, "--json"],
    contenderEnv(emu, command === "set" ? secrets : []),
    boundMs,
  );
  let rows: ResultRow[] = [];
  try {
    rows = JSON.parse(run.stdout) as ResultRow[];
  } catch {
    if (!run.timedOut)
      throw new Error(
        `aml-secrets ${command} printed no result (exit ${run.code}):\n${run.stderr.slice(0, 2000)}`,
      );
  }
  return { ...run, rows };
}

export interface LoopRun extends ChildRun {
  set: number;
  unchanged: number;
  recovered: number;
  failed: number;
}

/** One of the baseline loops (bench/baselines/), bundled, as its own process. */
export async function runLoop(
  which: "careful" | "blind",
  emu: Emulator,
  secrets: readonly Secret[],
): Promise<LoopRun> {
  const script = (await baselineBundles())[which];
  const run = await runNode(
    script,
    [emu.vaultUrl, mappingFile(secrets)],
    contenderEnv(emu, secrets),
  );
  if (run.code !== 0) throw new Error(`the ${which} loop exited ${run.code}:\n${run.stderr}`);
  const counts = JSON.parse(run.stdout) as Omit<LoopRun, keyof ChildRun>;
  return { ...run, ...counts };
}

/**
 * The leak canary over what a contender printed and what the emulator logged. At scale, a
 * sample of the values (every value in 7 forms against megabytes of text is minutes of
 * `includes`); each value carries its own random canary, so a leak of the mechanism shows in any.
 */
export function checkNoLeaks(
  scenario: string,
  run: ChildRun,
  emu: Emulator,
  values: readonly string[],
): void {
  const step = Math.max(1, Math.ceil(values.length / 2_000));
  const sample = values.filter((_, i) => i % step === 0);
  const texts = { stdout: run.stdout, stderr: run.stderr, emulatorLog: emu.logs.join("\n") };
  assertNoLeaks(texts, sample, "none");
  recordScenario(`bench ${scenario}`, texts, sample, "none");
}

export interface Tally {
  reads: number;
  writes: number;
  throttled: number;
  /** From the first request's arrival to the last one's answer: the wall without the start. */
  busyMs: number;
}

/** The emulator's request log: vault reads and writes, 429s, and how long it was busy. */
export function tally(requests: readonly RequestRecord[], latencyMs = 0): Tally {
  const t: Tally = { reads: 0, writes: 0, throttled: 0, busyMs: 0 };
  let first = Infinity;
  let last = -Infinity;
  for (const r of requests) {
    first = Math.min(first, r.time);
    last = Math.max(last, r.time);
    if (r.kind === "secret-read") t.reads += 1;
    if (r.kind === "secret-write") t.writes += 1;
    if (r.status === 429) t.throttled += 1;
  }
  if (requests.length > 0) t.busyMs = last + latencyMs - first;
  return t;
}

/**
 * The pacing a contender showed, from the emulator's log: the most vault requests that arrived
 * within one round trip of each other (≈ requests in flight), and the time from its first write
 * to its 301st (the window its write pacing keeps; the service's is 10 s).
 */
export function pacing(requests: readonly RequestRecord[], latencyMs: number): string {
  const vault = requests
    .filter((r) => r.kind === "secret-read" || r.kind === "secret-write")
    .map((r) => r.time)
    .sort((a, b) => a - b);
  let inFlight = 0;
  for (let i = 0, j = 0; i < vault.length; i += 1) {
    while ((vault[j] ?? 0) <= (vault[i] ?? 0) - Math.max(1, latencyMs)) j += 1;
    inFlight = Math.max(inFlight, i - j + 1);
  }
  const writes = requests.filter((r) => r.kind === "secret-write" && r.status !== 429);
  const parts = [`≤${inFlight} in flight`];
  const w1 = writes[0]?.time;
  const w301 = writes[300]?.time;
  if (w1 !== undefined && w301 !== undefined)
    parts.push(`301st write ${seconds(w301 - w1)} after the 1st`);
  return parts.join(", ");
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

export function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(0)} MB`;
}

export function median(xs: readonly number[]): number {
  const sorted = [...xs].filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** One scenario's figures, every round's (run.mjs prints the medians). Times in ms. */
export interface Figures {
  scenario: string;
  /** "s" for runs against the vault, "ms" for start-up. */
  unit: "s" | "ms";
  product: number[];
  careful?: number[];
  blind?: number[];
  floorMs?: number;
  /** What the floor is, in a few words (e.g. "writes: 600 at 300 / 10 s"). */
  floorWhat?: string;
  /** The product's peak RSS per round, in bytes. */
  rss?: number[];
  /** Anything the table's reader needs: pacing seen, 429s, what was not run and why. */
  notes?: string[];
}

/** Appends one scenario's figures to the results file run.mjs reads (BENCH_RESULTS). */
export function record(figures: Figures): void {
  const file = process.env.BENCH_RESULTS;
  if (file) appendFileSync(file, `${JSON.stringify(figures)}\n`);
  const m = (xs?: number[]): string =>
    xs === undefined || xs.length === 0
      ? "—"
      : figures.unit === "s"
        ? seconds(median(xs))
        : `${median(xs).toFixed(0)} ms`;
  console.log(
    `  ${figures.scenario}: product ${m(figures.product)} [${figures.product.map((x) => (x / 1000).toFixed(2)).join(", ")}], careful ${m(figures.careful)}, blind ${m(figures.blind)}, floor ${figures.floorMs === undefined ? "—" : seconds(figures.floorMs)}${figures.rss ? `, peak RSS ${megabytes(median(figures.rss))}` : ""}`,
  );
  for (const note of figures.notes ?? []) console.log(`    ${note}`);
}
