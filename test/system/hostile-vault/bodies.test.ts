// What a hostile vault answers never reaches a message: malformed JSON with a 200, a 500 that
// carries a value, a body cut mid-value, command syntax in its error messages, a value that is
// not valid UTF-16. Each through the three bundles as their platforms run them.
import assert from "node:assert/strict";
import { test } from "node:test";
import { unique } from "../../helpers/emulator.ts";
import { canary, secretValue } from "../../helpers/leaks.ts";
import {
  allText,
  assertFailed,
  checkLeaks,
  hostileVaultPerFile,
  platforms,
  runStep,
} from "./steps.ts";

const started = hostileVaultPerFile();

for (const platform of platforms) {
  void test(`${platform}: get prints nothing of a malformed 200, a 500's message, a body cut mid-value or a value that is no string`, async () => {
    const id = unique();
    const good = secretValue("good");
    // Values the step never learns: nothing masks or redacts them, so nothing may show them.
    const unread = {
      malformed: secretValue("malformed"),
      error500: secretValue("error500"),
      text500: secretValue("text500"),
      cut: `${canary()}-${canary()}-${canary()}`,
      object: secretValue("object"),
    };
    started().vault.secret(`good-${id}`, { kind: "value", value: good });
    started().vault.secret(`malformed-${id}`, {
      kind: "raw",
      status: 200,
      contentType: "application/json; charset=utf-8",
      body: `{"value":"${unread.malformed}", "id": oops`,
    });
    started().vault.secret(`error500-${id}`, {
      kind: "error",
      status: 500,
      code: "InternalError",
      message: `could not decrypt ${unread.error500}`,
    });
    started().vault.secret(`text500-${id}`, {
      kind: "raw",
      status: 500,
      contentType: "text/plain",
      body: `stack trace: value=${unread.text500}`,
    });
    started().vault.secret(`cut-${id}`, { kind: "cut", value: unread.cut });
    started().vault.secret(`object-${id}`, {
      kind: "raw",
      status: 200,
      contentType: "application/json",
      body: JSON.stringify({
        value: { nested: unread.object },
        id: `${started().vault.url}/secrets/object-${id}/1`,
      }),
    });
    const names = ["good", "malformed", "error500", "text500", "cut", "object"].map(
      (n) => `${n}-${id}`,
    );

    const outcome = await runStep(platform, started().emulator, {
      mode: "get",
      secrets: names.join("\n"),
      vault: { url: started().vault.url },
    });

    assertFailed(outcome);
    assert.deepEqual(
      outcome.rows.map((r) => [r.name, r.action]),
      names.map((n) => [n, n.startsWith("good-") ? "read" : "failed"]),
      outcome.describe,
    );
    // The good one is handed on all the same.
    assert.ok(Object.values(outcome.values).includes(good), outcome.describe);
    // The first canary of the cut value is all of its first half that is worth searching for.
    const prefix = unread.cut.slice(0, 20);
    checkLeaks("get bodies", outcome, [good, ...Object.values(unread), prefix]);
    const malformed = outcome.rows.find((r) => r.name === `malformed-${id}`);
    assert.match(malformed?.error ?? "", /200/, "the status is named");
    assert.match(malformed?.error ?? "", /application\/json/, "the content type is named");
    assert.match(malformed?.error ?? "", /\d+ bytes/, "the length is named");
  });

  void test(`${platform}: set mode's comparing read prints nothing of a malformed answer`, async () => {
    const id = unique();
    const current = secretValue("current");
    const mine = secretValue("mine");
    started().vault.secret(
      `compare-${id}`,
      {
        kind: "raw",
        status: 200,
        contentType: "application/json",
        body: `{"value":"${current}"`,
      },
      { kind: "value", value: mine },
    );
    const variable = `COMPARE_${id.toUpperCase()}`;
    const outcome = await runStep(platform, started().emulator, {
      mode: "set",
      secrets: `compare-${id}: ${variable}`,
      variables: { [variable]: mine },
      vault: { url: started().vault.url },
    });
    assertFailed(outcome);
    checkLeaks("set compare", outcome, [current, mine]);
  });

  void test(`${platform}: runner and agent commands in a vault's error message are broken up`, async () => {
    const id = unique();
    const name = `commands-${id}`;
    started().vault.secret(name, {
      kind: "error",
      status: 400,
      code: "BadParameter",
      message: [
        "refused",
        "::set-output name=pwned1::1",
        "##[set-output name=pwned2;]2",
        "x ##vso[task.setvariable variable=pwned3]3",
        " ::warning::pwned4\r::error::pwned5\u0085::debug::pwned6\u2028##[error]pwned7",
      ].join("\n"),
    });
    const outcome = await runStep(platform, started().emulator, {
      mode: "get",
      secrets: name,
      vault: { url: started().vault.url },
    });
    assertFailed(outcome);
    assert.deepEqual(outcome.injected, [], outcome.describe);
    const text = allText(outcome);
    for (const syntax of ["::set-output", "##[", "##vso[task.setvariable variable=pwned"]) {
      assert.ok(!text.includes(syntax), `${syntax} reached the step's output; ${outcome.describe}`);
    }
    assert.deepEqual(
      Object.keys(outcome.values).filter((n) => /pwned/i.test(n)),
      [],
      outcome.describe,
    );
    checkLeaks("commands", outcome, []);
  });

  void test(`${platform}: a value that is not valid UTF-16 is handed on, and the run goes on`, async () => {
    const id = unique();
    const marker = canary();
    const value = `\udc00${marker}\ud800`;
    const other = secretValue("other");
    started().vault.secret(`surrogate-${id}`, { kind: "value", value });
    started().vault.secret(`other-${id}`, { kind: "value", value: other });
    const outcome = await runStep(platform, started().emulator, {
      mode: "get",
      secrets: `surrogate-${id}\nother-${id}`,
      vault: { url: started().vault.url },
    });
    assert.ok(outcome.ok, outcome.describe);
    // Byte for byte where the format can carry it (the CLI's JSON file); where the platform
    // carries text as UTF-8 (outputs, variables), a lone surrogate can only be U+FFFD.
    const handed = Object.values(outcome.values);
    assert.ok(
      handed.includes(value) || handed.includes(`\ufffd${marker}\ufffd`),
      `the value is handed on; ${outcome.describe}`,
    );
    assert.ok(Object.values(outcome.values).includes(other), outcome.describe);
    checkLeaks("surrogate", outcome, [marker, other]);
  });
}
