// The npm package as a user gets it: `npm pack`, then `npm install -g` of that tarball into a
// fresh prefix with the network and npm's cache out of reach, then the installed `aml-secrets`
// (--version, --help, set, get --out) against the emulator. The bundles are self-contained: the
// package has no dependencies, no bundle requires anything but Node's own modules, and the
// action's bundle runs from a folder of its own. (The task unpacked from the .vsix runs in
// test/azure-pipelines/package.test.ts.)
import assert from "node:assert/strict";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from "node:fs";
import { builtinModules } from "node:module";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import dotenv from "dotenv";
import { emulatorPerFile, unique } from "../../helpers/emulator.ts";
import { maskProblems, runActionStep, stepTexts } from "../../helpers/github-runner.ts";
import { assertNoLeaks, pemValue, recordScenario, secretValue } from "../../helpers/leaks.ts";
import { runProcess, type ProcessRun } from "../../helpers/run-process.ts";

const root = path.resolve(import.meta.dirname, "..", "..", "..");
const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as {
  version: string;
  dependencies?: Record<string, string>;
};
const emulator = emulatorPerFile();
const temp = mkdtempSync(path.join(os.tmpdir(), "aml-npm-package-"));
const prefix = path.join(temp, "prefix");
after(() => rmSync(temp, { recursive: true, force: true }));

interface Packed {
  filename: string;
  files: { path: string }[];
}
let packed: Packed;
let install: ProcessRun;

before(async () => {
  const npm = async (args: string[]): Promise<ProcessRun> => {
    const run = await runProcess("npm", args, { cwd: root });
    assert.equal(run.code, 0, `npm ${args[0]}: ${run.stderr}`);
    return run;
  };
  const { stdout } = await npm(["pack", "--json", "--pack-destination", temp]);
  packed = (JSON.parse(stdout) as Packed[])[0] as Packed;
  // --offline: npm may use its cache only, and that cache is a new, empty folder; the registry
  // named is one that cannot answer. The tarball is all there is to install.
  install = await npm([
    "install",
    "--global",
    "--prefix",
    prefix,
    "--offline",
    "--cache",
    path.join(temp, "npm-cache"),
    "--registry",
    "https://127.0.0.1:9/",
    "--no-audit",
    "--no-fund",
    path.join(temp, packed.filename),
  ]);
});

const installed = (): string => path.join(prefix, "lib", "node_modules", "aml-secrets");

/** The installed `aml-secrets` command, run through its bin link and shebang as a shell would. */
const aml = (args: string[], env: Record<string, string> = {}, cwd = temp): Promise<ProcessRun> =>
  runProcess(path.join(prefix, "bin", "aml-secrets"), args, {
    cwd,
    // The Node running the tests is the `node` of the shebang; nothing else of this process.
    env: { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`, ...env },
  });

test("the package declares no dependencies and ships the bundles, the licence and no sources", () => {
  assert.deepEqual(pkg.dependencies ?? {}, {});
  const files = packed.files.map((f) => f.path).sort();
  for (const file of [
    "LICENSE",
    "README.md",
    "package.json",
    "dist/cli.cjs",
    "dist/emulator.cjs",
  ]) {
    assert.ok(files.includes(file), `${file} is not in the tarball: ${files.join(", ")}`);
  }
  const strays = files.filter((f) => /^(src|test|scripts|bench|node_modules)\//.test(f));
  assert.deepEqual(strays, []);
});

test("npm install -g of the tarball installs the package alone, offline", () => {
  assert.match(install.stdout, /added 1 package/);
  assert.deepEqual(readdirSync(path.join(prefix, "lib", "node_modules")), ["aml-secrets"]);
  assert.ok(!existsSync(path.join(installed(), "node_modules")), "a dependency was installed");
  // Node looks for packages in every node_modules above the bundle: there is none but the
  // prefix's own, which holds aml-secrets alone.
  const above: string[] = [];
  for (let dir = path.dirname(installed()); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "node_modules");
    if (dir !== path.join(prefix, "lib") && existsSync(candidate)) above.push(candidate);
    if (dir === path.dirname(dir)) break;
  }
  assert.deepEqual(above, []);
});

test("the installed aml-secrets answers --version, -V and --help", async () => {
  for (const flag of ["--version", "-V"]) {
    const run = await aml([flag]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `${pkg.version}\n`);
  }
  const help = await aml(["--help"]);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /^Usage: aml-secrets <command>/);
  assert.match(help.stdout, /--version/);
});

test("the installed aml-secrets sets secrets in the emulator, re-runs unchanged, and gets them back", async () => {
  const emu = emulator();
  const names = { [`npm-a-${unique()}`]: "NPM_A", [`npm-pem-${unique()}`]: "NPM_PEM" };
  const values: Record<string, string> = { NPM_A: secretValue("npm-a"), NPM_PEM: pemValue() };
  const mapping = Object.entries(names).map(([vault, variable]) => `${vault}: ${variable}`);
  const common = ["--vault-url", emu.vaultUrl, "--auth", "managed-identity"];
  const env = { ...emu.env(), ...values };
  const check = (scenario: string, run: ProcessRun, extra: Record<string, string> = {}): void => {
    const texts = { stdout: run.stdout, stderr: run.stderr, ...extra };
    assertNoLeaks(texts, Object.values(values), "none");
    recordScenario(`npm-package-${scenario}`, texts, Object.values(values), "none");
  };

  const set = await aml(["set", ...common, "--secrets", mapping.join("\n")], env);
  check("set", set);
  assert.equal(set.code, 0, set.stderr);
  assert.match(set.stdout, /2 secrets, 2 changed, 0 failed/);
  for (const [vault, variable] of Object.entries(names)) {
    assert.equal(emu.versions(vault).at(-1)?.value, values[variable]);
  }

  const again = await aml(["set", ...common, "--secrets", mapping.join("\n")], env);
  check("set-again", again);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /2 secrets, 0 changed, 0 failed/);

  const outDir = path.join(temp, `get-${unique()}`);
  mkdirSync(outDir);
  const get = await aml(
    ["get", ...common, "--secrets", mapping.join("\n"), "--out", "values.env"],
    emu.env(),
    outDir,
  );
  check("get", get);
  assert.equal(get.code, 0, get.stderr);
  // Read back with dotenv, the parser users load such files with: byte for byte.
  assert.deepEqual(dotenv.parse(readFileSync(path.join(outDir, "values.env"))), values);
});

test("every bundle in dist/ requires nothing but Node's own modules", () => {
  const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
  const bundles = readdirSync(path.join(root, "dist")).filter((f) => f.endsWith(".cjs"));
  assert.deepEqual(bundles.sort(), [
    "action.cjs",
    "cli.cjs",
    "emulator.cjs",
    "prejob.cjs",
    "task.cjs",
  ]);
  for (const bundle of bundles) {
    const text = readFileSync(path.join(root, "dist", bundle), "utf8");
    const required = [...text.matchAll(/\brequire\(\s*["'`]([^"'`]+)["'`]\s*\)/g)].map((m) => m[1]);
    assert.ok(required.length > 0, `${bundle}: no require found (the pattern is stale)`);
    const outside = [...new Set(required)].filter((name) => !builtins.has(name ?? ""));
    // The pre-job's file is a loader of the task's bundle beside it, and of nothing else.
    const siblings = bundle === "prejob.cjs" ? ["./task.cjs"] : [];
    assert.deepEqual(outside, siblings, `${bundle} requires packages outside itself`);
  }
});

test("the action's bundle, alone in a folder, sets a secret in the emulator", async () => {
  const alone = path.join(temp, "action-alone");
  mkdirSync(alone);
  copyFileSync(path.join(root, "dist", "action.cjs"), path.join(alone, "action.cjs"));
  const name = `alone-${unique()}`;
  const value = secretValue("alone");
  const run = await runActionStep({
    bundle: path.join(alone, "action.cjs"),
    cwd: alone,
    with: { "vault-url": emulator().vaultUrl, auth: "managed-identity", secrets: `${name}: ALONE` },
    env: { ...emulator().env(), ALONE: value },
  });
  assertNoLeaks(stepTexts(run), [value], "github");
  recordScenario("npm-package-action-alone", stepTexts(run), [value], "github");
  assert.deepEqual(maskProblems(run, [value]), []);
  assert.equal(run.exitCode, 0, run.stderr);
  assert.equal(emulator().versions(name).at(-1)?.value, value);
});
