import type { InputName } from "../../core/platform.ts";
import { taskName } from "../inputs.ts";

/**
 * The task.json name of a SPEC input (`vault-url` -> `vaultUrl`); undefined when the task has
 * none (src/platforms/inputs.ts says which, and why).
 */
export function taskInputName(name: InputName): string | undefined {
  return taskName(name);
}

/** The service-connection input, the one input the task adds to the SPEC's list. */
export const serviceConnectionInput = "azureSubscription";
