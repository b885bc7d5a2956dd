// `npm run package`: the .vsix holds the manifest and the task folder (task.json, icon, the
// committed bundle), and tfx-cli accepted the task.json it validates.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { promisify } from "node:util";
import { zipEntries } from "../helpers/zip-entries.ts";

const root = path.resolve(import.meta.dirname, "..", "..");
const out = mkdtempSync(path.join(os.tmpdir(), "aml-vsix-"));
after(() => rmSync(out, { recursive: true, force: true }));

/** tfx-cli's own task.json validator, the one `tfx extension create` runs. */
const { validateTask } = createRequire(import.meta.url)("tfx-cli/_build/lib/jsonvalidate.js") as {
  validateTask: (taskPath: string, taskJson: unknown) => string[];
};

const readJson = (file: string): Record<string, unknown> =>
  JSON.parse(readFileSync(path.join(root, file), "utf8")) as Record<string, unknown>;

test("npm run package makes a .vsix with the manifest and the task", async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["scripts/package-vsix.mjs", "--out", out],
    {
      cwd: root,
    },
  );
  const vsix = stdout.trim().split("\n").at(-1) ?? "";
  assert.equal(path.dirname(vsix), out);
  const entries = zipEntries(readFileSync(vsix));
  for (const name of [
    "extension.vsixmanifest",
    "extension.vsomanifest",
    "images/icon.png",
    "AmlSecrets/task.json",
    "AmlSecrets/icon.png",
    "AmlSecrets/dist/task.cjs",
  ]) {
    assert.ok(entries.has(name), `${name} is not in the .vsix`);
  }
  assert.deepEqual(entries.get("AmlSecrets/task.json"), readFileSync(path.join(root, "task.json")));
  assert.deepEqual(
    entries.get("AmlSecrets/dist/task.cjs"),
    readFileSync(path.join(root, "dist", "task.cjs")),
  );

  const manifest = entries.get("extension.vsixmanifest")?.toString("utf8") ?? "";
  const extension = readJson("vss-extension.json");
  assert.match(manifest, new RegExp(`Id="${String(extension.id)}"`));
  assert.match(manifest, new RegExp(`Version="${String(extension.version)}"`));
  const contributions = entries.get("extension.vsomanifest")?.toString("utf8") ?? "";
  assert.match(contributions, /ms\.vss-distributed-task\.task/);
});

test("tfx's validator accepts task.json, and would refuse a broken one", () => {
  const taskJson = readJson("task.json");
  assert.deepEqual(validateTask("task.json", taskJson), []);
  const broken = { ...taskJson, id: "not-a-guid", friendlyName: "x".repeat(41) };
  assert.equal(validateTask("task.json", broken).length, 3);
});

test("the extension, the task and the package carry one version", () => {
  const pkg = readJson("package.json");
  const extension = readJson("vss-extension.json");
  const { Major, Minor, Patch } = readJson("task.json").version as Record<string, number>;
  assert.equal(extension.version, pkg.version);
  assert.equal(`${Major}.${Minor}.${Patch}`, pkg.version);
});
