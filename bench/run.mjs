// `npm run bench` (every benchmark) or `npm run bench -- mixed-2000 cold-start` (those named).
// Like test/run.mjs: one CA for every emulator, trusted from start-up through
// NODE_EXTRA_CA_CERTS; then each benchmark in its own process, one after the other, so that
// none measures another's leftovers. The benches run the bundles in dist/ (`npm run build`).
import { spawnSync } from "node:child_process";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const caDir = path.join(root, ".cache", "test-ca");
const all = ["mixed-2000", "new-200", "cold-start", "10k"];

const named = process.argv.slice(2);
const unknown = named.filter((name) => !all.includes(name));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(", ")}; choose from ${all.join(", ")}`);
  process.exit(2);
}

function node(args, env = {}) {
  return spawnSync(process.execPath, args, {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, ...env },
  }).status;
}

if (node(["--import", "tsx", "src/emulator/ca-cli.ts", caDir]) !== 0) process.exit(1);
const env = { NODE_EXTRA_CA_CERTS: path.join(caDir, "ca.pem"), AML_TEST_CA_DIR: caDir };
let failed = 0;
for (const name of named.length > 0 ? named : all) {
  if (node(["--import", "tsx", path.join("bench", `${name}.ts`)], env) !== 0) failed += 1;
}
process.exit(failed === 0 ? 0 : 1);
