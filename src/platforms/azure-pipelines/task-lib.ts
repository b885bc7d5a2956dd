/**
 * The task library, loaded without echoing the agent's proxy and client-certificate passwords
 * (quiet-load.ts). Every module of the task takes the library from here, so that this is where it
 * loads first.
 */
import { loaded } from "./quiet-load.ts";
import * as tl from "azure-pipelines-task-lib";

loaded();

export { tl };
