/**
 * The table of modes. A mode is a folder of its own (`modes/<mode>/`) and one line here; the
 * composition root (run.ts) reads the inputs through this table and hands the job to the mode.
 */
import { inputFields, type InputReader } from "../inputs/fields.ts";
import { parseSettings, type Settings } from "../inputs/settings.ts";
import type { InputLabel, InputName } from "../platform.ts";
import { deleteMode } from "./delete/index.ts";
import { getMode } from "./get/index.ts";
import { listMode } from "./list/index.ts";
import { rotateMode } from "./rotate/index.ts";
import type { Mode, ModeRun } from "./mode.ts";
import { setMode } from "./set/index.ts";

/** Every mode by the name the `mode` input takes; the first is the default. */
const modes: Record<string, Mode> = {
  set: setMode,
  get: getMode,
  list: listMode,
  delete: deleteMode,
  rotate: rotateMode,
};

export const modeNames = Object.keys(modes) as [string, ...string[]];

export interface ParsedInputs {
  settings: Settings;
  mode: Mode;
  run: ModeRun;
  /** Every problem with the inputs, none of which stopped the parse. */
  problems: string[];
}

/** Reads every input through `read` (an empty input counts as not given). */
export function parseInputs(read: InputReader, label?: InputLabel): ParsedInputs {
  const fields = inputFields(read, label);
  const settings = parseSettings(fields, modeNames);
  const mode = modes[settings.mode] ?? setMode;
  fields.problems.push(...misplacedInputs(fields.text, fields.label, settings.mode));
  const run = mode.parse(fields, settings);
  return { settings, mode, run, problems: fields.problems };
}

/**
 * The modes that read each input of a mode's own (`Mode.inputs`), in the table's order, with
 * the value that means "not given". An input of no mode's table is read in every mode. The
 * task's `visibleRule`s are this table (test/system/input-names checks task.json against it).
 */
export function inputOwners(): Map<InputName, { modes: string[]; unset: string | null }> {
  const owners = new Map<InputName, { modes: string[]; unset: string | null }>();
  for (const [name, mode] of Object.entries(modes)) {
    for (const [input, unset] of Object.entries(mode.inputs) as [InputName, string | null][]) {
      const owner = owners.get(input) ?? { modes: [], unset };
      owner.modes.push(name);
      owners.set(input, owner);
    }
  }
  return owners;
}

/**
 * An input that belongs to other modes, given in this one: it would be silently ignored, and
 * the user believes it did something.
 */
function misplacedInputs(
  text: (name: InputName) => string | undefined,
  label: InputLabel,
  current: string,
): string[] {
  const owners = inputOwners();
  const problems: string[] = [];
  for (const [input, owner] of owners) {
    const value = text(input);
    if (value === undefined || owner.modes.includes(current)) continue;
    if (owner.unset !== null && value.toLowerCase() === owner.unset) continue;
    problems.push(
      `input ${label(input)} is for ${owner.modes.join(" and ")} mode (mode is ${current})`,
    );
  }
  return problems;
}
