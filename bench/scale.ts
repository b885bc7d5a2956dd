/**
 * scale: the product's time and peak RSS at 1,000, 10,000 and 50,000 secrets, for the three
 * commands that touch every secret: `set` re-run (every secret already holds its value: the
 * run a pipeline does most days; it reads every value to compare and writes nothing),
 * `get '*'` (every value into a file) and `list`. No latency: the reads are bound by Key
 * Vault's 4,000 per 10 s anyway. Peak RSS is the CLI process's own (the emulator is this one).
 *
 * 50,000 needs at least 2 minutes per read-everything command at Key Vault's budget; it runs
 * once, each run bounded (BENCH_SCALE_BOUND_S, 240 s by default): a run stopped at the bound
 * is reported with its peak RSS so far. The careful loop runs the 1,000 and 10,000 re-runs (the
 * blind loop would rewrite every secret: its floor is given instead). `--check`: 100 secrets.
 */
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Emulator } from "../src/emulator/index.ts";
import { secretValue } from "../test/helpers/leaks.ts";
import {
  budgetFloorMs,
  floor,
  getAllShape,
  keyVaultService,
  listShape,
  setShape,
} from "./floors.ts";
import {
  checkNoLeaks,
  checkOnly,
  pacing,
  quotaEmulator,
  record,
  rounds,
  runLoop,
  runProduct,
  seconds,
  tally,
  type ChildRun,
  type ProductRun,
  type Secret,
} from "./helpers.ts";

const sizes = checkOnly
  ? [100]
  : (process.env.BENCH_SCALE_SIZES ?? "1000,10000,50000").split(",").map(Number);
const boundMs = Number(process.env.BENCH_SCALE_BOUND_S ?? "240") * 1000;

function vaultOf(n: number): Secret[] {
  return Array.from({ length: n }, (_, i) => {
    const id = String(i).padStart(5, "0");
    return { vaultName: `sc-${id}`, variable: `SC_${id}`, value: secretValue(`sc${id}`) };
  });
}

async function fresh<T>(secrets: readonly Secret[], go: (emu: Emulator) => Promise<T>): Promise<T> {
  const emu = await quotaEmulator(0);
  try {
    for (const s of secrets) emu.seed(s.vaultName, s.value);
    return await go(emu);
  } finally {
    await emu.stop();
  }
}

type Command = "set" | "get" | "list";
const expectedAction: Record<Command, string> = { set: "unchanged", get: "read", list: "listed" };

/** One product run; its rows and the vault checked (every secret once, nothing written). */
async function productRun(
  command: Command,
  secrets: readonly Secret[],
  notes: string[],
): Promise<ProductRun> {
  return fresh(secrets, async (emu) => {
    const out = path.join(tmpdir(), `aml-bench-get-${process.pid}-${Date.now()}.env`);
    try {
      // `*` hands names on to a file only under a prefix the user wrote.
      const args =
        command === "get" ? ["--secrets", "*", "--output-prefix", "KV_", "--out", out] : [];
      const run = await runProduct(
        emu,
        command,
        secrets,
        args,
        secrets.length > 10_000 ? boundMs : undefined,
      );
      const t = tally(emu.requests);
      if (run.timedOut) {
        notes.push(
          `${command} ×${secrets.length}: stopped at the ${seconds(boundMs)} bound after ${t.reads} reads; peak RSS so far`,
        );
        return run;
      }
      const wrong = run.rows.filter((r) => r.action !== expectedAction[command]);
      if (run.code !== 0 || run.rows.length !== secrets.length || wrong.length > 0)
        throw new Error(
          `aml-secrets ${command} ×${secrets.length}: exit ${run.code}, ${run.rows.length} rows, e.g. ${JSON.stringify(wrong[0])}\n${run.stderr.slice(0, 1000)}`,
        );
      if (t.writes > 0) throw new Error(`aml-secrets ${command} wrote ${t.writes} times`);
      if (command === "get") {
        const file = readFileSync(out, "utf8");
        const missing = secrets.filter((s) => !file.includes(s.value));
        if (missing.length > 0) throw new Error(`get '*': ${missing.length} values not in --out`);
      }
      checkNoLeaks(
        `scale ${command} ${secrets.length}`,
        run,
        emu,
        secrets.map((s) => s.value),
      );
      notes.push(
        `${command} ×${secrets.length}: ${t.reads} reads, ${t.throttled} 429s, ${pacing(emu.requests, 0)}`,
      );
      return run;
    } finally {
      rmSync(out, { force: true });
    }
  });
}

/**
 * Set reads its values from the environment, and Linux bounds a new process's arguments and
 * environment together (ARG_MAX, 2 MiB by default; spawn fails with E2BIG beyond): 50,000
 * variables do not fit, in this bench or in any pipeline's step. Such a set run is not made.
 */
const environmentLimit = 1_500_000;
const environmentBytes = (secrets: readonly Secret[]): number =>
  secrets.reduce((sum, s) => sum + s.variable.length + s.value.length + 2, 0);

for (const n of sizes) {
  const secrets = vaultOf(n);
  const label = n >= 1000 ? `${n / 1000}k` : String(n);
  const times = n > 10_000 ? 1 : rounds;
  for (const command of ["set", "get", "list"] as const) {
    if (command === "set" && environmentBytes(secrets) > environmentLimit) {
      console.log(
        `  set re-run ${label}: not run: ${n} variables are ${environmentBytes(secrets)} bytes of environment, beyond what one process can be given (ARG_MAX)`,
      );
      continue;
    }
    const product: ChildRun[] = [];
    const careful: ChildRun[] = [];
    const notes: string[] = [];
    for (let round = 0; round < times; round += 1) {
      product.push(await productRun(command, secrets, notes));
      if (command === "set" && n <= 10_000)
        careful.push(
          await fresh(secrets, async (emu) => {
            const run = await runLoop("careful", emu, secrets);
            if (run.failed !== 0 || run.unchanged !== n)
              throw new Error(`the careful loop: ${run.stdout}`);
            if (tally(emu.requests).writes > 0) throw new Error("the careful loop wrote");
            return run;
          }),
        );
    }
    const shape =
      command === "set"
        ? setShape({ unchanged: n, changed: 0, created: 0, disabled: 0, deleted: 0 })
        : command === "get"
          ? getAllShape(n)
          : listShape(n);
    const f = floor(shape, 0);
    if (command === "set")
      notes.push(
        `blind loop not run: ${n} writes need at least ${seconds(budgetFloorMs(n, keyVaultService.writes, 0))}`,
      );
    const done = product.filter((r) => !r.timedOut);
    record({
      scenario: `${command === "get" ? "get '*'" : command === "set" ? "set re-run" : "list"} ${label}`,
      unit: "s",
      product: done.map((r) => r.wallMs),
      ...(careful.length > 0 ? { careful: careful.map((r) => r.wallMs) } : {}),
      floorMs: f.ms,
      floorWhat: `${shape.others} reads at 4,000 / 10 s, no latency (${f.binding} bind)`,
      rss: product.map((r) => r.maxRss),
      notes,
    });
  }
}
