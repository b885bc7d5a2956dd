/**
 * What the benchmarks share: an emulator with Key Vault's real quotas, the two contenders run as
 * their own processes against it (aml-secrets as the CLI bundle a user runs, the baseline as a
 * plain script), what the emulator saw of each, the floor arithmetic, and the printing.
 *
 * Each contender is a child process, so its peak RSS is its own (the emulator lives in the bench
 * process), and it pays its own start-up, token and challenge, as it would in a pipeline.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import type { Readable } from "node:stream";
import { startEmulator, type Emulator, type RequestRecord } from "../src/emulator/index.ts";
import { assertNoLeaks, recordScenario } from "../test/helpers/leaks.ts";

const root = path.resolve(import.meta.dirname, "..");
const cliBundle = path.join(root, "dist", "cli.cjs");
const baselineScript = path.join(import.meta.dirname, "baseline-loop.mjs");

/**
 * Preloaded into each contender (`node -r`): when it exits, it writes its own peak RSS in kB to
 * fd 3, where the bench reads it. CommonJS and `-r` on purpose: a `--import` preload starts
 * Node's ESM loader in a CommonJS program, which added 12 MB to the CLI's peak RSS. Written to a
 * temp file because a `.cjs` file here would be linted as TypeScript-checked code.
 */
const peakRssPreload = (() => {
  const dir = mkdtempSync(path.join(tmpdir(), "aml-bench-rss-"));
  const file = path.join(dir, "peak-rss.cjs");
  writeFileSync(
    file,
    'process.on("exit", () => require("node:fs").writeSync(3, String(process.resourceUsage().maxRSS)));\n',
  );
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  return file;
})();

/** Key Vault's published budgets per vault (what the emulator enforces), not the core's 90 %. */
export const keyVault = { writes: 300, others: 4_000, windowMs: 10_000, pageSize: 25 };

/** An emulator with Key Vault's quotas, answering 429 with Retry-After as the service does. */
export function quotaEmulator(latencyMs: number): Promise<Emulator> {
  return startEmulator({ latencyMs, faults: { quota: true, retryAfter: "always" } });
}

export interface Secret {
  vaultName: string;
  variable: string;
  value: string;
}

/** The mapping file both contenders read: `vault-name: VARIABLE` lines. */
function mappingFile(secrets: readonly Secret[]): { file: string; remove: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), "aml-bench-"));
  const file = path.join(dir, "secrets.txt");
  writeFileSync(file, secrets.map((s) => `${s.vaultName}: ${s.variable}\n`).join(""));
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface ChildRun {
  code: number | null;
  stdout: string;
  stderr: string;
  wallMs: number;
  /** When it was spawned (epoch ms, the emulator's clock), to place its requests in time. */
  startedAt: number;
  /** Peak resident set size of the child, in bytes. */
  maxRss: number;
}

/**
 * Runs `node <script> <args>` with only `env` (plus PATH) and the peak-RSS reporter preloaded.
 * Asynchronous: the emulator answering the child lives in this process.
 */
function runNode(script: string, args: string[], env: Record<string, string>): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const startedAt = Date.now();
    const child = spawn(process.execPath, ["-r", peakRssPreload, script, ...args], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
      stdio: ["ignore", "pipe", "pipe", "pipe"],
    });
    // stdout, stderr and fd 3 (the preload's peak RSS), each collected whole.
    const texts = ["", "", ""];
    [1, 2, 3].forEach((fd, i) => {
      const stream = child.stdio[fd] as Readable;
      stream.setEncoding("utf8").on("data", (c: string) => (texts[i] += c));
    });
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({
        code,
        stdout: texts[0] ?? "",
        stderr: texts[1] ?? "",
        wallMs: performance.now() - start,
        startedAt,
        maxRss: Number.parseInt(texts[2] ?? "", 10) * 1024,
      }),
    );
  });
}

/** The environment a contender gets: the emulator's CA and managed identity, and the values. */
function contenderEnv(emu: Emulator, secrets: readonly Secret[]): Record<string, string> {
  const env = emu.env();
  for (const s of secrets) env[s.variable] = s.value;
  return env;
}

export interface AmlRun extends ChildRun {
  /** The `result` rows (`--json`). */
  rows: { name: string; action: string; error?: string }[];
}

/** `aml-secrets set --secrets-file FILE --json` against the emulator, signed in as its managed identity. */
export async function runAmlSecrets(
  emu: Emulator,
  secrets: readonly Secret[],
  extraArgs: string[] = [],
): Promise<AmlRun> {
  const mapping = mappingFile(secrets);
  try {
    const args = ["set", "--vault-url", emu.vaultUrl, "--secrets-file", mapping.file, "--json"];
    const run = await runNode(cliBundle, [...args, ...extraArgs], contenderEnv(emu, secrets));
    let rows: AmlRun["rows"] = [];
    try {
      rows = JSON.parse(run.stdout) as AmlRun["rows"];
    } catch {
      throw new Error(`aml-secrets printed no result (exit ${run.code}):\n${run.stderr}`);
    }
    return { ...run, rows };
  } finally {
    mapping.remove();
  }
}

export interface BaselineRun extends ChildRun {
  set: number;
  failed: number;
}

/** The user's loop: one awaited `setSecret` per secret (baseline-loop.mjs). */
export async function runBaseline(emu: Emulator, secrets: readonly Secret[]): Promise<BaselineRun> {
  const mapping = mappingFile(secrets);
  try {
    const run = await runNode(
      baselineScript,
      [emu.vaultUrl, mapping.file],
      contenderEnv(emu, secrets),
    );
    if (run.code !== 0) throw new Error(`the baseline loop exited ${run.code}:\n${run.stderr}`);
    const counts = JSON.parse(run.stdout) as { set: number; failed: number };
    return { ...run, ...counts };
  } finally {
    mapping.remove();
  }
}

/** The leak canary over what a contender printed and what the emulator logged. */
export function checkNoLeaks(
  scenario: string,
  run: ChildRun,
  emu: Emulator,
  values: string[],
): void {
  const texts = { stdout: run.stdout, stderr: run.stderr, emulatorLog: emu.logs.join("\n") };
  assertNoLeaks(texts, values, "none");
  recordScenario(`bench ${scenario}`, texts, values, "none");
}

/** The latest value of every secret is the one it was given; throws naming the first that is not. */
export function assertStored(emu: Emulator, secrets: readonly Secret[], who: string): void {
  const wrong = secrets.filter((s) => emu.versions(s.vaultName).at(-1)?.value !== s.value);
  if (wrong.length > 0) {
    throw new Error(
      `${who}: ${wrong.length} secrets do not hold their value, e.g. ${wrong[0]?.vaultName}`,
    );
  }
}

export interface Tally {
  "secret-read": number;
  "secret-write": number;
  token: number;
  challenge: number;
  /** Any other kind (ARM, OIDC): none is expected here. */
  other: number;
  throttled: number;
  /** From the first request's arrival to the last one's answer: the wall without the start. */
  busyMs: number;
}

/** The emulator's request log, by kind, how many answers were 429, and how long it was busy. */
export function tally(requests: readonly RequestRecord[], latencyMs = 0): Tally {
  const t: Tally = {
    "secret-read": 0,
    "secret-write": 0,
    token: 0,
    challenge: 0,
    other: 0,
    throttled: 0,
    busyMs: 0,
  };
  const times = requests.map((r) => r.time);
  if (times.length > 0) t.busyMs = Math.max(...times) + latencyMs - Math.min(...times);
  for (const r of requests) {
    if (
      r.kind === "secret-read" ||
      r.kind === "secret-write" ||
      r.kind === "token" ||
      r.kind === "challenge"
    )
      t[r.kind] += 1;
    else t.other += 1;
    if (r.status === 429) t.throttled += 1;
  }
  return t;
}

/**
 * Where a run's time went, from the emulator's log (a request's time is its arrival): its first
 * request, its first write, and the answer to its last write (arrival + latency), in ms after
 * the process was spawned.
 */
export function timeline(
  run: ChildRun,
  requests: readonly RequestRecord[],
  latencyMs: number,
): string {
  const at = (t: number): string => seconds(t - run.startedAt);
  const writes = requests.filter((r) => r.kind === "secret-write").map((r) => r.time);
  const parts = [`first request ${at(requests[0]?.time ?? run.startedAt)}`];
  if (writes.length > 0) {
    parts.push(`writes ${at(Math.min(...writes))} to ${at(Math.max(...writes) + latencyMs)}`);
  }
  parts.push(`exit ${seconds(run.wallMs)}`);
  return parts.join(", ");
}

/**
 * The least time `n` requests of one kind take when `budget` of them fit in a sliding window:
 * the first `budget` go at once, each further `budget` one window later, and the last group
 * (the tail) needs ceil(tail / concurrency) round trips of `latencyMs`.
 */
export function budgetFloorMs(
  n: number,
  budget: number,
  concurrency: number,
  latencyMs: number,
): number {
  if (n === 0) return 0;
  const fullWindows = Math.ceil(n / budget) - 1;
  const tail = n - fullWindows * budget;
  return fullWindows * keyVault.windowMs + Math.ceil(tail / concurrency) * latencyMs;
}

export interface RunShape {
  writes: number;
  /** GETs and list pages: everything that is not a write. */
  others: number;
  /** Pages of the listing: each waits for the one before it (nextLink). */
  listPages: number;
}

/**
 * The least wall time Key Vault's budgets and the latency allow for the requests of a run:
 * the largest of the write budget's floor, the other budget's floor, the listing's chain of
 * pages, and every request at `concurrency` in flight. Token and challenge round trips, and the
 * reads a write has to wait for, are left out: the floor is generous to the contender.
 */
export function floorMs(
  shape: RunShape,
  budgets: { writes: number; others: number },
  concurrency: number,
  latencyMs: number,
): number {
  return Math.max(
    budgetFloorMs(shape.writes, budgets.writes, concurrency, latencyMs),
    budgetFloorMs(shape.others, budgets.others, concurrency, latencyMs),
    shape.listPages * latencyMs,
    Math.ceil((shape.writes + shape.others) / concurrency) * latencyMs,
  );
}

export interface Contender {
  label: string;
  run: ChildRun;
  tally: Tally;
  failures: number;
}

const columns = [
  "wall",
  "busy",
  "secret-read",
  "secret-write",
  "token",
  "challenge",
  "other",
  "429s",
  "failed",
  "peak RSS",
];

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

export function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

export function ratio(x: number): string {
  return `${x.toFixed(2)}×`;
}

/** One line per contender, aligned. */
export function printContenders(contenders: readonly Contender[]): void {
  const rows = contenders.map((c) => [
    c.label,
    seconds(c.run.wallMs),
    seconds(c.tally.busyMs),
    String(c.tally["secret-read"]),
    String(c.tally["secret-write"]),
    String(c.tally.token),
    String(c.tally.challenge),
    String(c.tally.other),
    String(c.tally.throttled),
    String(c.failures),
    megabytes(c.run.maxRss),
  ]);
  const table = [["", ...columns], ...rows];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => (r[i] ?? "").length)));
  for (const row of table) {
    console.log(
      `  ${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ")}`,
    );
  }
}

/** `target <what>: <figure> -> met` (or `MISSED`): a miss is reported, not thrown. */
export function printTarget(what: string, figure: string, met: boolean): void {
  console.log(`  target ${what}: ${figure} -> ${met ? "met" : "MISSED"}`);
}
