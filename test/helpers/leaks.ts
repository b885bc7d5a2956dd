/**
 * The leak canary. Every value a test hands to aml-secrets carries a random canary;
 * `assertNoLeaks` fails when a value, one of its lines, or its base64, JSON-escaped or
 * URL-encoded form appears anywhere but in the platform's mask command.
 * Scenarios also record what they saw (`recordScenario`) so the final sweep
 * (test/sweep/leak-sweep.test.ts) can search everything the suite produced in one place.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

export type MaskDialect = "github" | "azure-pipelines" | "none";

/** A fresh random marker to put inside a test value. */
export function canary(): string {
  return `cnry${randomBytes(8).toString("hex")}`;
}

/** A secret value for a test: `label` plus a canary, e.g. `db-pass-cnry0a1b…`. */
export function secretValue(label = "value"): string {
  return `${label}-${canary()}`;
}

/** A PEM as a user keeps it: several lines, canaries, and the final newline. */
export function pemValue(): string {
  const body =
    randomBytes(120)
      .toString("base64")
      .match(/.{1,64}/g) ?? [];
  return `-----BEGIN PRIVATE KEY-----\n${body.join("\n")}\n${canary()}${canary()}\n-----END PRIVATE KEY-----\n`;
}

/** Every form in which a leaked value could show up. */
export function leakForms(value: string): { form: string; text: string }[] {
  const forms = [
    { form: "raw", text: value },
    { form: "base64", text: Buffer.from(value, "utf8").toString("base64") },
    { form: "json", text: JSON.stringify(value).slice(1, -1) },
    { form: "url", text: encodeURIComponent(value) },
  ];
  for (const line of value.split(/\r?\n|\r/)) {
    if (line.length >= 8 && line !== value) forms.push({ form: "line", text: line });
  }
  // A form too short or too common to search for would only find noise.
  return forms.filter(
    (f, i, all) => f.text.length >= 8 && all.findIndex((g) => g.text === f.text) === i,
  );
}

const maskCommand: Record<MaskDialect, RegExp | undefined> = {
  github: /^::add-mask::/,
  "azure-pipelines": /^##vso\[task\.setsecret\]/,
  none: undefined,
};

/** The text with the platform's mask-command lines taken out (the one place a value may appear). */
export function withoutMaskCommands(text: string, dialect: MaskDialect): string {
  const pattern = maskCommand[dialect];
  if (!pattern) return text;
  return text
    .split("\n")
    .filter((line) => !pattern.test(line.replace(/^\uFEFF/, "")))
    .join("\n");
}

export interface Leak {
  where: string;
  form: string;
  valueHint: string;
}

/** Every appearance of a value (in any form) in the named texts, outside mask commands. */
export function findLeaks(
  texts: Record<string, string>,
  values: readonly string[],
  dialect: MaskDialect,
): Leak[] {
  const leaks: Leak[] = [];
  for (const [where, text] of Object.entries(texts)) {
    const searched = withoutMaskCommands(text, dialect);
    for (const value of values) {
      for (const { form, text: needle } of leakForms(value)) {
        if (searched.includes(needle)) leaks.push({ where, form, valueHint: hint(value) });
      }
    }
  }
  return leaks;
}

/** Fails with a list of leaks that never prints the values themselves. */
export function assertNoLeaks(
  texts: Record<string, string>,
  values: readonly string[],
  dialect: MaskDialect,
): void {
  const leaks = findLeaks(texts, values, dialect);
  assert.deepEqual(
    leaks.map((l) => `${l.form} form of ${l.valueHint} in ${l.where}`),
    [],
    "a value leaked",
  );
}

/** A value's canary, to name it in a failure without printing it. */
function hint(value: string): string {
  const found = /cnry[0-9a-f]{4}/.exec(value);
  return found ? `the value with canary ${found[0]}…` : `a value of ${value.length} characters`;
}

/**
 * Saves what a scenario printed and wrote, with its values, for the final sweep.
 * Does nothing when the suite runs without an artifacts folder.
 */
export function recordScenario(
  name: string,
  texts: Record<string, string>,
  values: readonly string[],
  dialect: MaskDialect,
): void {
  const dir = process.env.AML_TEST_ARTIFACTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  const file = path.join(
    dir,
    `${name.replace(/[^\w.-]+/g, "_")}-${randomBytes(4).toString("hex")}.json`,
  );
  writeFileSync(file, JSON.stringify({ name, texts, values, dialect }));
}
