/**
 * A vault whose secret names were chosen by someone who can write to it but not to the
 * pipeline: names that `*` would turn into variables a shell, Node, the loader, the runner or
 * the agent gives meaning to, beside two ordinary ones. Seeded through the real SDK.
 */
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Emulator } from "../../../src/emulator/index.ts";
import { emulatorSecretClient } from "../../helpers/emulator.ts";
import { canary, secretValue } from "../../helpers/leaks.ts";

export interface HostileVault {
  /** Vault name -> value, for every secret seeded. */
  values: Record<string, string>;
  /** The names `*` must refuse (their derived names are reserved on some platform). */
  reserved: string[];
  /** Those of `reserved` that only the Azure Pipelines agent reads: free on GitHub. */
  pipelinesOnly: string[];
  /** The names `*` hands on. */
  ordinary: string[];
  /**
   * Names no reserved list holds that later steps still read (issue 18.2: `makeflags` ->
   * MAKEFLAGS, `cc` -> CC made a later `make` run the vault's code): only a prefix of the
   * user's keeps them away from the environment. Also handed on as outputs by `*`.
   */
  unlisted: string[];
  /** A file that exists only if the script BASH_ENV names was run by a later bash. */
  bashEnvMarker: string;
  /** A file that exists only if GITHUB_ENV was redirected to it. */
  githubEnvTarget: string;
}

/**
 * Seeds the vault. `bash-env` names a script that leaves a marker; `github-env` names a file
 * that the toolkit would write every later export into. Every value carries a canary.
 */
export async function seedHostileVault(emu: Emulator): Promise<HostileVault> {
  const dir = mkdtempSync(path.join(tmpdir(), "aml-reserved-"));
  const bashEnvMarker = path.join(dir, "bash-env-ran");
  const script = path.join(dir, `bash-env-${canary()}.sh`);
  writeFileSync(script, `echo ran > '${bashEnvMarker}'\n`);
  chmodSync(script, 0o700);
  const githubEnvTarget = path.join(dir, `github-env-${canary()}`);
  const values: Record<string, string> = {
    "bash-env": script,
    "github-env": githubEnvTarget,
    path: `/nowhere-${canary()}`,
    "node-options": `--require /nowhere/${canary()}.js`,
    "ld-preload": `/nowhere/${canary()}.so`,
    "system-accesstoken": secretValue("token"),
    "agent-tempdirectory": `/nowhere/${canary()}`,
    result: secretValue("result"),
    "app-token": secretValue("app"),
    "db-password": secretValue("db"),
    makeflags: `--eval=$(shell touch /nowhere/${canary()})`,
    cc: `/nowhere/${canary()}/cc`,
    "lua-init": `os.execute('/nowhere/${canary()}')`,
    "java-opts": `-javaagent:/nowhere/${canary()}.jar`,
    "mlflow-tracking-uri": `https://nowhere.invalid/${canary()}`,
    "vault-addr": `https://nowhere.invalid/${canary()}`,
    ps0: `$(/nowhere/${canary()})`,
    "rustc-wrapper": `/nowhere/${canary()}`,
    sslkeylogfile: `/nowhere/${canary()}.log`,
  };
  const client = await emulatorSecretClient(emu);
  for (const [name, value] of Object.entries(values)) await client.setSecret(name, value);
  const ordinary = ["app-token", "db-password"];
  const unlisted = [
    "cc",
    "java-opts",
    "lua-init",
    "makeflags",
    "mlflow-tracking-uri",
    "ps0",
    "rustc-wrapper",
    "sslkeylogfile",
    "vault-addr",
  ];
  return {
    values,
    reserved: Object.keys(values).filter((n) => !ordinary.includes(n) && !unlisted.includes(n)),
    pipelinesOnly: ["agent-tempdirectory", "system-accesstoken"],
    ordinary,
    unlisted,
    bashEnvMarker,
    githubEnvTarget,
  };
}

/** The output name `*` derives: `db-password` -> `DB_PASSWORD`. */
export function derived(vaultName: string, prefix = ""): string {
  return prefix + vaultName.replace(/-/g, "_").toUpperCase();
}

/** The secrets whose value the emulator was asked for since request `since` (a listing names none). */
export function valuesRequested(emu: Emulator, since: number): string[] {
  const names = emu.requests
    .slice(since)
    .flatMap((r) => (r.method === "GET" && r.secret ? [r.secret] : []));
  return [...new Set(names)].sort();
}
