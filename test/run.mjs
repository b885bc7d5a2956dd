// Runs the suite the way CI does: one test CA for every emulator (so each test
// process trusts it from start-up through NODE_EXTRA_CA_CERTS, as a user would),
// every *.test.ts file, then the leak sweep over what all scenarios recorded.
import { spawnSync } from "node:child_process";
import { readdirSync, rmSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const caDir = path.join(root, ".cache", "test-ca");
// Overridable so that two runs on one machine do not sweep (or delete) each other's records.
const artifacts = path.resolve(
  process.env.AML_TEST_ARTIFACTS ?? path.join(root, "test", ".artifacts"),
);
rmSync(artifacts, { recursive: true, force: true });

function node(args, env = {}) {
  const run = spawnSync(process.execPath, args, {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, ...env },
  });
  if (run.status !== 0) process.exit(run.status ?? 1);
}

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".test.ts"))
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)))
    .filter((f) => !f.startsWith(path.join("test", "system", "leak-sweep")))
    .sort();
}

node(["--import", "tsx", "src/emulator/ca-cli.ts", caDir]);
const env = {
  NODE_EXTRA_CA_CERTS: path.join(caDir, "ca.pem"),
  AML_TEST_CA_DIR: caDir,
  AML_TEST_ARTIFACTS: artifacts,
};
const only = process.argv.slice(2);
const files = only.length > 0 ? only : testFiles(path.join(root, "test"));
node(["--import", "tsx", "--test", "--test-concurrency=2", ...files], env);
if (only.length === 0)
  node(["--import", "tsx", "--test", "test/system/leak-sweep/leak-sweep.test.ts"], env);
