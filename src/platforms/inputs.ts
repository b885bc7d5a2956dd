/**
 * The one table of how an input is spelled on the three entry points, and why an input is
 * missing from one of them. The rule needs no entry: an input of `action.yml` (`vault-url`) is
 * the task's camelCase input (`vaultUrl`) and the CLI's flag of the same name (`--vault-url`).
 * Everything else is written here, with its reason, and only here: the task adapter, the CLI,
 * `scripts/inputs-doc.mjs` (docs/inputs.md) and test/system/input-names read this table, and
 * that test fails for an input on one platform that is on another neither by the rule nor here.
 *
 * Imports nothing: the doc generator loads it on its own.
 */

/** An input this platform does not take, and why (shown in docs/inputs.md). */
export interface Absent {
  absent: string;
}
/** The input is given another way on this platform: an environment variable, the command. */
export interface Instead {
  instead: string;
}

export interface Spelling {
  /** Not an input of the GitHub Action. */
  github?: Absent;
  /** The task's name when it is not the camelCase of the key, or why the task has none. */
  task?: string | Absent;
  /** The CLI's flag when it is not `--<key>`, or why the CLI has none, or how it is given. */
  cli?: string | Absent | Instead;
}

const serviceConnection =
  "the task signs in through its service connection (azureSubscription), which says this";

/** By the input's GitHub (kebab-case) name; a task- or CLI-only input by its kebab-case too. */
export const spellings: Record<string, Spelling> = {
  mode: { cli: { instead: "the command (set, plan, get, list, delete, rotate)" } },
  "subscription-id": {
    task: { absent: "the subscription comes from the service connection (azureSubscription)" },
  },
  tags: { cli: "--tag" },
  "recover-deleted": { cli: "--no-recover-deleted" },
  "out-file": { cli: "--out" },
  "out-format": { cli: "--format" },
  "export-env": {
    task: { absent: "the task always makes each value a secret variable of the job" },
    cli: { absent: "a process cannot change its parent shell's environment: --out or --stdout" },
  },
  "output-variables": {
    github: {
      absent:
        "GitHub hands a step's outputs to later jobs through the job's outputs, and drops masked ones",
    },
    cli: { absent: "a CLI run has no later jobs: --out writes the values to a file" },
  },
  auth: { task: { absent: serviceConnection } },
  "client-id": {
    task: { absent: serviceConnection },
    cli: { instead: "env AZURE_CLIENT_ID" },
  },
  "tenant-id": {
    task: { absent: serviceConnection },
    cli: { instead: "env AZURE_TENANT_ID" },
  },
  "client-secret": {
    task: { absent: serviceConnection },
    cli: { instead: "env AZURE_CLIENT_SECRET" },
  },
  cloud: { task: { absent: serviceConnection } },
  "resource-manager-url": {
    task: { absent: "the service connection's Resource Manager URL is used" },
  },
  audience: {
    task: { absent: "the service connection gets its own tokens" },
    cli: { absent: "the CLI does not sign in with a GitHub OIDC token" },
  },
  "azure-subscription": {
    github: { absent: "the action signs in with auth, client-id, tenant-id (or azure/login)" },
    cli: { absent: "the CLI signs in with --auth and the AZURE_* environment variables" },
  },
  "run-as-pre-job": {
    github: { absent: "an Azure Pipelines notion: a step that runs before the job's others" },
    cli: { absent: "an Azure Pipelines notion: a step that runs before the job's others" },
  },
  "secrets-file": {
    github: { absent: "the action takes the secrets block itself" },
    task: { absent: "the task takes the secrets block itself" },
  },
  stdout: {
    github: { absent: "values become masked outputs, never printed" },
    task: { absent: "values become secret variables, never printed" },
  },
  json: {
    github: { absent: "the result output is JSON already" },
    task: { absent: "the result output is JSON already" },
  },
  verbose: {
    github: { absent: "GitHub's step debug logging (ACTIONS_STEP_DEBUG) shows debug lines" },
    task: { absent: "the pipeline's System.Debug shows debug lines" },
  },
  help: {
    github: { absent: "docs/inputs.md and the action's input descriptions" },
    task: { absent: "each input's help in the task's form" },
  },
};

/** `vault-url` -> `vaultUrl`. */
export function camelCase(kebab: string): string {
  return kebab.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** `vaultUrl` -> `vault-url`. */
export function kebabCase(camel: string): string {
  return camel.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** The task's name of an input, or undefined when the task has none. */
export function taskName(input: string): string | undefined {
  const task = spellings[input]?.task;
  if (typeof task === "object") return undefined;
  return task ?? camelCase(input);
}

/** The CLI's flag of an input, or how the CLI gives it instead; undefined when it has none. */
export function cliName(input: string): string | undefined {
  const cli = spellings[input]?.cli;
  if (cli === undefined) return `--${input}`;
  if (typeof cli === "string") return cli;
  return "instead" in cli ? cli.instead : undefined;
}
