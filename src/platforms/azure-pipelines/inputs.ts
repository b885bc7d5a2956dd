import type { InputName } from "../../core/platform.ts";

/**
 * The SPEC inputs that Azure Pipelines does not take as task inputs: the subscription comes
 * from the service connection, and values always become secret variables (no `export-env`).
 */
const notTaskInputs: ReadonlySet<InputName> = new Set(["subscription-id", "export-env"]);

/** The task.json name of a SPEC input (`vault-url` -> `vaultUrl`); undefined when the task has none. */
export function taskInputName(name: InputName): string | undefined {
  if (notTaskInputs.has(name)) return undefined;
  return name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** The service-connection input, the one input the task adds to the SPEC's list. */
export const serviceConnectionInput = "azureSubscription";
