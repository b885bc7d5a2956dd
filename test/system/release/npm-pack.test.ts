// The npm package carries what its users run and nothing else (issue 24): the CLI, the emulator
// bundle the CLI loads (`aml-secrets emulator` requires dist/emulator.cjs beside it), their
// LEGAL files, README, LICENSE and package.json; not the action's or the task's bundles and
// metadata (those ship from the repository and in the .vsix). Size bound: about 1.2 times what
// was measured when the file set was cut (320,589 bytes packed, 1,320,781 unpacked).
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { runProcess } from "../../helpers/run-process.ts";

const root = path.resolve(import.meta.dirname, "..", "..", "..");

interface Packed {
  size: number;
  unpackedSize: number;
  files: { path: string; size: number }[];
}

test("npm pack holds exactly the CLI, the emulator it runs, their notices and the docs", async () => {
  const run = await runProcess("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
    cwd: root,
  });
  assert.equal(run.code, 0, run.stderr);
  const packed = (JSON.parse(run.stdout) as Packed[])[0];
  assert.ok(packed);
  const files = packed.files.map((f) => f.path).sort();
  const legal = ["dist/cli.cjs.LEGAL.txt", "dist/emulator.cjs.LEGAL.txt"].filter((f) =>
    existsSync(path.join(root, f)),
  );
  assert.deepEqual(
    files,
    ["LICENSE", "README.md", "dist/cli.cjs", "dist/emulator.cjs", "package.json", ...legal].sort(),
  );
  assert.ok(legal.includes("dist/cli.cjs.LEGAL.txt"), "the CLI bundle's notices are missing");
  assert.ok(packed.size < 385_000, `the tarball grew to ${packed.size} bytes`);
  assert.ok(packed.unpackedSize < 1_600_000, `the package grew to ${packed.unpackedSize} bytes`);
});
