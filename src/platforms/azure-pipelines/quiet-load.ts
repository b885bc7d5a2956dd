/**
 * Loads before the task library (task-lib.ts imports it first). While the library loads it reads
 * the agent's proxy and client-certificate settings and its endpoint authorizations, echoing
 * `##vso[task.debug]name=value` lines as it goes: `Agent.ProxyUrl` with a user and password
 * inside it, and whatever a later version of the library decides to echo. So for the length of
 * that load its output stream is pointed here, and only what is known to be harmless goes on:
 * no debug line at all (the task prints none of its own before it has loaded), and in any other
 * line every credential of the agent's environment is replaced. `loaded()` hands those
 * credentials back, for the agent's masker, before the task prints anything.
 */
import { Writable } from "node:stream";
import { _setStdStream } from "azure-pipelines-task-lib/internal.js";
import { agentCredentials } from "./agent-credentials.ts";

/** Read now: the library takes secret variables and endpoint authorizations out of the environment. */
const credentials = agentCredentials(process.env);

_setStdStream(
  new Writable({
    // The library writes each line whole, in one call.
    write(chunk: Buffer | string, _encoding, done) {
      const line = chunk.toString();
      if (!/^##vso\[task\.debug\]/i.test(line)) {
        let shown = line;
        for (const secret of credentials) shown = shown.split(secret).join("***");
        process.stdout.write(shown);
      }
      done();
    },
  }),
);

/** Gives the library its stdout back, once it has loaded; returns the credentials to mask. */
export function loaded(): string[] {
  _setStdStream(process.stdout);
  return credentials;
}
