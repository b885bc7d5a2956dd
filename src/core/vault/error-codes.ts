/**
 * What the product says for a failure it can name: a sentence for each of Key Vault's and ARM's
 * common error codes (and Key Vault's 403 inner codes), and for each kind of network failure.
 * These sentences stand whether or not the service's own message may be shown (a message that
 * could hold a value is withheld: report/clean-text.ts), so each says what happened and what to
 * do, from the code alone.
 */

/** What the failed request was for: the vault (from its URL), and the mode's role and hint. */
export interface RemedyContext {
  /** The connection's hint and the mode's role, as run.ts joins them. */
  hint: string;
  /** The host the request went to (`myvault.vault.azure.net`), when known. */
  host?: string;
}

/** The hint as a thing to check: most hints already begin with "check", which is not said twice. */
export function checkHint(hint: string): string {
  return /^check\b/i.test(hint) ? hint : `check: ${hint}`;
}

/** The vault's name: the first label of a Key Vault host, else a placeholder. */
function vaultName(host: string | undefined): string {
  const name = host && /\.vault(core)?\./.test(host) ? host.split(".")[0] : undefined;
  return name && /^[0-9a-zA-Z-]{3,24}$/.test(name) ? name : "VAULT";
}

/**
 * The role the mode needs, as its `role` sentence (modes/<mode>/index.ts) names it in quotes,
 * and the secret permissions of the access policy it offers instead.
 */
function access(hint: string): { role: string; permissions: string } {
  const role = /"([^"]+)" role/.exec(hint)?.[1] ?? "Key Vault Secrets Officer";
  const policy = /access policy with secret ([^)]*)\)/.exec(hint)?.[1] ?? "get list set";
  const words = policy.match(/\b(get|list|set|delete|recover|backup|restore|purge)\b/g) ?? [];
  return { role, permissions: [...new Set(words)].join(" ") || "get list set" };
}

/**
 * A sentence for Key Vault's or ARM's code (inner code first), or undefined for one not known.
 * The hint is the connection's own sentence (most begin with "check") and the mode's role: it is
 * appended as it is, never after another "check".
 */
export function codeRemedy(
  status: number | undefined,
  code: string | undefined,
  innerCode: string | undefined,
  context: RemedyContext,
): string | undefined {
  const vault = vaultName(context.host);
  const scope = `$(az keyvault show --name ${vault} --query id -o tsv)`;
  const { role, permissions } = access(context.hint);
  switch (innerCode) {
    case "ForbiddenByFirewall":
      return `the vault's firewall refused this runner's network address: allow it (az keyvault network-rule add --name ${vault} --ip-address RUNNER_PUBLIC_IP), reach the vault through a private endpoint, or run on a runner inside an allowed network`;
    case "ForbiddenByRbac":
      return `the identity has no Azure role on the vault that allows this: assign "${role}" (az role assignment create --role "${role}" --assignee IDENTITY_OBJECT_ID --scope ${scope}); role assignments take a few minutes to apply`;
    case "ForbiddenByPolicy":
      // Key Vault says this when the only access policy entry that matches is a compound one
      // (an application on behalf of a user): it needs the on-behalf-of flow, which a pipeline's
      // identity never uses.
      return `the vault's access policy for the identity is a compound one (an application on behalf of a user), which needs an on-behalf-of token a pipeline cannot have: give the identity an entry of its own (az keyvault set-policy --name ${vault} --object-id IDENTITY_OBJECT_ID --secret-permissions ${permissions}), or move the vault to Azure RBAC`;
    case "AccessDenied":
      return `the vault's access policies do not give the identity this permission: add them (az keyvault set-policy --name ${vault} --object-id IDENTITY_OBJECT_ID --secret-permissions ${permissions}), or move the vault to Azure RBAC`;
    case "SecretDisabled":
      return "that secret's current version is disabled: enable it (az keyvault secret set-attributes --enabled true) or write a new version";
    case "ObjectIsDeletedButRecoverable":
      return "a soft-deleted secret of that name exists: recover it (recover-deleted: true, or az keyvault secret recover) or purge it first";
    case "ObjectIsBeingDeleted":
    case "ObjectIsBeingRecovered":
      return "an earlier delete or recover of that name is still being completed by the service: run again in a minute";
    default:
  }
  switch (code) {
    case "SecretNotFound":
      return "no secret of that name in the vault (names are compared without regard to case): check the name, or set ignore-not-found";
    case "Forbidden":
      return `the vault refused the identity: ${context.hint}`;
    case "Unauthorized":
      return `the vault did not accept the token: ${context.hint}`;
    case "BadParameter":
      return "the vault refused what was sent (a name, a tag, a content type or a date): check the entry's inputs against Key Vault's limits";
    case "Conflict":
      return "the vault reported a conflict with the secret's state (being deleted, recovered, or soft-deleted): run again, or recover or purge the deleted secret";
    case "Throttled":
      return "the vault throttled the requests beyond the retries: lower max-concurrency, or run again later";
    case "ResourceNotFound":
      return "ARM found no such resource: check workspace-name, resource-group and subscription-id";
    case "ResourceGroupNotFound":
      return "ARM knows no resource group of that name in this subscription: check resource-group and subscription-id";
    case "SubscriptionNotFound":
      return "ARM does not know that subscription: check subscription-id and that the identity has a role in it";
    case "AuthorizationFailed":
      return `the identity may not read the workspace or the vault resource: assign it Reader (or AzureML Data Scientist) on the workspace or its resource group; ${context.hint}`;
    case "InvalidAuthenticationToken":
    case "ExpiredAuthenticationToken":
    case "InvalidAuthenticationTokenTenant":
      return `ARM did not accept the token (wrong tenant or cloud, or expired): check the cloud and tenant of the connection; ${context.hint}`;
    default:
  }
  if (status === 401 || status === 403) return checkHint(context.hint);
  if (status === 404) return "not found: check the name and the vault";
  if (status !== undefined && status >= 500)
    return "the service failed: run again; if it persists, check the service's health";
  return undefined;
}

/** TLS errors that mean the certificate's chain is not trusted here. */
const untrustedCertificates = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_UNTRUSTED",
]);

/**
 * One sentence for a request that got no answer, by its socket or TLS code; `dialled` is what
 * the runner connected to (the proxy when one is in use, else the host).
 */
export function networkRemedy(
  code: string,
  dialled: { host?: string; proxy?: string; proxyStatus?: number },
): string | undefined {
  const target = dialled.proxy ? `the proxy ${dialled.proxy}` : (dialled.host ?? "the vault");
  // The proxy's own answers to the CONNECT (network.ts): the proxy is always the one dialled.
  const proxy = `the proxy${dialled.proxy ? ` ${dialled.proxy}` : ""}`;
  const tunnel = `the tunnel to ${dialled.host ?? "the vault"}`;
  if (code === "EPROXYAUTH")
    return `${proxy} refused ${tunnel} (407 Proxy Authentication Required): it refused the proxy user name and password given: check them (the agent's proxy settings, or the user and password in HTTPS_PROXY)`;
  if (code === "EPROXYAUTHREQUIRED")
    return `${proxy} refused ${tunnel} (407 Proxy Authentication Required): it asks for a user name and password, and none was given: give the proxy's credentials (the agent's proxy settings, or user:password in HTTPS_PROXY)`;
  if (code === "EPROXYREFUSED")
    return `${proxy} refused ${tunnel}${dialled.proxyStatus ? ` (${dialled.proxyStatus})` : ""}: check the proxy's rules for this host`;
  if (code === "EPROXYTIMEOUT")
    return `${proxy} did not answer the CONNECT to ${dialled.host ?? "the vault"} in time: check that the address is the proxy's and that it runs`;
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
    return dialled.proxy
      ? `the proxy's name ${dialled.proxy} could not be resolved (DNS): check the proxy's address and the runner's DNS`
      : `the name ${dialled.host ?? "of the vault"} could not be resolved (DNS): check the vault's name, the private endpoint's DNS zone (privatelink.vaultcore.azure.net) if the vault is private, and the runner's DNS`;
  }
  if (code === "ECONNREFUSED") {
    return dialled.proxy
      ? `${target} refused the connection: check that the proxy runs at that address`
      : `${target} refused the connection: check the address, and that the vault accepts this runner's network (public network access, firewall)`;
  }
  if (
    code === "ECONNRESET" ||
    code === "EPIPE" ||
    code === "ECONNABORTED" ||
    code === "UND_ERR_SOCKET"
  ) {
    return dialled.proxy
      ? `${target} dropped the connection: check the proxy's rules for this host`
      : `${target} dropped the connection: a firewall between the runner and the vault, or the vault's network rules, may drop this runner's traffic`;
  }
  if (code === "ETIMEDOUT")
    return `${target} did not accept the connection in time: check the network path (firewall, private endpoint, proxy)`;
  if (untrustedCertificates.has(code) || code === "CERT_HAS_EXPIRED")
    return `the certificate of ${target} is not trusted here: a TLS-inspecting proxy or a private CA needs its CA certificate in NODE_EXTRA_CA_CERTS (a PEM file)`;
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID")
    return `the certificate of ${target} does not name that host: check the address (a private endpoint is reached by the vault's own name)`;
  return undefined;
}
