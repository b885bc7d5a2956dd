/**
 * A set run long enough to watch: many secrets, an emulator that answers slowly (its latency),
 * and a process handle, so that a test can see progress before the end or cancel the run midway
 * the way the runner and the agent do (a signal to the step's process).
 */
import type { ChildProcess } from "node:child_process";
import { unique } from "./emulator.ts";
import { secretValue } from "./leaks.ts";

export interface BulkEntry {
  name: string;
  variable: string;
  value: string;
}

/** `count` secrets with unique names (`bulk-<id>-1` ...) and canary values. */
export function bulkEntries(count: number): BulkEntry[] {
  const id = unique();
  return Array.from({ length: count }, (_, i) => ({
    name: `bulk-${id}-${i + 1}`,
    variable: `BULK_${id.toUpperCase()}_${i + 1}`,
    value: secretValue(`bulk-${i + 1}`),
  }));
}

export function bulkMapping(entries: BulkEntry[]): string {
  return entries.map((e) => `${e.name}: ${e.variable}`).join("\n");
}

export function bulkValues(entries: BulkEntry[]): Record<string, string> {
  return Object.fromEntries(entries.map((e) => [e.variable, e.value]));
}

/**
 * Sends `signal` to the step's process once the emulator has answered `writes` secret writes:
 * pass `onLog` to the emulator and `onSpawn` to the runner helper.
 */
export function signalAfterWrites(
  writes: number,
  signal: NodeJS.Signals,
): { onLog: (line: string) => void; onSpawn: (child: ChildProcess) => void; sent: () => boolean } {
  let child: ChildProcess | undefined;
  let seen = 0;
  let sent = false;
  return {
    onLog(line) {
      if (!/^PUT \/secrets\/\S+ 200 secret-write$/.test(line)) return;
      seen += 1;
      if (seen >= writes && !sent && child) {
        sent = true;
        child.kill(signal);
      }
    },
    onSpawn: (c) => (child = c),
    sent: () => sent,
  };
}
