/**
 * What a mode is to the composition root (run.ts): the inputs it reads, the vault role it
 * needs, and, once its own inputs are parsed, what it does before any request and with the vault.
 */
import type { InputFields } from "../inputs/fields.ts";
import type { Settings } from "../inputs/settings.ts";
import type { InputName, Platform } from "../platform.ts";
import type { Reporter } from "../report/reporter.ts";
import type { ResultRow } from "../report/result.ts";
import type { Job } from "./job.ts";

export interface Mode {
  /**
   * The inputs only this mode reads, each with the value that means "not given" (the action's
   * defaults reach the step as values), or `null` when any value is one given.
   */
  inputs: Partial<Record<InputName, string | null>>;
  /** What a refused vault request should check besides the credential: the role the mode needs. */
  role: string;
  /** List mode's report: the `names` output, and a summary of attributes. */
  listing?: boolean;
  /** Parses the mode's own inputs; their problems go to `fields.problems`. */
  parse(fields: InputFields, settings: Settings): ModeRun;
}

/** One run of a mode, its inputs parsed. */
export interface ModeRun {
  /** Plans only: nothing is written (set and delete modes). */
  dryRun: boolean;
  /**
   * What must come before any request, with the problems it found (set mode reads and masks
   * its values here: nothing may be printed before every value is masked).
   */
  prepare?(context: { platform: Platform; reporter: Reporter }): string[];
  run(job: Job): Promise<ResultRow[]>;
}
