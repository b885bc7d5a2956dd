/**
 * Names that something besides aml-secrets gives meaning to, once a value is handed on under
 * them: an environment variable of a later step (GitHub `export-env`, an `out-file` that a
 * shell sources or a dotenv loader reads), a variable of the Azure Pipelines agent (every value
 * is one there), or this step's own outputs. A vault secret whose derived name lands here would
 * let whoever can write to the vault choose what later steps run (`bash-env` -> `BASH_ENV`).
 *
 * `exact` names and `prefixes` are compared as the agent compares variable names: without
 * regard to case, with `.` as `_` (`System.AccessToken` and `SYSTEM_ACCESSTOKEN` are one
 * variable to a task, and Windows runners read `Path` as `PATH`).
 *
 * Each group says on which platforms it means something: the shells, the loader and the
 * runtimes run everywhere, but `SECRET_*` is the Azure Pipelines agent's alone, so Django's
 * and Flask's `SECRET_KEY` is free on GitHub and the CLI.
 */
import type { PlatformId } from "../platform.ts";

interface ReservedGroup {
  /** Where these names mean something; every platform when absent. */
  platforms?: PlatformId[];
  exact?: string[];
  prefixes?: string[];
  /** Why, for the message that refuses one: completes "a name that …". */
  why: string;
  /** No opt-in makes these work: the name is taken, whatever the user means. */
  never?: boolean;
}

const reservedGroups: ReservedGroup[] = [
  {
    // The step's own outputs: outputs and agent variables are case-insensitive, so a secret
    // output named RESULT would be overwritten by `result` (or overwrite it).
    // The CLI has no outputs: its `--out` lines are the values alone.
    platforms: ["github", "azure-pipelines"],
    exact: ["RESULT", "CHANGED", "NAMES", "OUT_FILE", "OUTFILE", "VAULT_URL", "VAULTURL"],
    why: "this step uses for an output of its own",
    never: true,
  },
  {
    // The toolkit's exportVariable sets the step's own environment first and then writes to the
    // file GITHUB_ENV names: exporting one of these sends that and every later write into
    // whatever file the value names.
    platforms: ["github"],
    exact: ["GITHUB_ENV", "GITHUB_OUTPUT", "GITHUB_PATH", "GITHUB_STATE", "GITHUB_STEP_SUMMARY"],
    why: "the GitHub toolkit reads to find where a step's results go (exported, the file its value names would receive them)",
    never: true,
  },
  {
    // The GitHub runner's and toolkit's own variables: GITHUB_TOKEN, ACTIONS_ID_TOKEN_REQUEST_*
    // (OIDC), ACTIONS_STEP_DEBUG / ACTIONS_ALLOW_UNSECURE_COMMANDS (turn on debug output and the
    // set-env command), RUNNER_TEMP, INPUT_* and STATE_* (how actions read their inputs and state).
    platforms: ["github"],
    prefixes: ["GITHUB_", "RUNNER_", "ACTIONS_", "INPUT_", "STATE_"],
    exact: ["CI"],
    why: "the GitHub runner or an action's toolkit reads",
  },
  {
    // The Azure Pipelines agent's variables: the readonly ones it refuses to let a task
    // overwrite (Constants.Variables.ReadOnlyVariables: agent.*, build.*, system.*, release.*,
    // pipeline.*, common.*, maintenance.*, task.*), System.AccessToken, the INPUT_, SECRET_ and
    // ENDPOINT_ variables a task is handed, and the knobs the agent reads from pipeline variables
    // (AgentKnobs: AGENT_*, AZP_*, VSTS_*, VSTSAGENT_*, DistributedTask.*, and the names below).
    platforms: ["azure-pipelines"],
    prefixes: [
      "AGENT_",
      "BUILD_",
      "SYSTEM_",
      "RELEASE_",
      "PIPELINE_",
      "COMMON_",
      "MAINTENANCE_",
      "TASK_",
      "ENDPOINT_",
      "SECRET_",
      "INPUT_",
      "AZP_",
      "VSTS_",
      "VSTSAGENT_",
      "DISTRIBUTEDTASK_",
    ],
    exact: [
      "TF_BUILD",
      "ADD_FORCE_CREDENTIALS_TO_GIT_CHECKOUT",
      "ADD_FORCE_CREDENTIALS_TO_GIT_CHECKOUT_ENHANCED",
      "DECODE_PERCENTS",
      "DISABLE_INPUT_TRIMMING",
      "FAIL_JOB_WHEN_AGENT_DIES",
      "FIX_POSSIBLE_GIT_OUT_OF_MEMORY_PROBLEM",
      "USE_GIT_LONG_PATHS",
      "USE_GIT_SINGLE_THREAD",
    ],
    why: "the Azure Pipelines agent or a task reads",
  },
  {
    // Shells: the file BASH_ENV / ENV names runs in every later non-interactive bash / sh; PS4
    // and PROMPT_COMMAND run code; IFS, CDPATH, GLOBIGNORE and SHELLOPTS change what a script
    // means; HOME and XDG_* move every tool's configuration; TMPDIR where files go.
    prefixes: ["BASH_", "XDG_"],
    exact: [
      "PATH",
      "ENV",
      "SHELL",
      "SHELLOPTS",
      "BASHOPTS",
      "IFS",
      "PS1",
      "PS2",
      "PS4",
      "PROMPT_COMMAND",
      "CDPATH",
      "GLOBIGNORE",
      "HOME",
      "ZDOTDIR",
      "TMPDIR",
      "TMP",
      "TEMP",
      "EDITOR",
      "VISUAL",
      "PAGER",
      "LESSOPEN",
      "LESSCLOSE",
    ],
    why: "a shell or a command-line tool reads (it can run code in a later step)",
  },
  {
    // The dynamic loader and the C library: LD_PRELOAD, DYLD_INSERT_LIBRARIES load code into
    // every process; GLIBC_TUNABLES, GCONV_PATH and LOCPATH have each been a way in.
    prefixes: ["LD_", "DYLD_"],
    exact: ["GLIBC_TUNABLES", "GCONV_PATH", "LOCPATH", "NLSPATH", "HOSTALIASES", "RESOLV_CONF"],
    why: "the dynamic loader or the C library reads (it loads code into every later process)",
  },
  {
    // Windows: PATHEXT and COMSPEC choose what runs, PSModulePath what PowerShell imports.
    exact: [
      "PATHEXT",
      "COMSPEC",
      "PSMODULEPATH",
      "SYSTEMROOT",
      "WINDIR",
      "USERPROFILE",
      "APPDATA",
      "LOCALAPPDATA",
    ],
    why: "Windows or PowerShell reads (it chooses what a later step runs)",
  },
  {
    // Language runtimes and their package managers: options that load code at start
    // (NODE_OPTIONS --require, PERL5OPT -M, JAVA_TOOL_OPTIONS -javaagent, DOTNET_STARTUP_HOOKS),
    // module search paths, and where packages come from (NPM_CONFIG_REGISTRY, PIP_INDEX_URL).
    prefixes: [
      "NODE_",
      "NPM_CONFIG_",
      "YARN_",
      "PIP_",
      "DOTNET_",
      "COMPLUS_",
      "CORECLR_",
      "BUNDLE_",
    ],
    exact: [
      "PYTHONPATH",
      "PYTHONHOME",
      "PYTHONSTARTUP",
      "PYTHONUSERBASE",
      "PYTHONWARNINGS",
      "PYTHONBREAKPOINT",
      "PYTHONINSPECT",
      "PYTHONEXECUTABLE",
      "PERL5OPT",
      "PERL5LIB",
      "PERLLIB",
      "PERL5DB",
      "RUBYOPT",
      "RUBYLIB",
      "GEM_HOME",
      "GEM_PATH",
      "JAVA_TOOL_OPTIONS",
      "_JAVA_OPTIONS",
      "JDK_JAVA_OPTIONS",
      "JAVA_HOME",
      "CLASSPATH",
      "MAVEN_OPTS",
      "GRADLE_OPTS",
      "GOFLAGS",
      "GOPROXY",
      "GOSUMDB",
      "GONOSUMDB",
      "GONOSUMCHECK",
      "GOPRIVATE",
      "GOINSECURE",
      "GOTOOLCHAIN",
      "GOROOT",
      "GOPATH",
      "GOENV",
    ],
    why: "a language runtime or package manager reads (it can load code or packages from elsewhere)",
  },
  {
    // Tools that reach other machines: git runs GIT_SSH_COMMAND / GIT_ASKPASS and reads
    // GIT_CONFIG_*; ssh its SSH_*; DOCKER_HOST decides which daemon gets the build; proxies
    // and CA bundles decide who sees the traffic.
    prefixes: ["GIT_", "SSH_", "OPENSSL_"],
    exact: [
      "DOCKER_HOST",
      "DOCKER_CONFIG",
      "DOCKER_CERT_PATH",
      "DOCKER_TLS_VERIFY",
      "DOCKER_CONTEXT",
      "HTTP_PROXY",
      "HTTPS_PROXY",
      "ALL_PROXY",
      "FTP_PROXY",
      "NO_PROXY",
      "SSL_CERT_FILE",
      "SSL_CERT_DIR",
      "REQUESTS_CA_BUNDLE",
      "CURL_CA_BUNDLE",
      "CURL_HOME",
      "WGETRC",
      "KUBECONFIG",
    ],
    why: "git, ssh, a proxy-aware client or a TLS library reads (it decides where traffic goes and whom it trusts)",
  },
  {
    // Cloud credentials and endpoints that SDKs and CLIs of later steps pick up by themselves:
    // AZURE_CLIENT_SECRET / AZURE_AUTHORITY_HOST (EnvironmentCredential), AZURE_CONFIG_DIR (az),
    // IDENTITY_ENDPOINT (managed identity), ARM_* (Terraform), AWS_*, Google's.
    prefixes: ["AZURE_", "ARM_", "MSI_", "AWS_", "CLOUDSDK_"],
    exact: [
      "IDENTITY_ENDPOINT",
      "IDENTITY_HEADER",
      "IMDS_ENDPOINT",
      "GOOGLE_APPLICATION_CREDENTIALS",
    ],
    why: "a cloud SDK or CLI reads (it chooses whose credentials later steps use, and where they are sent)",
  },
];

/** A pipeline name as the agent keys it: upper case, `.` as `_`. */
function variableKey(name: string): string {
  return name.replace(/\./g, "_").toUpperCase();
}

/**
 * Why a pipeline-side name is reserved on `platform`, or undefined when it is free there.
 * Without a platform, every platform's names count.
 */
export function reservedName(
  name: string,
  platform?: PlatformId,
): { why: string; never: boolean } | undefined {
  const key = variableKey(name);
  const group = reservedGroups.find(
    (g) =>
      (platform === undefined || g.platforms === undefined || g.platforms.includes(platform)) &&
      (g.exact?.includes(key) || g.prefixes?.some((p) => key.startsWith(p))),
  );
  return group && { why: group.why, never: group.never ?? false };
}
