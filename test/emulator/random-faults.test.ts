// Random faults are transient, as on Key Vault: one request (method and path) meets at most
// `maxRandomFaultsInARow` of them in a row, so a client that retries converges for certain.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Faults, maxRandomFaultsInARow, requestKey } from "../../src/emulator/faults.ts";

const get = (name: string) => ({ method: "GET", segments: ["secrets", name] });

test("a request is faulted at most maxRandomFaultsInARow times in a row, then served", () => {
  const faults = new Faults({ throttleRate: 0.5 }, () => 0);
  const answers = Array.from({ length: maxRandomFaultsInARow + 2 }, () =>
    faults.vaultFault(false, "a", get("a")),
  );
  assert.deepEqual(
    answers.map((a) => a?.fault),
    [...Array<string>(maxRandomFaultsInARow).fill("random-429"), undefined, "random-429"],
  );
  // Another request keeps its own count.
  assert.equal(faults.vaultFault(false, "b", get("b"))?.fault, "random-429");
});

test("a rate of 1 is not random: every request is faulted, as a test of giving up needs", () => {
  const faults = new Faults({ throttleRate: 1 });
  for (let i = 0; i < 10; i += 1)
    assert.equal(faults.vaultFault(false, "a", get("a"))?.fault, "random-429");
});

test("5xx and dropped connections count toward the same request's run of faults", () => {
  const faults = new Faults({ serverErrorRate: 0.5, dropRate: 0.5 }, () => 0);
  const key = requestKey("PUT", ["secrets", "a"]);
  assert.equal(faults.drop(key), true);
  assert.equal(faults.drop(key), true);
  assert.match(
    faults.vaultFault(true, "a", { method: "PUT", segments: ["secrets", "a"] })?.fault ?? "",
    /^random-5/,
  );
  assert.equal(faults.drop(key), false);
  assert.equal(
    faults.vaultFault(true, "a", { method: "PUT", segments: ["secrets", "a"] }),
    undefined,
  );
});
