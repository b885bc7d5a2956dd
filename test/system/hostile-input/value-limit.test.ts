// Key Vault's value limit counted in UTF-8 bytes, at the byte: a value of exactly the limit is
// written byte for byte, one byte more is a named problem before any request.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { limits } from "../../../src/core/inputs/limits.ts";

import { emulatorPerFile } from "../../helpers/emulator.ts";
import { runCore } from "../../helpers/core-run.ts";
import { valueOfBytes } from "./hostile-values.ts";

const emu = emulatorPerFile();

const unique = (): string => randomBytes(3).toString("hex").toUpperCase();

void test("a value of exactly the limit in bytes (fewer characters) is written byte for byte", async () => {
  const variable = `AT_LIMIT_${unique()}`;
  const value = valueOfBytes(limits.valueBytes);
  assert.equal(Buffer.byteLength(value, "utf8"), limits.valueBytes);
  assert.ok(value.length < limits.valueBytes, "multi-byte characters: fewer characters than bytes");
  const { outcome, platform } = await runCore(
    emu(),
    "value-at-limit",
    { secrets: variable },
    {
      [variable]: value,
    },
  );
  assert.equal(outcome.status, "ok", platform.failures().join("\n"));
  const stored = emu().versions(variable.replace(/_/g, "-").toLowerCase()).at(-1)?.value;
  assert.ok(stored === value, "stored byte for byte");
});

void test("one byte over the limit is a problem naming the variable and both sizes, and nothing is sent", async () => {
  const variable = `OVER_LIMIT_${unique()}`;
  const value = valueOfBytes(limits.valueBytes + 1);
  const before = emu().requests.length;
  const { outcome, platform } = await runCore(
    emu(),
    "value-over-limit",
    { secrets: variable },
    {
      [variable]: value,
    },
  );
  assert.equal(outcome.status, "invalid");
  assert.deepEqual(emu().requests.slice(before), []);
  assert.deepEqual(platform.problems(), [
    `secrets line 1: variable ${variable}'s value is ${limits.valueBytes + 1} bytes (Key Vault allows at most ${limits.valueBytes})`,
  ]);
});
