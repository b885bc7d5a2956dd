// `npm run package`: the .vsix holds the manifest, its Marketplace overview and licence, and the
// task folder (task.json, icon, the committed bundle); tfx-cli accepted the task.json it
// validates; and the task unpacked from the .vsix, with no node_modules anywhere, runs.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { promisify } from "node:util";
import { emulatorPerFile, unique } from "../../helpers/emulator.ts";
import { secretValue } from "../../helpers/leaks.ts";
import { checkTaskLeaks, emulatorEndpoint, runTask } from "../../helpers/pipelines-agent.ts";
import { zipEntries } from "../../helpers/zip-entries.ts";

const root = path.resolve(import.meta.dirname, "..", "..", "..");
const out = mkdtempSync(path.join(os.tmpdir(), "aml-vsix-"));
after(() => rmSync(out, { recursive: true, force: true }));

/** tfx-cli's own task.json validator, the one `tfx extension create` runs. */
const { validateTask } = createRequire(import.meta.url)("tfx-cli/_build/lib/jsonvalidate.js") as {
  validateTask: (taskPath: string, taskJson: unknown) => string[];
};

const readJson = (file: string): Record<string, unknown> =>
  JSON.parse(readFileSync(path.join(root, file), "utf8")) as Record<string, unknown>;

const emulator = emulatorPerFile();

/** The .vsix's entries, built once for the file. */
let built: Promise<Map<string, Buffer>> | undefined;
function vsixEntries(): Promise<Map<string, Buffer>> {
  built ??= promisify(execFile)(process.execPath, ["scripts/package-vsix.mjs", "--out", out], {
    cwd: root,
  }).then(({ stdout }) => {
    const vsix = stdout.trim().split("\n").at(-1) ?? "";
    assert.equal(path.dirname(vsix), out);
    return zipEntries(readFileSync(vsix));
  });
  return built;
}

test("npm run package makes a .vsix with the manifest, its overview and licence, and the task", async () => {
  const entries = await vsixEntries();
  for (const name of [
    "extension.vsixmanifest",
    "extension.vsomanifest",
    "images/icon.png",
    "overview.md",
    "LICENSE",
    "AmlSecrets/task.json",
    "AmlSecrets/icon.png",
    "AmlSecrets/dist/task.cjs",
    "AmlSecrets/dist/prejob.cjs",
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
  // The Marketplace page is overview.md (not the developer README), the licence the MIT file.
  assert.match(
    manifest,
    /Type="Microsoft\.VisualStudio\.Services\.Content\.Details"[^>]*Path="overview\.md"/,
  );
  assert.match(manifest, /<License>LICENSE<\/License>/);
  assert.deepEqual(entries.get("overview.md"), readFileSync(path.join(root, "overview.md")));
  assert.deepEqual(entries.get("LICENSE"), readFileSync(path.join(root, "LICENSE")));
  const contributions = entries.get("extension.vsomanifest")?.toString("utf8") ?? "";
  assert.match(contributions, /ms\.vss-distributed-task\.task/);
});

test("tfx's validator accepts task.json, and would refuse a broken one", () => {
  const taskJson = readJson("task.json");
  assert.deepEqual(validateTask("task.json", taskJson), []);
  const broken = { ...taskJson, id: "not-a-guid", friendlyName: "x".repeat(41) };
  assert.equal(validateTask("task.json", broken).length, 3);
});

test("the task unpacked from the .vsix runs a set against the emulator, with no node_modules", async () => {
  const installed = path.join(out, "agent-tasks");
  for (const [name, data] of await vsixEntries()) {
    if (!name.startsWith("AmlSecrets/")) continue;
    mkdirSync(path.dirname(path.join(installed, name)), { recursive: true });
    writeFileSync(path.join(installed, name), data);
  }
  const name = `vsix-${unique()}`;
  const value = secretValue("vsix");
  const run = await runTask({
    bundle: path.join(installed, "AmlSecrets", "dist", "task.cjs"),
    endpoint: emulatorEndpoint(emulator(), "ManagedServiceIdentity"),
    env: emulator().env(),
    inputs: { vaultUrl: emulator().vaultUrl, secrets: `${name}: VSIX_VALUE` },
    secretVariables: { VSIX_VALUE: value },
  });
  checkTaskLeaks("azure-pipelines task from the vsix", run, [value]);
  assert.equal(run.result, "Succeeded", `${run.errors.join("\n")}\n${run.stderr}`);
  assert.equal(emulator().versions(name).at(-1)?.value, value);
});
