// Bundles each entry point into one self-contained CommonJS file in dist/.
// CommonJS because azure-pipelines-task-lib relies on __dirname, and because the
// task folder of a .vsix carries no package.json to declare a module type.
import { build } from "esbuild";
import { chmod, readFile, rm, writeFile } from "node:fs/promises";
import { bundleOptions } from "./bundle-options.mjs";

const { version } = JSON.parse(await readFile("package.json", "utf8"));

export const entryPoints = {
  action: "src/platforms/github/main.ts",
  task: "src/platforms/azure-pipelines/main.ts",
  cli: "src/platforms/cli/main.ts",
  emulator: "src/emulator/main.ts",
};

await rm("dist", { recursive: true, force: true });
await build({
  entryPoints,
  outdir: "dist",
  outExtension: { ".js": ".cjs" },
  ...bundleOptions(),
  // The one version (scripts/version.mjs), for `aml-secrets --version`.
  define: { AML_SECRETS_VERSION: JSON.stringify(version) },
});

// The CLI is the package's `bin`: it needs a shebang and the execute bit.
const cli = "dist/cli.cjs";
await writeFile(cli, `#!/usr/bin/env node\n${await readFile(cli, "utf8")}`);
await chmod(cli, 0o755);

// The task's pre-job run (task.json `prejobexecution`): the agent tells the two runs apart by
// the file it starts only, so the pre-job has a file of its own, which says which run it is and
// loads the task's one bundle (a second bundle would add 1 MB to the .vsix for one word).
await writeFile(
  "dist/prejob.cjs",
  '"use strict";\n// aml-secrets: the task\'s pre-job run (task.json prejobexecution).\nglobalThis.AML_SECRETS_TASK_RUN = "pre-job";\nrequire("./task.cjs");\n',
);
