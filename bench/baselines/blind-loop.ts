/**
 * The blind loop: what a user writes first. One awaited `setSecret` per secret, in order,
 * always (a new version of an unchanged value too); a soft-deleted name fails (409).
 */
import { loopArguments, report, type Counts } from "./mapping.ts";

async function main(): Promise<void> {
  const { client, entries } = loopArguments();
  const counts: Counts = { set: 0, unchanged: 0, recovered: 0, failed: 0 };
  for (const { name, value } of entries) {
    try {
      await client.setSecret(name, value);
      counts.set += 1;
    } catch {
      counts.failed += 1;
    }
  }
  report(counts);
}

void main();
