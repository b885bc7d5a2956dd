// `npm run bench` (every benchmark, 3 rounds each), `npm run bench -- mixed-2000 scale` (those
// named), `npm run bench -- --check` (small sizes, 1 round: every scenario must still complete
// with the right vault state and no leak, the floors must be the service's; no time is judged).
// Like test/run.mjs: one CA for every emulator, trusted from start-up through
// NODE_EXTRA_CA_CERTS; then each benchmark in its own process, one after the other, so that
// none measures another's leftovers; then one table of all. The benches run dist/ (`npm run build`).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const caDir = path.join(root, ".cache", "test-ca");
const all = ["mixed-2000", "new-250", "scale", "cold-start"];

const args = process.argv.slice(2);
const check = args.includes("--check");
const named = args.filter((a) => a !== "--check");
const unknown = named.filter((name) => !all.includes(name));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(", ")}; choose from ${all.join(", ")}`);
  process.exit(2);
}
if (!existsSync(path.join(root, "dist", "cli.cjs"))) {
  console.error("no dist/cli.cjs: run `npm run build` first");
  process.exit(2);
}

function node(script, args = [], env = {}) {
  return spawnSync(process.execPath, ["--import", "tsx", script, ...args], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, ...env },
  }).status;
}

const work = mkdtempSync(path.join(tmpdir(), "aml-bench-results-"));
const results = path.join(work, "results.jsonl");
let failed = 0;
try {
  if (check && node("bench/check-floors.ts") !== 0) failed += 1;
  if (node("src/emulator/ca-cli.ts", [caDir]) !== 0) process.exit(1);
  const env = {
    NODE_EXTRA_CA_CERTS: path.join(caDir, "ca.pem"),
    AML_TEST_CA_DIR: caDir,
    BENCH_RESULTS: results,
    BENCH_ROUNDS: check ? "1" : (process.env.BENCH_ROUNDS ?? "3"),
    BENCH_CHECK: check ? "1" : "0",
  };
  for (const name of named.length > 0 ? named : all) {
    if (node(path.join("bench", `${name}.ts`), [], env) !== 0) failed += 1;
  }
  if (existsSync(results)) node("bench/table.ts", [results]);
  if (process.env.BENCH_KEEP) console.log(`results: ${results} (and .md)`);
} finally {
  if (!process.env.BENCH_KEEP) rmSync(work, { recursive: true, force: true });
}
if (check)
  console.log(failed === 0 ? "bench --check: every scenario completed" : "bench --check: FAILED");
process.exit(failed === 0 ? 0 : 1);
