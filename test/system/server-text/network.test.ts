// A request that gets no answer (a name that does not resolve, a port nobody listens on, a proxy
// that is not there) is told in one line, by the product: what happened and what to do, naming
// the proxy when the runner dialled one; never the socket's raw code alone, and not once per
// retry. Through the three bundles, with the emulator's identity for tokens.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { after, before, test } from "node:test";
import { startEmulator, type Emulator } from "../../../src/emulator/index.ts";
import { unique } from "../../helpers/emulator.ts";
import { secretValue } from "../../helpers/leaks.ts";
import { allText, assertFailed, checkLeaks, platforms, runStep } from "../hostile-vault/steps.ts";

let emulator: Emulator;
before(async () => {
  emulator = await startEmulator();
});
after(async () => {
  await emulator.stop();
});

/** A loopback port that was free a moment ago and that nobody listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.ok(address && typeof address === "object");
  return address.port;
}

interface Case {
  name: string;
  url: () => Promise<string>;
  env?: () => Promise<Record<string, string>>;
  /** What the one line says happened, and what it says to do. */
  said: RegExp;
  remedy: RegExp;
}

const cases: Case[] = [
  {
    name: "a vault name that does not resolve",
    url: () => Promise.resolve(`https://nosuchvault-${randomBytes(6).toString("hex")}.invalid`),
    said: /the name nosuchvault-[0-9a-f]{12}\.invalid could not be resolved \(DNS\)/,
    remedy: /check the vault's name/,
  },
  {
    name: "a vault port nobody listens on",
    url: async () => `https://127.0.0.1:${await closedPort()}`,
    said: /127\.0\.0\.1:\d+ refused the connection/,
    remedy: /check the address/,
  },
  {
    name: "HTTPS_PROXY at a port nobody listens on",
    url: () => Promise.resolve(emulator.vaultUrl),
    env: async () => {
      const proxy = `http://127.0.0.1:${await closedPort()}`;
      return { HTTPS_PROXY: proxy, https_proxy: proxy };
    },
    said: /the proxy 127\.0\.0\.1:\d+ refused the connection/,
    remedy: /check that the proxy runs at that address/,
  },
];

for (const platform of platforms) {
  for (const c of cases) {
    void test(`${platform}: ${c.name} is told in one line, with what to do`, async () => {
      const name = `net-${unique()}`;
      const variable = name.replace(/-/g, "_").toUpperCase();
      const value = secretValue("network");
      const outcome = await runStep(platform, emulator, {
        mode: "set",
        secrets: `${name}: ${variable}`,
        variables: { [variable]: value },
        vault: { url: await c.url() },
        requestTimeout: "5s",
        ...(c.env ? { env: await c.env() } : {}),
      });
      assertFailed(outcome);
      checkLeaks(`network ${c.name}`, outcome, [value]);
      // The failure as the platform shows it lists the secret once, in one line that says what
      // happened and what to do; no line names the socket's code more than once (it was the
      // raw `getaddrinfo ENOTFOUND` three times over).
      const listed = outcome.failure.split("\n").filter((l) => l.startsWith(`- ${name}:`));
      assert.equal(listed.length, 1, `the secret listed once:\n${outcome.failure}`);
      assert.match(listed[0] ?? "", c.said, outcome.describe);
      assert.match(listed[0] ?? "", c.remedy, outcome.describe);
      for (const line of allText(outcome).split("\n"))
        for (const code of ["ENOTFOUND", "ECONNREFUSED", "getaddrinfo"])
          assert.ok(line.split(code).length <= 2, `${code} more than once in: ${line}`);
    });
  }
}
