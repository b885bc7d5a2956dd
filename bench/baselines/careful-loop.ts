/**
 * The careful loop: what a good user writes by hand, sequential as a plain script is. List the
 * vault once; for each mapped secret: listed and enabled, GET it and PUT only when the value
 * differs; listed but disabled (it cannot be read), PUT; not listed, PUT, and when that answers
 * that the name is soft-deleted, recover it (the SDK's poller) and PUT again.
 */
import { loopArguments, statusOf, report, type Counts } from "./mapping.ts";

async function main(): Promise<void> {
  const { client, entries } = loopArguments();
  const counts: Counts = { set: 0, unchanged: 0, recovered: 0, failed: 0 };
  const listed = new Map<string, boolean>();
  for await (const p of client.listPropertiesOfSecrets())
    listed.set(p.name.toLowerCase(), p.enabled !== false);
  for (const { name, value } of entries) {
    try {
      const enabled = listed.get(name.toLowerCase());
      if (enabled === true && (await client.getSecret(name)).value === value) {
        counts.unchanged += 1;
        continue;
      }
      try {
        await client.setSecret(name, value);
        counts.set += 1;
      } catch (e: unknown) {
        // 409 on a name the listing did not show: soft-deleted (ObjectIsDeletedButRecoverable).
        if (statusOf(e) !== 409) throw e;
        await (await client.beginRecoverDeletedSecret(name)).pollUntilDone();
        await client.setSecret(name, value);
        counts.recovered += 1;
      }
    } catch {
      counts.failed += 1;
    }
  }
  report(counts);
}

void main();
