/**
 * Request gates for the get-mode tests: the `RequestGate` of src/core/requests.ts, reduced to
 * what these tests need to see (which secret each request was for, and in what order).
 */
import type { RequestGate } from "../../src/core/vault/gate.ts";

export interface RecordingGate extends RequestGate {
  /** `read:NAME` / `write:NAME` per request, in the order they were let through. */
  readonly calls: string[];
}

/** Lets every request through at once, recording which secret it was for. */
export function recordingGate(): RecordingGate {
  const calls: string[] = [];
  return {
    calls,
    read<T>(secret: string, op: () => Promise<T>): Promise<T> {
      calls.push(`read:${secret}`);
      return op();
    },
    write<T>(secret: string, op: () => Promise<T>): Promise<T> {
      calls.push(`write:${secret}`);
      return op();
    },
  };
}
