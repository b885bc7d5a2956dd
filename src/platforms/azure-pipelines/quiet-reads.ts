import { Writable } from "node:stream";
import { tl } from "./task-lib.ts";
import { authParameters, dataParameters, type ServiceEndpoint } from "./service-endpoint.ts";

/** Swallows what the task library writes while it is pointed here. */
const sink = new Writable({
  write(_chunk, _encoding, done) {
    done();
  },
});

/**
 * Runs one read of the task library with its output swallowed. Its readers (`getInput`,
 * `getVariable`, `getVariables`, `getEndpoint*`) echo `name=value` as `##vso[task.debug]` lines,
 * secret values included (the agent would mask those it knows, but nothing else should rely on
 * that, and a value mapped from a plain variable is not one it knows). The library writes
 * synchronously through the stream that `setStdStream` names, so pointing it at a sink for the
 * length of a synchronous read drops exactly those lines and nothing else.
 */
export function quietly<T>(read: () => T): T {
  tl.setStdStream(sink);
  try {
    return read();
  } finally {
    tl.setStdStream(process.stdout);
  }
}

/** Reads the service connection named by `id`, printing nothing. */
export function readServiceEndpoint(id: string): ServiceEndpoint {
  return quietly(() => {
    const scheme = tl.getEndpointAuthorizationScheme(id, true);
    const endpoint: ServiceEndpoint = {
      id,
      url: tl.getEndpointUrl(id, true),
      scheme,
      auth: {},
      data: {},
      oidcRequestUri: process.env.SYSTEM_OIDCREQUESTURI,
    };
    for (const key of authParameters)
      endpoint.auth[key] = tl.getEndpointAuthorizationParameter(id, key, true);
    for (const key of dataParameters)
      endpoint.data[key] = tl.getEndpointDataParameter(id, key, true);
    // Only a federated connection needs the job's token; it is not read (nor masked) otherwise.
    if (scheme?.toLowerCase() === "workloadidentityfederation") {
      endpoint.systemAccessToken =
        tl.getEndpointAuthorizationParameter("SystemVssConnection", "AccessToken", true) ??
        tl.getVariable("System.AccessToken");
    }
    return endpoint;
  });
}
