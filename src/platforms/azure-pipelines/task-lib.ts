/**
 * The task library, loaded without echoing the agent's credentials (quiet-load.ts), which are
 * then masked before any line of the task is printed. Every module of the task takes the library
 * from here, so that this is where it loads first.
 */
import { loaded } from "./quiet-load.ts";
import * as tl from "azure-pipelines-task-lib";

// Line by line: the agent matches a secret within one line, and the library refuses a
// multi-line secret in one call.
for (const credential of loaded())
  for (const line of new Set(credential.split(/\r?\n/))) if (line.trim() !== "") tl.setSecret(line);

export { tl };
