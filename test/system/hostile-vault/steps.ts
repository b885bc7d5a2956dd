/**
 * One step against a hostile vault, run through each bundle the way its platform runs it: the
 * action as the GitHub runner runs it, the task as the Azure Pipelines agent runs it, the CLI as
 * a user does. Each hands back what a user (and a leak) could see, in one shape.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before } from "node:test";
import { startEmulator, type Emulator } from "../../../src/emulator/index.ts";
import { runCli } from "../../platforms/cli/cli-process.ts";
import { errorsOf, runActionStep } from "../../helpers/github-runner.ts";
import {
  startHostileVault,
  type HostileVault,
  type HostileVaultOptions,
} from "../../helpers/hostile-vault.ts";
import { assertNoLeaks, recordScenario, secretValue } from "../../helpers/leaks.ts";
import {
  emulatorEndpoint,
  runTask,
  stdoutForLeakCheck,
  type PipelinesEndpoint,
} from "../../helpers/pipelines-agent.ts";
import {
  gitHubCommandProblems,
  pipelinesCommandProblems,
} from "../hostile-input/command-checks.ts";

export type Platform = "github" | "azure-pipelines" | "cli";
export const platforms: readonly Platform[] = ["github", "azure-pipelines", "cli"];

export interface Step {
  mode: "get" | "set" | "list" | "delete";
  /** The `secrets` lines (list mode takes none). */
  secrets: string;
  /** `dry-run` (delete and set mode). */
  dryRun?: boolean;
  /** Set mode: the pipeline variables the lines read. */
  variables?: Record<string, string>;
  /** Where the vault is: its URL, or a workspace whose ARM is the hostile vault's. */
  vault:
    | { url: string }
    | {
        workspace: HostileVault;
        names?: { name?: string; resourceGroup?: string; subscription?: string };
      };
  /** `request-timeout`, e.g. `1s`. */
  requestTimeout?: string;
  /**
   * Get mode's `output-prefix`: `*` needs one where values leave the step by name (the task's
   * secret variables, the CLI's file lines).
   */
  outputPrefix?: string;
  /** Environment of the process (NODE_DEBUG, NODE_TLS_REJECT_UNAUTHORIZED...). */
  env?: Record<string, string>;
}

export interface Row {
  name: string;
  source: string;
  action: string;
  error?: string;
}

export interface Outcome {
  platform: Platform;
  ok: boolean;
  /** What the step failed with, as its platform shows it ("" when it succeeded). */
  failure: string;
  rows: Row[];
  /** Everything a user could read: logs, the failure, `result`, the summary. */
  texts: Record<string, string>;
  /** Values handed on as outputs / secret variables / the out file, by name. */
  values: Record<string, string>;
  /** Commands on stdout that the step did not mean to issue (an injection), as problems. */
  injected: string[];
  describe: string;
  /** How long the step took, in milliseconds. */
  tookMs: number;
}

const workspace = {
  subscription: "00000000-0000-0000-0000-00000000cafe",
  resourceGroup: "rg-hostile",
  name: "ws-hostile",
};

/** Runs `step` on `platform` against `emu`'s tokens. */
export async function runStep(platform: Platform, emu: Emulator, step: Step): Promise<Outcome> {
  const started = Date.now();
  const outcome =
    platform === "github"
      ? await onGitHub(emu, step)
      : platform === "azure-pipelines"
        ? await onPipelines(emu, step)
        : await onCli(emu, step);
  return { ...outcome, tookMs: Date.now() - started };
}

type Partial = Omit<Outcome, "tookMs">;

/** The workspace a step names: the default one, or the names the step gives. */
function workspaceOf(step: Step): typeof workspace {
  return "workspace" in step.vault ? { ...workspace, ...step.vault.names } : workspace;
}

async function onGitHub(emu: Emulator, step: Step): Promise<Partial> {
  const ws = workspaceOf(step);
  const vault: Record<string, string> =
    "url" in step.vault
      ? { "vault-url": step.vault.url }
      : {
          "workspace-name": ws.name,
          "resource-group": ws.resourceGroup,
          "subscription-id": ws.subscription,
          "resource-manager-url": step.vault.workspace.armUrl,
        };
  const run = await runActionStep({
    with: {
      ...vault,
      auth: "managed-identity",
      mode: step.mode,
      ...(step.mode === "list" ? {} : { secrets: step.secrets }),
      ...(step.dryRun ? { "dry-run": "true" } : {}),
      ...(step.requestTimeout ? { "request-timeout": step.requestTimeout } : {}),
      ...(step.outputPrefix ? { "output-prefix": step.outputPrefix } : {}),
    },
    env: { ...emu.env(), ...step.variables, ...step.env },
  });
  const failure = errorsOf(run);
  // The values only: not the outputs every run sets (the result, the count, the vault used).
  const values = { ...run.outputs };
  delete values["result"];
  delete values["changed"];
  delete values["vault-url"];
  return {
    platform: "github",
    ok: run.exitCode === 0,
    failure,
    rows: JSON.parse(run.outputs["result"] ?? "[]") as Row[],
    texts: {
      stdout: run.stdout,
      stderr: run.stderr,
      summary: run.summary,
      result: run.outputs["result"] ?? "",
    },
    values,
    // Masks are checked by the tests of masking; here only commands the step did not issue.
    injected: gitHubCommandProblems(run, { masked: [], alsoAllowed: ["error", "warning"] }).filter(
      (p) => !/add-mask/.test(p),
    ),
    describe: `GitHub: exit ${run.exitCode}, errors:\n${failure}\nstderr:\n${run.stderr}`,
  };
}

async function onPipelines(emu: Emulator, step: Step): Promise<Partial> {
  const env = { ...emu.env(), ...step.env };
  delete env.AZURE_AUTHORITY_HOST;
  const endpoint: PipelinesEndpoint = emulatorEndpoint(emu, "WorkloadIdentityFederation");
  const inputs: Record<string, string> = {
    mode: step.mode,
    ...(step.mode === "list" ? {} : { secrets: step.secrets }),
    ...(step.dryRun ? { dryRun: "true" } : {}),
    ...(step.requestTimeout ? { requestTimeout: step.requestTimeout } : {}),
    ...(step.outputPrefix ? { outputPrefix: step.outputPrefix } : {}),
  };
  const ws = workspaceOf(step);
  if ("url" in step.vault) inputs.vaultUrl = step.vault.url;
  else {
    inputs.workspaceName = ws.name;
    inputs.resourceGroup = ws.resourceGroup;
    endpoint.url = `${step.vault.workspace.armUrl}/`;
    endpoint.data = { ...endpoint.data, subscriptionId: ws.subscription };
  }
  const accessToken = secretValue("access-token");
  const run = await runTask({
    endpoint,
    systemAccessToken: accessToken,
    variables: { "System.OidcRequestUri": emu.pipelinesOidcUrl },
    env,
    inputs,
    secretVariables: step.variables ?? {},
  });
  const values: Record<string, string> = {};
  for (const [name, v] of Object.entries(run.variables)) if (v.secret) values[name] = v.value;
  const result = run.result === "Succeeded" ? "Succeeded" : "Failed";
  const injected = pipelinesCommandProblems(run, {
    masked: [],
    multilineAllowed: false,
    secretVariables: Object.keys(values),
    result,
  }).filter((p) => !/task\.setsecret|task\.issue/.test(p));
  return {
    platform: "azure-pipelines",
    ok: run.result === "Succeeded",
    failure: run.errors.join("\n"),
    rows: JSON.parse(run.variables["result"]?.value ?? "[]") as Row[],
    texts: {
      stdout: stdoutForLeakCheck(run),
      stderr: run.stderr,
      summary: run.summaries.join("\n"),
    },
    values,
    injected,
    describe: `Azure Pipelines: result ${run.result}, errors:\n${run.errors.join("\n")}\nstderr:\n${run.stderr}`,
  };
}

async function onCli(emu: Emulator, step: Step): Promise<Partial> {
  const dir = mkdtempSync(path.join(tmpdir(), "aml-hostile-cli-"));
  const out = path.join(dir, "values.json");
  try {
    const vault =
      "url" in step.vault
        ? ["--vault-url", step.vault.url]
        : [
            ...["--workspace-name", workspaceOf(step).name],
            ...["--resource-group", workspaceOf(step).resourceGroup],
            ...["--subscription-id", workspaceOf(step).subscription],
            ...["--resource-manager-url", step.vault.workspace.armUrl],
          ];
    const run = await runCli(
      [
        step.mode,
        ...vault,
        ...["--auth", "managed-identity", "--json"],
        ...(step.mode === "list" ? [] : ["--secrets", step.secrets]),
        ...(step.dryRun ? ["--dry-run"] : []),
        ...(step.mode === "get" ? ["--out", out, "--format", "json"] : []),
        ...(step.requestTimeout ? ["--request-timeout", step.requestTimeout] : []),
        ...(step.outputPrefix ? ["--output-prefix", step.outputPrefix] : []),
      ],
      { ...emu.env(), ...step.variables, ...step.env },
    );
    let values: Record<string, string> = {};
    try {
      // JSON: the one format that carries every string exactly.
      values = JSON.parse(readFileSync(out, "utf8")) as Record<string, string>;
    } catch {
      // No file: nothing was handed on.
    }
    let rows: Row[] = [];
    try {
      rows = JSON.parse(run.stdout) as Row[];
    } catch {
      // Bad input: no result.
    }
    return {
      platform: "cli",
      ok: run.code === 0,
      failure: run.code === 0 ? "" : run.stderr,
      rows,
      texts: { stdout: run.stdout, stderr: run.stderr },
      values,
      // The CLI's stdout and stderr are read by people and other tools, not by a runner; a
      // command there is still checked by the runs of the other two platforms.
      injected: [],
      describe: `CLI: exit ${run.code}, stderr:\n${run.stderr}`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The leak canary over everything the step showed; recorded for the sweep. */
export function checkLeaks(scenario: string, outcome: Outcome, values: readonly string[]): void {
  const dialect = outcome.platform === "cli" ? "none" : outcome.platform;
  assertNoLeaks(outcome.texts, values, dialect);
  recordScenario(`hostile-vault ${outcome.platform} ${scenario}`, outcome.texts, values, dialect);
}

/** Every text of the step, one string, for `includes` checks. */
export function allText(outcome: Outcome): string {
  return Object.values(outcome.texts).join("\n");
}

export function assertFailed(outcome: Outcome): void {
  assert.equal(outcome.ok, false, `the step should fail; ${outcome.describe}`);
  assert.notEqual(outcome.failure.trim(), "", `a failed step says why; ${outcome.describe}`);
}

/** An emulator (for tokens) and a hostile vault for the tests of a file. */
export function hostileVaultPerFile(
  options: Omit<HostileVaultOptions, "emulator"> = {},
): () => { emulator: Emulator; vault: HostileVault } {
  let started: { emulator: Emulator; vault: HostileVault } | undefined;
  before(async () => {
    const emulator = await startEmulator();
    started = { emulator, vault: await startHostileVault({ ...options, emulator }) };
  });
  after(async () => {
    await started?.vault.stop();
    await started?.emulator.stop();
  });
  return () => started ?? assert.fail("the file's vaults start before its tests");
}
