/**
 * What the process environment can switch off of the step's promises, checked once before any
 * request (the entry point passes the environment in; the core reads none deep inside):
 *
 * - `NODE_TLS_REJECT_UNAUTHORIZED=0` turns off certificate checks for every TLS connection of
 *   the process (Node reads it at each connection, and `0` is the one value it obeys): values
 *   and tokens would go to whoever answers. The step refuses to run, before any request.
 * - `NODE_DEBUG` naming `http`, `https`, `http2`, `net` or `tls` makes Node print what it
 *   sends to stderr, the headers included: the vault's bearer token and the managed identity's
 *   `X-IDENTITY-HEADER`. Node reads `NODE_DEBUG` once, at start-up, before the bundle runs, so
 *   deleting it from `process.env` changes nothing. Each of those debug messages is one write to
 *   stderr starting `HTTP 1234: `: the step drops those writes, warns, and goes on. Refusing to
 *   run would break a job that sets `NODE_DEBUG` for another tool, for no gain: with the lines
 *   dropped, nothing of them is left to leak.
 */

export interface ProcessEnvironment {
  /** The process's environment variables. */
  env: Readonly<Record<string, string | undefined>>;
  /** The process's stderr, where Node's own debug output goes; its writes are filtered. */
  stderr?: { write: (...args: never[]) => boolean };
}

export interface EnvironmentCheck {
  /** Reasons not to run at all; reported with the input problems, before any request. */
  problems: string[];
  warnings: string[];
}

/** Node's debug sections that print requests, their headers included. */
const revealingSections = ["http", "https", "http2", "net", "tls"];

/** The start of a write of Node's debug output for those sections (`HTTP 1234: `, PID maybe coloured). */
const revealingLine = /^(?:HTTP2?|HTTPS|NET|TLS) (?:\u001b\[[\d;]*m)?\d+(?:\u001b\[[\d;]*m)?: /;

/** Checks `environment`; filters its stderr when NODE_DEBUG would print credentials. */
export function checkEnvironment(environment: ProcessEnvironment): EnvironmentCheck {
  const { env } = environment;
  const problems: string[] = [];
  const warnings: string[] = [];
  if (env["NODE_TLS_REJECT_UNAUTHORIZED"] === "0") {
    problems.push(
      "NODE_TLS_REJECT_UNAUTHORIZED=0 is set: it turns off TLS certificate checks, so values and tokens would go to any server that answers; remove it (trust a private CA, such as a proxy's or the emulator's, with NODE_EXTRA_CA_CERTS instead)",
    );
  }
  const sections = debugSections(env["NODE_DEBUG"]);
  if (sections.length > 0) {
    if (environment.stderr) dropNodeDebug(environment.stderr);
    warnings.push(
      `NODE_DEBUG names ${sections.join(", ")}: Node would print every request's headers to stderr, the vault's bearer token among them; aml-secrets drops Node's ${revealingSections.join(", ")} debug lines (remove them from NODE_DEBUG to see this warning no more)`,
    );
  }
  return { problems, warnings };
}

/** The sections of `revealingSections` that `NODE_DEBUG` turns on, matched as Node does (`,` lists, `*` wildcards, any case). */
export function debugSections(value: string | undefined): string[] {
  if (!value) return [];
  const pattern = value
    .replace(/[|\\{}()[\]^$+?.]/g, "\\$&")
    .replaceAll("*", ".*")
    .replaceAll(",", "$|^");
  const enabled = new RegExp(`^(${pattern})$`, "i");
  return revealingSections.filter((section) => enabled.test(section));
}

/** Replaces `stream.write` by one that drops Node's debug messages of the revealing sections. */
function dropNodeDebug(stream: NonNullable<ProcessEnvironment["stderr"]>): void {
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  const filtered = (...args: unknown[]): boolean => {
    const [chunk] = args;
    const head =
      typeof chunk === "string"
        ? chunk.slice(0, 64)
        : Buffer.isBuffer(chunk)
          ? chunk.toString("latin1", 0, 64)
          : "";
    if (!revealingLine.test(head)) return write(...args);
    // Dropped as if written: a callback given is still called.
    const callback = args.find((a): a is () => void => typeof a === "function");
    callback?.();
    return true;
  };
  stream.write = filtered;
}
