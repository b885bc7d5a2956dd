// The stand-in for the global FormData in the Azure SDK's body check (src/shims/form-data.ts):
// the same answer as the global for every body, and the global read only for a FormData.
import assert from "node:assert/strict";
import { test } from "node:test";
import { FormData as shim } from "../../src/shims/form-data.ts";

const Real = globalThis.FormData;
class SubForm extends Real {}

/** Runs `fn` with reads of the global FormData counted. */
function countingReads(fn: () => void): number {
  const descriptor = Object.getOwnPropertyDescriptor(globalThis, "FormData");
  assert.ok(descriptor?.configurable);
  let reads = 0;
  Object.defineProperty(globalThis, "FormData", {
    configurable: true,
    get: () => {
      reads += 1;
      return Real;
    },
  });
  try {
    fn();
  } finally {
    Object.defineProperty(globalThis, "FormData", descriptor);
  }
  return reads;
}

const notForms: unknown[] = [
  undefined,
  null,
  "",
  '{"value":"x"}',
  42,
  Buffer.from("x"),
  new Uint8Array(2),
  new URLSearchParams("a=1"),
  new Blob(["x"]),
  { entries: () => [] },
  () => undefined,
  [],
];

test("the answer is the global's own: a FormData (or a subclass's) is one, any other body is not", () => {
  const form = new Real();
  form.append("a", "1");
  for (const value of [form, new SubForm()]) {
    assert.equal(value instanceof shim, true);
    assert.equal(value instanceof Real, true);
  }
  for (const value of notForms) {
    assert.equal(value instanceof shim, value instanceof Real, String(value));
    assert.equal(value instanceof shim, false);
  }
  // Says it is one and is not: the global has the last word.
  const impostor = { [Symbol.toStringTag]: "FormData" };
  assert.equal(impostor instanceof shim, false);
});

test("the global is read for a body that says it is a FormData, and for nothing else", () => {
  assert.equal(
    countingReads(() => {
      for (const value of notForms) void (value instanceof shim);
    }),
    0,
  );
  const form = new Real();
  assert.equal(
    countingReads(() => void (form instanceof shim)),
    1,
  );
});

test("the SDK's check reads as it did: typeof says it is there", () => {
  // `typeof FormData !== "undefined" && body instanceof FormData`, with the shim as FormData.
  const check = (body: unknown): boolean => typeof shim !== "undefined" && body instanceof shim;
  assert.equal(check(new Real()), true);
  assert.equal(check("text"), false);
});
