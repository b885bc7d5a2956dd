/**
 * The clients nobody here wrote, as a Debian user has them: Python's azure-identity and
 * azure-keyvault-secrets (`python3-azure`) and the Azure CLI (`azure-cli`). A test that needs
 * one skips, saying so, where it is absent; in CI (CI=true) it runs and fails instead, and
 * .ci/run checks that each recorded its scenario.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { accessSync, constants, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Emulator } from "../../../src/emulator/index.ts";

export const inCi = process.env.CI === "true";

/** A python3 that imports both SDKs: the one on PATH, else Debian's (a pyenv may shadow it). */
export const python = ["python3", "/usr/bin/python3"].find(
  (candidate) =>
    spawnSync(candidate, ["-c", "import azure.identity, azure.keyvault.secrets"], {
      stdio: "ignore",
    }).status === 0,
);

/** The `az` on PATH, if any. */
export const az = (process.env.PATH ?? "")
  .split(path.delimiter)
  .map((dir) => path.join(dir, "az"))
  .find((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });

/**
 * node:test's `skip` for a test that needs a client: the reason when the client is absent
 * outside CI; never in CI, where the test then fails on `required`.
 */
export function skipWithout(
  found: string | undefined,
  what: string,
  install: string,
): string | false {
  if (found || inCi) return false;
  return `${what} is not installed here (Debian: apt-get install ${install}); CI installs it and runs this test`;
}

export function required(found: string | undefined, what: string): string {
  assert.ok(found, `${what} is not installed, and CI must run this test (.ci/run installs it)`);
  return found;
}

export interface ClientRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a client with exactly this environment (nothing of the test process leaks in). */
export function runClient(
  command: string,
  args: string[],
  env: Record<string, string>,
  stdin = "",
): Promise<ClientRun> {
  const child = spawn(command, args, { env, stdio: ["pipe", "pipe", "pipe"] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on("data", (b: Buffer) => out.push(b));
  child.stderr.on("data", (b: Buffer) => err.push(b));
  child.stdin.end(stdin);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) =>
      resolve({
        code,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      }),
    );
  });
}

/** What a client run printed, for an assertion's message. */
export function describeClient(run: ClientRun): string {
  return `exit ${run.code}\nstdout:\n${run.stdout.slice(0, 2000)}\nstderr:\n${run.stderr.slice(-4000)}`;
}

/** The base environment of a client process: a PATH, and a HOME of its own. */
export function baseEnv(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: mkdtempSync(path.join(os.tmpdir(), "aml-client-home-")),
    LANG: "C.UTF-8",
    // No __pycache__ folders left in examples/ or test/.
    PYTHONDONTWRITEBYTECODE: "1",
  };
}

/**
 * The Azure CLI's environment for the emulator: its own AZURE_CONFIG_DIR in a temp folder, the
 * emulator's CA through REQUESTS_CA_BUNDLE (TLS stays on), the managed identity variables
 * msrestazure reads, and no telemetry or update checks.
 */
export function azEnv(emu: Emulator, identity = emu.azureCliEnv()): Record<string, string> {
  return {
    ...baseEnv(),
    AZURE_CONFIG_DIR: mkdtempSync(path.join(os.tmpdir(), "aml-az-config-")),
    AZURE_CORE_COLLECT_TELEMETRY: "false",
    AZURE_CORE_ONLY_SHOW_ERRORS: "true",
    AZURE_CORE_NO_COLOR: "true",
    ...identity,
  };
}
