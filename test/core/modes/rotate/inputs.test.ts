// Rotate mode's inputs, parsed before any request: the lines (provider and option names without
// regard to case, comments, one line per secret), validity's bounds, https endpoints only.
import assert from "node:assert/strict";
import { test } from "node:test";
import { inputFields } from "../../../../src/core/inputs/fields.ts";
import type { InputName } from "../../../../src/core/platform.ts";
import { parseRotateInputs } from "../../../../src/core/modes/rotate/inputs.ts";

function parse(inputs: Partial<Record<InputName, string>>): {
  settings: ReturnType<typeof parseRotateInputs>;
  problems: string[];
} {
  const fields = inputFields((name) => inputs[name]);
  return { settings: parseRotateInputs(fields), problems: fields.problems };
}

test("lines: provider and option names in any case, comments, options kept by their tag names", () => {
  const { settings, problems } = parse({
    secrets: [
      "# storage first",
      "st-key: Storage-Account credentialid=key2 PROVIDERADDRESS=/subscriptions/s/x  # why",
      "",
      "app: entra-application ClientId=00000000-0000-0000-0000-000000000001",
      "tok: generate length=64 ValidityPeriodDays=7",
    ].join("\n"),
    "rotate-within": "30d",
    validity: "60d",
  });
  assert.deepEqual(problems, []);
  assert.deepEqual(
    settings.entries.map((e) => [e.vaultName, e.provider, e.options]),
    [
      [
        "st-key",
        "storage-account",
        { CredentialId: "key2", ProviderAddress: "/subscriptions/s/x" },
      ],
      ["app", "entra-application", { ClientId: "00000000-0000-0000-0000-000000000001" }],
      ["tok", "generate", { Length: "64", ValidityPeriodDays: "7" }],
    ],
  );
  assert.equal(settings.rotateWithinMs, 30 * 86_400_000);
  assert.equal(settings.validityMs, 60 * 86_400_000);
});

test("every problem at once: a name twice, an option given twice, validity's bounds, http endpoints", () => {
  const { problems } = parse({
    secrets:
      "a: generate\nA: generate\nb: generate Length=20 length=30\nc: generate ValidityPeriodDays=0",
    validity: "12h",
    "graph-url": "http://graph.example",
    "authority-host": "not a url",
  });
  assert.deepEqual(problems, [
    "secrets line 2: `A` is already rotated on line 1 (vault names are compared without regard to case)",
    "secrets line 3: Length is given twice",
    "secrets line 4: ValidityPeriodDays `0` must be a whole number of days from 1 to 730",
    "input validity must be from 1d to 730d, not `12h`",
    "input graph-url `http://graph.example` must be an https URL",
    "input authority-host `not a url` must be an https URL",
  ]);
});

test("no lines: says what to write", () => {
  assert.deepEqual(parse({}).problems, [
    "input secrets names nothing to rotate: write `vault-name: PROVIDER` lines (storage-account, entra-application, generate)",
  ]);
});
