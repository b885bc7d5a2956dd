import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { startEmulator, type Emulator } from "../../../src/emulator/index.ts";
import { uniqueName } from "../../helpers/emulator.ts";
import { assertNoLeaks, recordScenario, secretValue } from "../../helpers/leaks.ts";
import { runCli, type CliRun } from "./cli-process.ts";

let emu: Emulator;
let dir: string;
before(async () => {
  emu = await startEmulator();
  dir = mkdtempSync(path.join(tmpdir(), "aml-cli-"));
});
after(async () => {
  await emu.stop();
  rmSync(dir, { recursive: true, force: true });
});

function variable(vault: string): string {
  return vault.replace(/-/g, "_").toUpperCase();
}

function checkLeaks(
  scenario: string,
  run: CliRun,
  values: string[],
  extra: Record<string, string> = {},
): void {
  const texts = { stdout: run.stdout, stderr: run.stderr, ...extra };
  assertNoLeaks(texts, values, "none");
  recordScenario(`cli-${scenario}`, texts, values, "none");
}

test("set writes the batch and prints the table; a re-run is all unchanged with zero writes; plan writes nothing", async () => {
  const a = uniqueName("cli-a");
  const b = uniqueName("cli-b");
  const values = { [variable(a)]: secretValue("a"), [variable(b)]: `${secretValue("b")}\n` };
  const env = { ...emu.env(), ...values };
  const args = [
    "set",
    "--vault-url",
    emu.vaultUrl,
    "--auth",
    "managed-identity",
    "--secrets",
    `${variable(a)}\n${b}: ${variable(b)}`,
  ];

  const first = await runCli(args, env);
  checkLeaks("set", first, Object.values(values));
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, new RegExp(`${a}\\s+${variable(a)}\\s+created`));
  assert.match(first.stdout, /2 secrets, 2 changed, 0 failed/);
  assert.equal(emu.versions(b).at(-1)?.value, values[variable(b)]);

  const before = emu.requests.length;
  const second = await runCli(args, env);
  checkLeaks("set-rerun", second, Object.values(values));
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /2 secrets, 0 changed, 0 failed/);
  assert.equal(emu.requests.slice(before).filter((r) => r.kind === "secret-write").length, 0);

  values[variable(a)] = secretValue("a2");
  const plan = await runCli(["plan", ...args.slice(1)], { ...emu.env(), ...values });
  checkLeaks("plan", plan, Object.values(values));
  assert.equal(plan.code, 0, plan.stderr);
  assert.match(plan.stdout, new RegExp(`${a}\\s+${variable(a)}\\s+update`));
  assert.match(plan.stdout, new RegExp(`${b}\\s+${variable(b)}\\s+unchanged`));
  assert.equal(emu.versions(a).length, 1);
});

test("bad input: every problem named in one run, exit 2, not one request", async () => {
  const big = "x".repeat(30 * 1024) + secretValue("big");
  const empty = "";
  const values = {
    VAR_A: secretValue("a"),
    VAR_B: secretValue("b"),
    VAR_C: secretValue("c"),
    VAR_EMPTY: empty,
    VAR_BIG: big,
  };
  const tags = Array.from({ length: 16 }, (_, i) => ["--tag", `t${i}=v`]).flat();
  const before = emu.requests.length;
  const run = await runCli(
    [
      "set",
      "--vault-url",
      emu.vaultUrl.replace("https:", "http:"),
      "--auth",
      "managed-identity",
      "--secrets",
      "bad_name!: VAR_A\nDup-Name: VAR_B\ndup-name: VAR_C\nVAR_UNSET\nVAR_EMPTY\nVAR_BIG",
      "--expires-in",
      "90x",
      ...tags,
    ],
    { ...emu.env(), ...values },
  );
  checkLeaks("bad-input", run, [values.VAR_A, values.VAR_B, values.VAR_C, big]);
  assert.equal(run.code, 2);
  for (const expected of [
    /`bad_name!` is not a valid vault secret name/,
    /both write vault secret dup-name/,
    /variable VAR_UNSET is not set/,
    /variable VAR_EMPTY is empty/,
    /variable VAR_BIG's value is 30[0-9]{3} bytes/,
    /input --tag has 16 tags/,
    /input --expires-in `90x` is not a duration/,
    /vault-url http:\/\/\S+ must use https/,
  ]) {
    assert.match(run.stderr, expected);
  }
  assert.match(run.stderr, /8 problems with the inputs; nothing was sent/);
  assert.deepEqual(
    emu.requests.slice(before),
    [],
    "no request of any kind, token requests included",
  );
});

test("get writes NAME='value' lines to a 0600 file, and to stdout only with --stdout", async () => {
  const plain = uniqueName("get-plain");
  const pem = uniqueName("get-pem");
  const values = [secretValue("plain"), `-----BEGIN-----\n${secretValue("pem")}\n-----END-----\n`];
  emu.seed(plain, values[0]!);
  emu.seed(pem, values[1]!);
  const out = path.join(dir, "values.env");
  writeFileSync(out, "old", { mode: 0o644 });
  const args = [
    "get",
    "--vault-url",
    emu.vaultUrl,
    "--auth",
    "managed-identity",
    "--secrets",
    `${plain}: PLAIN\n${pem}`,
  ];
  const run = await runCli([...args, "--out", out], emu.env());
  checkLeaks("get-out", run, values);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(statSync(out).mode & 0o777, 0o600);
  assert.equal(
    readFileSync(out, "utf8"),
    `PLAIN='${values[0]}'\n${variable(pem)}='${values[1]}'\n`,
  );
  assert.match(run.stdout, /PLAIN\s+read/);

  const printed = await runCli([...args, "--stdout"], emu.env());
  assert.equal(printed.code, 0, printed.stderr);
  assert.ok(printed.stdout.startsWith(`PLAIN='${values[0]}'\n`));
  assertNoLeaks({ stderr: printed.stderr }, values, "none");

  const nowhere = await runCli(args, emu.env());
  assert.equal(nowhere.code, 2);
  assert.match(nowhere.stderr, /--out FILE or --stdout/);

  // Listed with the other problems of the command line, all at once, before any request.
  const sent = emu.requests.length;
  const twoProblems = await runCli([...args, "--max-concurrency", "0"], emu.env());
  assert.equal(twoProblems.code, 2);
  assert.match(twoProblems.stderr, /2 problems with the inputs; nothing was sent/);
  assert.match(twoProblems.stderr, /--out FILE or --stdout/);
  assert.match(twoProblems.stderr, /--max-concurrency must be a whole number/);
  assert.equal(emu.requests.length, sent);
});

test("a refused secret fails the run with exit 1 after the others were set, naming it and what to check", async () => {
  const refused = uniqueName("cli-refused");
  const fine = uniqueName("cli-fine");
  emu.setFaults({ forbidden: [refused] });
  try {
    const values = { [variable(refused)]: secretValue("r"), [variable(fine)]: secretValue("f") };
    const run = await runCli(
      [
        "set",
        "--vault-url",
        emu.vaultUrl,
        "--auth",
        "managed-identity",
        "--secrets",
        Object.keys(values).join("\n"),
      ],
      { ...emu.env(), ...values },
    );
    checkLeaks("refused", run, Object.values(values));
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      new RegExp(
        `${refused}: reading secret ${refused} to plan it failed: 403 Forbidden.*Key Vault Secrets Officer`,
      ),
    );
    assert.match(run.stdout, new RegExp(`${fine}\\s+\\S+\\s+created`));
  } finally {
    emu.setFaults({ forbidden: [] });
  }
});

test("--help works on every command; unknown flags and commands exit 2", async () => {
  for (const command of [[], ["set"], ["plan"], ["get"], ["emulator"]]) {
    const run = await runCli([...command, "--help"], {});
    assert.equal(run.code, 0, `${command.join(" ")} --help`);
    assert.match(run.stdout, /^Usage: aml-secrets/);
  }
  assert.equal((await runCli(["set", "--no-such-flag"], {})).code, 2);
  assert.equal((await runCli(["frobnicate"], {})).code, 2);
  const missing = await runCli(
    ["set", "--vault-url", emu.vaultUrl, "--auth", "client-secret", "--secrets", "X"],
    { X: "value-x" },
  );
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_CLIENT_SECRET/);
});

test("the vault from a workspace through --resource-manager-url, mapping from --secrets-file, generate, --json", async () => {
  const workspace = uniqueName("cli-ws");
  const subscription = "00000000-0000-0000-0000-0000000c11c1";
  emu.addWorkspace({
    subscriptionId: subscription,
    resourceGroup: "rg",
    name: workspace,
    vaultName: `${workspace}-kv`,
  });
  const name = uniqueName("cli-file");
  const rotated = uniqueName("cli-rot");
  const file = path.join(dir, "secrets.txt");
  writeFileSync(file, `# from a file\n${name}: FROM_FILE\n`);
  const values = { FROM_FILE: secretValue("file") };
  const run = await runCli(
    [
      "set",
      "--workspace-name",
      workspace,
      "--resource-group",
      "rg",
      "--subscription-id",
      subscription,
      "--resource-manager-url",
      emu.armUrl,
      "--auth",
      "managed-identity",
      "--secrets-file",
      file,
      "--generate",
      `${rotated}:24`,
      "--json",
    ],
    { ...emu.env(), ...values },
  );
  const generated = emu.versions(rotated).at(-1)?.value ?? "";
  checkLeaks("workspace-json", run, [...Object.values(values), generated]);
  assert.equal(run.code, 0, run.stderr);
  const result = JSON.parse(run.stdout) as { name: string; source: string; action: string }[];
  assert.deepEqual(
    result.map((r) => [r.name, r.source, r.action]),
    [
      [name, "FROM_FILE", "created"],
      [rotated, "generate", "created"],
    ],
  );
  assert.equal(generated.length, 24);
  assert.equal(emu.versions(name).at(-1)?.value, values.FROM_FILE);
});

test("the CLI bundle runs on Node 24 too (a real Node 24 from the npm registry)", async () => {
  const root = path.resolve(import.meta.dirname, "..", "..", "..");
  const { stdout } = await promisify(execFile)(process.execPath, ["scripts/node24.mjs"], {
    cwd: root,
  });
  const vault = uniqueName("cli-node24");
  const value = secretValue("node24");
  const run = await runCli(
    ["set", "--vault-url", emu.vaultUrl, "--auth", "managed-identity", "--secrets", `${vault}: V`],
    { ...emu.env(), V: value },
    stdout.trim(),
  );
  checkLeaks("node24", run, [value]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(emu.versions(vault).at(-1)?.value, value);
});
