/** What every mode works with once the inputs are valid and the vault is found. */
import type { SecretClient } from "@azure/keyvault-secrets";
import { errorMessage } from "../errors.ts";
import type { Settings } from "../inputs/settings.ts";
import type { Connection, Platform } from "../platform.ts";
import type { Progress } from "../report/progress.ts";
import type { Reporter } from "../report/reporter.ts";
import type { ResultRow } from "../report/result.ts";
import type { RequestGate } from "../vault/gate.ts";

export interface Job {
  platform: Platform;
  reporter: Reporter;
  settings: Settings;
  client: SecretClient;
  gate: RequestGate;
  /** How the step reaches Azure: rotate mode reaches the credentials' sources with it too. */
  connection: Connection;
  /** What a refused request should check: the credential, and the role the mode needs. */
  hint: string;
  /** Told of each entry as it finishes (and of how many there are, once known). */
  progress: Progress;
}

/**
 * Hands a value to later steps; when the platform refuses it (Azure Pipelines and a multi-line
 * secret variable), that secret fails with the platform's reason and the others go on.
 */
export function handOn(row: ResultRow, setOutput: () => void): ResultRow {
  try {
    setOutput();
    return row;
  } catch (e: unknown) {
    return { ...row, action: "failed", error: errorMessage(e) };
  }
}
