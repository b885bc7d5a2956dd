import type { TokenCredential } from "@azure/core-auth";
import type { HttpClient } from "@azure/core-rest-pipeline";

/** Names of the step's inputs, as the SPEC spells them for GitHub (kebab-case). */
export type InputName =
  | "mode"
  | "vault-url"
  | "workspace-name"
  | "resource-group"
  | "subscription-id"
  | "secrets"
  | "variable-prefix"
  | "overwrite"
  | "recover-deleted"
  | "content-type"
  | "tags"
  | "expires-in"
  | "not-before-in"
  | "disable-previous-versions"
  | "generate"
  | "dry-run"
  | "export-env"
  | "allow-empty"
  | "max-concurrency"
  | "owner"
  | "prune"
  | "include-deleted"
  | "out-file"
  | "out-format"
  | "output-variables"
  | "output-prefix"
  | "allow-reserved-names"
  | "ignore-not-found"
  | "run-as-pre-job"
  | "request-timeout"
  | "rotate-within"
  | "validity"
  | "graph-url"
  | "authority-host";

/**
 * Which platform runs the step. The names that platform, and the shells and tools its later
 * steps run, give meaning to are keyed by it (inputs/reserved-names.ts): `SECRET_*` means
 * something to the Azure Pipelines agent only, so `SECRET_KEY` is free on GitHub and the CLI.
 */
export type PlatformId = "github" | "azure-pipelines" | "cli";

/**
 * How a platform spells an input where a message names it: GitHub `vault-url`, Azure Pipelines
 * `vaultUrl`, the CLI `--vault-url`. A message that names another platform's spelling sends the
 * user looking for an input that does not exist.
 */
export type InputLabel = (name: InputName) => string;

/** Endpoints of one Azure cloud. */
export interface Cloud {
  name: string;
  /** e.g. `https://management.azure.com` */
  resourceManager: string;
  /** Host suffix of vaults in this cloud, e.g. `.vault.azure.net` */
  vaultSuffix: string;
}

/** How the step reaches Azure: built from the platform's own inputs or service connection. */
export interface Connection {
  credential: TokenCredential;
  /**
   * The transport of every request (vault, ARM; the credential was built with it too) when the
   * platform names a proxy or certificates of its own (network.ts); otherwise the Azure SDK's,
   * which reads `HTTPS_PROXY` / `NO_PROXY`.
   */
  httpClient?: HttpClient;
  cloud: Cloud;
  /**
   * Where ARM requests go when that is not `cloud.resourceManager` (`resource-manager-url`: a
   * private endpoint, Azure Stack, the emulator). Tokens stay for `cloud.resourceManager`:
   * the endpoint moves, not whom Entra ID issues the token for (see workspace.ts).
   */
  resourceManagerUrl?: string;
  /** The subscription the connection names, if it names one. */
  subscriptionId?: string;
  /** What was used, for error messages, e.g. `GitHub OIDC (client 1234…, tenant …)`. Never a secret. */
  describe: string;
  /**
   * What to check about this credential when a request fails to authenticate or is refused,
   * e.g. an expired client secret. Not the vault role: the core adds the one its mode needs.
   */
  hint: string;
}

/** How far a run is: the core sends it as entries finish, and every second while none does. */
export interface ProgressState {
  /** What runs, e.g. `set` or `get`. */
  mode: string;
  /** Entries finished (written, read, deleted, listed, failed...). */
  done: number;
  /** Entries known so far; undefined while unknown (list mode, get's `*` before its listing). */
  total?: number;
  failed: number;
  elapsedMs: number;
  /** Set while the vault's request budget holds requests back, e.g. `1200 writes wait ...`. */
  pacing?: string;
  /** The last state of the run: a live status line is taken down. */
  final: boolean;
}

/**
 * The one port between the platform-free core and a CI platform.
 * Adapters implement it in a few lines over `@actions/core`, `azure-pipelines-task-lib`
 * or the process (CLI). Nothing here may print a value it is handed.
 */
export interface Platform {
  readonly id: PlatformId;
  /**
   * What every secret output becomes besides an output, in words for a message ("a secret
   * variable of the job", "a line of --out or --stdout"): a name later steps or a shell read.
   * Undefined where a secret output is only an output (GitHub: `steps.<id>.outputs.NAME`).
   */
  readonly secretOutputsAre?: string;
  /** An input by its SPEC name; undefined when not given (an adapter maps the name to its own spelling). */
  getInput(name: InputName): string | undefined;
  /** The input's name as this platform's users write it, for messages. */
  inputLabel: InputLabel;
  /** A pipeline variable's value, read without echoing it; undefined when unset. */
  getVariable(name: string): string | undefined;
  /**
   * What names this run for people reading the source's audit log (`GITHUB_RUN_ID`,
   * `Build.BuildId`); not a value, and never read through `getVariable` (which scrubs what it
   * reads). Undefined where the platform has none (the CLI).
   */
  runName?(): string | undefined;
  /** Names of the variables the step can read (for `variable-prefix`). */
  variableNames(): string[];
  /** Registers one string with the platform's log masking (the core calls it for the whole value and each line). */
  mask(value: string): void;
  /**
   * Sets an output; a `secret` output carries a value that was masked before. `laterJobs`
   * (Azure Pipelines `outputVariables`): a secret variable is also an output variable, which
   * later jobs and stages map with `dependencies.<job>.outputs['<step>.<NAME>']`.
   */
  setOutput(name: string, value: string, options: { secret: boolean; laterJobs?: boolean }): void;
  /**
   * The folder a relative `out-file` is taken from: `GITHUB_WORKSPACE` on GitHub,
   * `System.DefaultWorkingDirectory` on Azure Pipelines, the current directory for the CLI.
   */
  workingDirectory(): string;
  /** Makes a value visible to later steps as an environment variable (`export-env`). */
  exportVariable(name: string, value: string): void;
  debug(line: string): void;
  info(line: string): void;
  warning(line: string): void;
  error(line: string): void;
  startGroup(title: string): void;
  endGroup(): void;
  /**
   * Shows how far the run is, the platform's way: a line every few seconds (GitHub, a CLI
   * without a terminal), the agent's progress command (Azure Pipelines), a live status line
   * (a CLI on a terminal). Called often: the adapter decides what to show and when.
   */
  progress(state: ProgressState): void;
  /**
   * The platform prints its own table of the rows at the end (the CLI on a terminal): the core
   * prints no line per entry then.
   */
  readonly tableAtEnd?: boolean;
  /**
   * Attaches a markdown summary to the run (already redacted by the core). A platform without
   * a summary page (the CLI) has none, and the core builds none (at 10,000 rows, some 20 MB).
   */
  writeSummary?(markdown: string): Promise<void>;
  /** Marks the step failed with one message (already redacted). */
  fail(message: string): void;
  /**
   * Builds the credential and cloud from the platform's own inputs. Makes no request.
   * Throws a `ValidationError` listing every problem with those inputs.
   * Masks any secret it reads (a client secret) and returns it in `secrets` for the redactor.
   */
  connect(): Connection & { secrets?: string[] };
}
