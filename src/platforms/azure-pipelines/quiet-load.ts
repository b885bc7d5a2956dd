/**
 * Loads before the task library (task-lib.ts imports it first). When the library is first
 * imported it reads the agent's proxy and client-certificate settings, and its variable reader
 * echoes each as a `##vso[task.debug]name=value` line: `Agent.ProxyPassword` and
 * `Agent.ClientCertPassword` included, before any code of the task has run. Its output stream is
 * pointed here for the length of that load, and exactly those two lines are dropped; every other
 * line goes on to stdout unchanged.
 */
import { Writable } from "node:stream";
import { _setStdStream } from "azure-pipelines-task-lib/internal.js";

const secretEcho = /^##vso\[task\.debug\]Agent\.(ProxyPassword|ClientCertPassword)=/i;

_setStdStream(
  new Writable({
    // The library writes each line whole, in one call.
    write(chunk: Buffer | string, _encoding, done) {
      if (!secretEcho.test(chunk.toString())) process.stdout.write(chunk);
      done();
    },
  }),
);

/** Gives the library its stdout back, once it has loaded. */
export function loaded(): void {
  _setStdStream(process.stdout);
}
