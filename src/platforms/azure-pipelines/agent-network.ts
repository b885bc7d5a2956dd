/**
 * The agent's proxy and certificates, as the agent hands them to every task and the task library
 * reads them (`getHttpProxyConfiguration`, `getHttpCertConfiguration`): `Agent.ProxyUrl`,
 * `Agent.ProxyUsername`, `Agent.ProxyPassword`, `Agent.ProxyBypassList` (a JSON array of regular
 * expressions), `Agent.CAInfo` (a PEM file), `Agent.ClientCert` + `Agent.ClientCertKey` (PEM files)
 * or `Agent.ClientCertArchive` (PKCS#12), `Agent.ClientCertPassword`.
 */
import { readFileSync } from "node:fs";
import { errorMessage } from "../../core/errors.ts";
import type { NetworkSettings, ProxySettings, TlsSettings } from "../../core/vault/network.ts";
import { quietly } from "./quiet-reads.ts";
import { tl } from "./task-lib.ts";

export interface AgentNetwork {
  /** Undefined when the agent names no proxy and no certificate: the SDK's transport is used. */
  settings?: NetworkSettings;
  /** The proxy and client-certificate passwords: masked before anything else is printed. */
  secrets: string[];
  /** What is wrong with the settings (a file that cannot be read, a bad URL or pattern). */
  problems: string[];
}

/** Reads the agent's settings, printing nothing. */
export function readAgentNetwork(): AgentNetwork {
  const problems: string[] = [];
  const proxy = readProxy(problems);
  const certs = quietly(() => tl.getHttpCertConfiguration());
  // Masked whatever else is wrong with the settings.
  const secrets = ["Agent.ProxyPassword", "Agent.ClientCertPassword"]
    .map((name) => quietly(() => tl.getVariable(name)))
    .filter((s): s is string => !!s);
  const settings: NetworkSettings = {};
  if (proxy) {
    const parsed = proxySettings(proxy, problems);
    if (parsed) settings.proxy = parsed;
  }
  if (certs) settings.tls = tlsSettings(certs, problems);
  const given = settings.proxy !== undefined || settings.tls !== undefined;
  return { ...(given ? { settings } : {}), secrets, problems };
}

/** The library parses `Agent.ProxyBypassList` as JSON, and throws when it is not. */
function readProxy(problems: string[]): tl.ProxyConfiguration | null {
  try {
    return quietly(() => tl.getHttpProxyConfiguration());
  } catch (e: unknown) {
    problems.push(
      `the agent's proxy bypass list (Agent.ProxyBypassList) is not a JSON array: ${errorMessage(e)}`,
    );
    return null;
  }
}

function proxySettings(
  config: tl.ProxyConfiguration,
  problems: string[],
): ProxySettings | undefined {
  let url: URL;
  try {
    url = new URL(config.proxyUrl);
  } catch {
    problems.push(`the agent's proxy (Agent.ProxyUrl) ${config.proxyUrl} is not a URL`);
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    problems.push(`the agent's proxy (Agent.ProxyUrl) ${url.origin} must be an http or https URL`);
    return undefined;
  }
  const bypass: RegExp[] = [];
  for (const pattern of config.proxyBypassHosts ?? []) {
    try {
      // The task library's own test: case-insensitive, anywhere in the request URL.
      bypass.push(new RegExp(pattern, "i"));
    } catch {
      problems.push(
        `the agent's proxy bypass list (Agent.ProxyBypassList) has ${pattern}, which is not a regular expression`,
      );
    }
  }
  return {
    url: `${url.protocol}//${url.host}`,
    ...(config.proxyUsername ? { username: config.proxyUsername } : {}),
    ...(config.proxyPassword ? { password: config.proxyPassword } : {}),
    bypass,
  };
}

function tlsSettings(config: tl.CertConfiguration, problems: string[]): TlsSettings {
  const read = (file: string, what: string): Buffer | undefined => {
    try {
      return readFileSync(file);
    } catch (e: unknown) {
      problems.push(`the agent's ${what} ${file} cannot be read: ${errorMessage(e)}`);
      return undefined;
    }
  };
  const settings: TlsSettings = {};
  if (config.caFile) {
    const ca = read(config.caFile, "CA certificate file (Agent.CAInfo)");
    // Node's `ca` replaces its default store, NODE_EXTRA_CA_CERTS included: that file stays trusted.
    const extra = process.env.NODE_EXTRA_CA_CERTS;
    const nodeExtra = extra ? read(extra, "NODE_EXTRA_CA_CERTS file") : undefined;
    settings.ca = [ca, nodeExtra].flatMap((pem) => (pem ? [pem.toString("utf8")] : []));
  }
  if (config.certFile && config.keyFile) {
    const cert = read(config.certFile, "client certificate (Agent.ClientCert)");
    const key = read(config.keyFile, "client certificate key (Agent.ClientCertKey)");
    if (cert) settings.cert = cert.toString("utf8");
    if (key) settings.key = key.toString("utf8");
  } else if (config.certArchiveFile) {
    const pfx = read(
      config.certArchiveFile,
      "client certificate archive (Agent.ClientCertArchive)",
    );
    if (pfx) settings.pfx = pfx;
  } else if (config.certFile) {
    problems.push(
      "the agent has a client certificate (Agent.ClientCert) but neither its key (Agent.ClientCertKey) nor an archive (Agent.ClientCertArchive)",
    );
  }
  if ((settings.pfx || settings.key) && config.passphrase) settings.passphrase = config.passphrase;
  return settings;
}
