/**
 * Reading inputs as typed fields: every problem is collected in `problems` (none stops the
 * parse), each naming the input the way the platform spells it, so that the step can report
 * them all together before any request.
 */
import type { InputLabel, InputName } from "../platform.ts";
import { parseDuration } from "./durations.ts";
import { didYouMean } from "./suggest.ts";

export type InputReader = (name: InputName) => string | undefined;

export interface InputFields {
  /** The input as given (untrimmed), or undefined. */
  raw: (name: InputName) => string | undefined;
  /** The trimmed input; an empty one counts as not given. */
  text: (name: InputName) => string | undefined;
  bool: (name: InputName, fallback: boolean) => boolean;
  choice: <T extends string>(name: InputName, allowed: readonly T[], fallback: T) => T;
  /** A duration (`90d`, `12h`) in milliseconds; undefined when not given or malformed. */
  duration: (name: InputName) => number | undefined;
  /** The platform's spelling of an input, for messages. */
  label: InputLabel;
  problems: string[];
}

export function inputFields(read: InputReader, label: InputLabel = (name) => name): InputFields {
  const problems: string[] = [];
  const text = (name: InputName): string | undefined => {
    const value = read(name)?.trim();
    return value === undefined || value === "" ? undefined : value;
  };
  return {
    raw: read,
    text,
    label,
    problems,
    bool(name, fallback) {
      const value = text(name);
      if (value === undefined) return fallback;
      if (/^true$/i.test(value)) return true;
      if (/^false$/i.test(value)) return false;
      problems.push(`input ${label(name)} must be true or false, not \`${value}\``);
      return fallback;
    },
    choice(name, allowed, fallback) {
      const value = text(name);
      if (value === undefined) return fallback;
      const found = allowed.find((a) => a === value.toLowerCase());
      if (found) return found;
      problems.push(
        `input ${label(name)} must be one of ${allowed.join(", ")}, not \`${value}\`${didYouMean(value, allowed)}`,
      );
      return fallback;
    },
    duration(name) {
      const value = text(name);
      if (value === undefined) return undefined;
      const ms = parseDuration(value);
      if (ms === undefined) {
        problems.push(
          `input ${label(name)} \`${value}\` is not a duration (e.g. 90d, 12h, 1d12h; units s, m, h, d, w)`,
        );
      }
      return ms;
    },
  };
}
