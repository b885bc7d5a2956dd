// out-file through the bundles as their platforms run them, against the emulator: the action
// (out-file / out-format, relative to GITHUB_WORKSPACE), the task (outFile / outFormat relative
// to System.DefaultWorkingDirectory, and outputVariables for later jobs) and the CLI
// (get --out FILE --format, --stdout). The file is the one place the values may be.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import dotenv from "dotenv";
import { emulatorPerFile, unique } from "../../helpers/emulator.ts";
import {
  describeRun,
  errorsOf,
  maskProblems,
  runActionStep,
  stepTexts,
  type StepRun,
} from "../../helpers/github-runner.ts";
import { assertNoLeaks, recordScenario } from "../../helpers/leaks.ts";
import { checkTaskLeaks, emulatorEndpoint, runTask } from "../../helpers/pipelines-agent.ts";
import { runCli, type CliRun } from "../../platforms/cli/cli-process.ts";
import {
  corpus,
  pythonDotenvReaders,
  readWithNpmDotenv,
  readWithPythonDotenv,
  readWithShell,
  type CorpusEntry,
} from "../../helpers/out-file-readers.ts";

const emulator = emulatorPerFile();
const root = mkdtempSync(path.join(tmpdir(), "aml-out-entry-"));
after(() => rmSync(root, { recursive: true, force: true }));

/** A fresh working folder (the job's workspace) with a `secrets` folder in it. */
function workspace(): string {
  const dir = mkdtempSync(path.join(root, "ws-"));
  mkdirSync(path.join(dir, "secrets"));
  return dir;
}

/** The corpus in the vault under fresh names, and the `secrets` lines mapping them back. */
function seeded(entries: CorpusEntry[] = corpus()): { entries: CorpusEntry[]; secrets: string } {
  const id = unique();
  const lines = entries.map((e) => {
    const vaultName = `${e.name.toLowerCase().replace(/_/g, "-")}-${id}`;
    emulator().seed(vaultName, e.value);
    return `${vaultName}: ${e.name}`;
  });
  return { entries, secrets: lines.join("\n") };
}

/** Get mode in the action, signed in to the emulator, with `cwd` as GITHUB_WORKSPACE. */
function actionGet(secrets: string, cwd: string, inputs: Record<string, string>): Promise<StepRun> {
  return runActionStep({
    with: {
      "vault-url": emulator().vaultUrl,
      auth: "managed-identity",
      mode: "get",
      secrets,
      ...inputs,
    },
    env: emulator().env(),
    cwd,
  });
}

/** `aml-secrets get` signed in to the emulator, with more flags. */
function cliGet(secrets: string, ...flags: string[]): Promise<CliRun> {
  const vault = ["--vault-url", emulator().vaultUrl, "--auth", "managed-identity"];
  return runCli(["get", ...vault, "--secrets", secrets, ...flags], emulator().env());
}

interface Row {
  name: string;
  source: string;
  action: string;
  error?: string;
}

function differing(
  entries: readonly CorpusEntry[],
  got: Record<string, string | null | undefined>,
): string[] {
  return entries.filter((e) => got[e.name] !== e.value).map((e) => e.name);
}

/** The canary over the step's output (values read must also have been masked). */
function checkStepLeaks(scenario: string, run: StepRun, values: string[], read = true): void {
  const texts = stepTexts(run);
  delete texts.GITHUB_OUTPUT; // get mode's outputs are values by design
  assertNoLeaks(texts, values, "github");
  if (read)
    assert.deepEqual(
      maskProblems(run, values).filter((p) => !/after line/.test(p)),
      [],
    );
  recordScenario(`out-file ${scenario}`, texts, values, "github");
}

/** The CLI's output; with `--stdout` the values own stdout, and stderr alone is checked. */
function checkCliLeaks(scenario: string, run: CliRun, values: string[], stdoutHasValues = false) {
  const texts: Record<string, string> = { stderr: run.stderr };
  if (!stdoutHasValues) texts.stdout = run.stdout;
  assertNoLeaks(texts, values, "none");
  recordScenario(`out-file ${scenario}`, texts, values, "none");
}

describe("the action", () => {
  void test("out-file / out-format shell: a file under GITHUB_WORKSPACE that sh and bash read back exactly", async () => {
    const { entries, secrets } = seeded();
    const cwd = workspace();
    const run = await actionGet(secrets, cwd, {
      "out-file": "secrets/values.sh",
      "out-format": "shell",
    });
    assert.equal(run.exitCode, 0, describeRun(run));
    const file = path.join(cwd, "secrets", "values.sh");
    assert.equal(run.outputs["out-file"], file);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const names = entries.map((e) => e.name);
    assert.deepEqual(differing(entries, await readWithShell("bash", file, names)), []);
    assert.deepEqual(differing(entries, await readWithShell("sh", file, names)), []);
    checkStepLeaks(
      "action shell",
      run,
      entries.map((e) => e.value),
    );
  });

  void test("out-format dotenv: what dotenv cannot carry fails by name, naming json or shell; every other entry is written exactly", async (t) => {
    const { entries, secrets } = seeded();
    const cwd = workspace();
    const run = await actionGet(secrets, cwd, { "out-file": ".env.secrets" });
    assert.equal(run.exitCode, 1, describeRun(run));
    const rows = JSON.parse(run.outputs.result ?? "[]") as Row[];
    const refused = entries.filter((e) => e.dotenvRefuses).map((e) => e.name);
    assert.deepEqual(
      rows.filter((r) => r.action === "failed").map((r) => r.source),
      refused,
    );
    for (const row of rows.filter((r) => r.action === "failed"))
      assert.match(
        row.error ?? "",
        /^not written to out-file: dotenv format: .*use out-format json or shell$/,
      );
    for (const name of refused)
      assert.match(errorsOf(run), new RegExp(`${name.toLowerCase().replace(/_/g, "-")}`));
    const carried = entries.filter((e) => !e.dotenvRefuses);
    const file = path.join(cwd, ".env.secrets");
    const got = readWithNpmDotenv(file);
    assert.deepEqual(
      Object.keys(got),
      carried.map((e) => e.name),
    );
    assert.deepEqual(differing(carried, got), []);
    for (const { python, version } of pythonDotenvReaders(t)) {
      const read = await readWithPythonDotenv(python, file);
      assert.deepEqual(differing(carried, read), [], version);
    }
    checkStepLeaks(
      "action dotenv refusals",
      run,
      entries.map((e) => e.value),
    );
  });

  void test("an out-file that is a symbolic link fails the step before any request", async () => {
    const { entries, secrets } = seeded(corpus().slice(0, 2));
    const cwd = workspace();
    symlinkSync(path.join(cwd, "elsewhere"), path.join(cwd, "secrets", "link.env"));
    const before = emulator().requests.length;
    const run = await actionGet(secrets, cwd, { "out-file": "secrets/link.env" });
    assert.equal(run.exitCode, 1, describeRun(run));
    assert.match(errorsOf(run), /input out-file: .*link\.env is a symbolic link/);
    assert.deepEqual(emulator().requests.slice(before), [], "no request of any kind");
    checkStepLeaks(
      "action out-file link",
      run,
      entries.map((e) => e.value),
      false,
    );
  });
});

describe("the task", () => {
  void test("outFile / outFormat json relative to System.DefaultWorkingDirectory; outputVariables makes each value a secret output variable too", async () => {
    const { entries, secrets } = seeded();
    const cwd = workspace();
    const run = await runTask({
      endpoint: emulatorEndpoint(emulator(), "ManagedServiceIdentity"),
      env: emulator().env(),
      variables: {
        "System.DefaultWorkingDirectory": cwd,
        "System.UnsafeAllowMultilineSecret": "true",
      },
      inputs: {
        mode: "get",
        vaultUrl: emulator().vaultUrl,
        secrets,
        outFile: "secrets/values.json",
        outFormat: "json",
        outputVariables: "true",
      },
    });
    assert.equal(run.result, "Succeeded", `${run.errors.join("\n")}\n${run.stderr}`);
    const file = path.join(cwd, "secrets", "values.json");
    assert.deepEqual(run.variables.outFile, { value: file, secret: false, output: true });
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const parsed = JSON.parse(readFileSync(file, "utf8")) as Record<string, string>;
    assert.deepEqual(differing(entries, parsed), []);
    for (const { name, value } of entries) {
      const set = run.commands.filter(
        (c) => c.name === "task.setvariable" && c.properties.variable === name,
      );
      assert.deepEqual(
        set.map((c) => [c.data === value, c.properties.issecret, c.properties.isoutput]),
        [
          [true, "true", "false"],
          [true, "true", "true"],
        ],
        name,
      );
    }
    checkTaskLeaks(
      "out-file task json",
      run,
      entries.map((e) => e.value),
    );
  });
});

describe("the CLI", () => {
  void test("get --out FILE --format shell, and --stdout --format json", async () => {
    const { entries, secrets } = seeded();
    const file = path.join(workspace(), "secrets", "values.sh");
    const run = await cliGet(secrets, "--out", file, "--format", "shell");
    assert.equal(run.code, 0, run.stderr);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const names = entries.map((e) => e.name);
    assert.deepEqual(differing(entries, await readWithShell("bash", file, names)), []);
    checkCliLeaks(
      "cli shell",
      run,
      entries.map((e) => e.value),
    );

    const printed = await cliGet(secrets, "--stdout", "--format", "json");
    assert.equal(printed.code, 0, printed.stderr);
    assert.deepEqual(differing(entries, JSON.parse(printed.stdout) as Record<string, string>), []);
    checkCliLeaks(
      "cli stdout json",
      printed,
      entries.map((e) => e.value),
      true,
    );
  });

  void test("--stdout in dotenv leaves out what dotenv cannot carry, says which, and exits 1", async () => {
    const { entries, secrets } = seeded();
    const run = await cliGet(secrets, "--stdout");
    assert.equal(run.code, 1, run.stderr);
    const refused = entries.filter((e) => e.dotenvRefuses);
    for (const { name } of refused)
      assert.match(
        run.stderr,
        new RegExp(`error: ${name} was not printed: dotenv format: .*use --format json or shell`),
      );
    const carried = entries.filter((e) => !e.dotenvRefuses);
    const got = dotenv.parse(run.stdout);
    assert.deepEqual(
      Object.keys(got),
      carried.map((e) => e.name),
    );
    assert.deepEqual(differing(carried, got), []);
    checkCliLeaks(
      "cli stdout dotenv refusals",
      run,
      entries.map((e) => e.value),
      true,
    );
  });
  void test("when the file cannot be replaced, every entry meant for it fails, the old file stays whole, and the CLI exits 1", async (t) => {
    if (process.getuid?.() !== 0 || spawnSync("chattr", ["--help"]).error) {
      t.skip("needs root and chattr (an immutable file cannot be renamed over)");
      return;
    }
    const { entries, secrets } = seeded(corpus().slice(0, 3));
    const file = path.join(workspace(), "secrets", "immutable.env");
    writeFileSync(file, "OLD='kept'\n", { mode: 0o600 });
    execFileSync("chattr", ["+i", file]);
    try {
      const run = await cliGet(secrets, "--out", file, "--json");
      assert.equal(run.code, 1, run.stderr);
      const rows = JSON.parse(run.stdout) as Row[];
      assert.deepEqual(
        rows.map((r) => [r.source, r.action]),
        entries.map((e) => [e.name, "failed"]),
      );
      for (const row of rows)
        assert.match(row.error ?? "", /^not written to --out: .*immutable\.env: EPERM/);
      assert.equal(readFileSync(file, "utf8"), "OLD='kept'\n");
      assert.deepEqual(readdirSync(path.dirname(file)), ["immutable.env"]);
      checkCliLeaks(
        "cli out-file not written",
        run,
        entries.map((e) => e.value),
      );
    } finally {
      execFileSync("chattr", ["-i", file]);
    }
  });
});
