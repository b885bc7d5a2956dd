// `npm run package`: builds an installable Azure DevOps extension (.vsix) holding the task.
// It stages a folder under build/ with the extension manifest, its icon, its Marketplace
// overview and licence, and the task folder (task.json, the task's icon, and the committed
// bundle: dist/task.cjs is self-contained, so the task needs no node_modules), then has tfx-cli
// (a devDependency) pack and validate it. Prints the .vsix path; --out DIR writes elsewhere.
import { execFileSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { parseArgs } from "node:util";

const root = path.resolve(import.meta.dirname, "..");
const { values: args } = parseArgs({
  options: {
    // Where to stage and write (tests use a temporary folder).
    out: { type: "string", default: path.join(root, "build") },
  },
});
const out = path.resolve(args.out);
const stage = path.join(out, "extension");
const manifest = JSON.parse(readFileSync(path.join(root, "vss-extension.json"), "utf8"));
const taskJson = JSON.parse(readFileSync(path.join(root, "task.json"), "utf8"));

// Every run's target: the normal one and the pre-job one (task.json `prejobexecution`).
const bundles = [taskJson.execution, taskJson.prejobexecution]
  .flatMap((runs) => Object.values(runs ?? {}))
  .map((handler) => handler.target);
for (const target of new Set(bundles)) {
  if (!existsSync(path.join(root, target))) {
    console.error(`${target} is missing: run npm run build first`);
    process.exit(1);
  }
}

rmSync(stage, { recursive: true, force: true });
const taskDir = path.join(stage, taskJson.name);
mkdirSync(taskDir, { recursive: true });
copyFileSync(path.join(root, "vss-extension.json"), path.join(stage, "vss-extension.json"));
// The Marketplace pages the manifest names (content.details: overview.md, content.license).
for (const { path: file } of Object.values(manifest.content)) {
  copyFileSync(path.join(root, file), path.join(stage, file));
}
cpSync(path.join(root, "images"), path.join(stage, "images"), {
  recursive: true,
  filter: (f) => !f.endsWith(".mjs"),
});
copyFileSync(path.join(root, "task.json"), path.join(taskDir, "task.json"));
// The agent and the task picker show the task folder's icon.png.
copyFileSync(path.join(root, "images", "task-icon.png"), path.join(taskDir, "icon.png"));
for (const target of new Set(bundles)) {
  mkdirSync(path.dirname(path.join(taskDir, target)), { recursive: true });
  copyFileSync(path.join(root, target), path.join(taskDir, target));
  // esbuild's linked legal comments: the licences of the bundled packages travel with the bundle.
  const legal = `${target}.LEGAL.txt`;
  if (existsSync(path.join(root, legal)))
    copyFileSync(path.join(root, legal), path.join(taskDir, legal));
}

const vsix = path.join(out, `${manifest.id}-${manifest.version}.vsix`);
rmSync(vsix, { force: true });
const tfx = createRequire(import.meta.url).resolve("tfx-cli/_build/tfx-cli.js");
const output = execFileSync(
  process.execPath,
  [
    tfx,
    "extension",
    "create",
    "--root",
    stage,
    "--manifests",
    "vss-extension.json",
    "--output-path",
    vsix,
    "--no-prompt",
    "--no-color",
    "--json",
  ],
  { cwd: stage, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
);
// tfx prints a banner before its JSON answer.
const answer = JSON.parse(output.slice(output.indexOf("{")));
if (!existsSync(answer.path ?? "")) {
  console.error(`tfx did not write the .vsix:\n${output}`);
  process.exit(1);
}
console.log(answer.path);
