/**
 * Every credential the agent hands the task in its environment, read before the task library
 * loads (the library moves secret variables and endpoint authorizations into its vault and out
 * of `process.env` as it loads, and prints debug lines while it does): the user and password
 * inside `Agent.ProxyUrl`, `Agent.ProxyPassword`, `Agent.ClientCertPassword`, and each
 * service connection's authorization parameters. The parameters are masked all but the few
 * known to name, not prove, an identity: a new kind of connection brings new secret fields, and
 * a field left unmasked by mistake would be printed, one masked by mistake only shows `***`.
 */

/** Authorization parameters that name an identity or a setting, compared without case. */
const notSecret = new Set([
  "tenantid",
  "serviceprincipalid",
  "authenticationtype",
  "scope",
  "role",
]);

/** The agent's environment name of a variable: `Agent.ProxyUrl` -> `AGENT_PROXYURL`. */
const key = (name: string): string => name.replace(/[. ]/g, "_").toUpperCase();

/** A variable as the agent passes it: plain, or `SECRET_<KEY>` when it is a secret variable. */
function variable(env: NodeJS.ProcessEnv, name: string): string | undefined {
  return env[key(name)] || env[`SECRET_${key(name)}`] || undefined;
}

/** The user and password of a proxy URL, as written and as decoded. */
function urlCredentials(text: string | undefined): string[] {
  if (!text) return [];
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // Not a URL: the agent-network check says so; the credentials in it are found by hand.
    const userinfo = /^[a-z][a-z0-9+.-]*:\/\/([^@/]*)@/i.exec(text)?.[1];
    return userinfo ? userinfo.split(":") : [];
  }
  return [url.username, url.password].flatMap((part) => {
    if (!part) return [];
    let decoded = part;
    try {
      decoded = decodeURIComponent(part);
    } catch {
      // A stray `%`: the raw form is what appears anyway.
    }
    return decoded === part ? [part] : [part, decoded];
  });
}

/** The secret authorization parameters of every service connection in `env`. */
function endpointCredentials(env: NodeJS.ProcessEnv): string[] {
  const found: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!value) continue;
    const parameter = /^ENDPOINT_AUTH_PARAMETER_(.+)$/.exec(name);
    if (parameter) {
      // `<id>_<KEY>`: the id is a GUID (with `-`), the key has no `_` of its own in the known ones;
      // an unknown shape is masked.
      const field = parameter[1]!.split("_").pop()!.toLowerCase();
      if (!notSecret.has(field)) found.push(value);
      continue;
    }
    if (!name.startsWith("ENDPOINT_AUTH_") || name.startsWith("ENDPOINT_AUTH_SCHEME_")) continue;
    try {
      const auth = JSON.parse(value) as { parameters?: Record<string, unknown> };
      for (const [field, v] of Object.entries(auth.parameters ?? {}))
        if (typeof v === "string" && v && !notSecret.has(field.toLowerCase())) found.push(v);
    } catch {
      found.push(value); // not the JSON the agent writes: all of it is the secret
    }
  }
  return found;
}

/** Every credential in the agent's environment, to be masked before anything is printed. */
export function agentCredentials(env: NodeJS.ProcessEnv): string[] {
  const found = [
    ...urlCredentials(variable(env, "Agent.ProxyUrl")),
    variable(env, "Agent.ProxyPassword"),
    variable(env, "Agent.ClientCertPassword"),
    ...endpointCredentials(env),
  ];
  return [...new Set(found.filter((s): s is string => !!s && s.trim() !== ""))];
}
