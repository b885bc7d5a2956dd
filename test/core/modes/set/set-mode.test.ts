import assert from "node:assert/strict";
import { test } from "node:test";

import { realisticDelays } from "../../../../src/emulator/index.ts";
import { emulatorPerFile, uniqueName } from "../../../helpers/emulator.ts";
import { secretValue } from "../../../helpers/leaks.ts";
import { credentialHint, runCore, writes } from "../../../helpers/core-run.ts";

const emu = emulatorPerFile();

/** A variable name and the vault name derived from it, unique to this test. */
function names(label: string): { variable: string; vault: string } {
  const vault = uniqueName(label);
  return { vault, variable: vault.replace(/-/g, "_").toUpperCase() };
}

test("a mixed batch creates, updates and leaves alone; a mapping this small is planned from one GET per name, without a listing; a re-run writes nothing", async () => {
  const same = names("same");
  const changed = names("changed");
  const fresh = names("fresh");
  const values = {
    [same.variable]: secretValue("same"),
    [changed.variable]: secretValue("changed"),
    [fresh.variable]: secretValue("fresh"),
  };
  const oldVersion = emu().seed(same.vault, values[same.variable]!);
  emu().seed(changed.vault, secretValue("old"));
  const secrets = [same, changed, fresh].map((n) => n.variable).join("\n");

  const first = await runCore(emu(), "mixed", { secrets }, values, [...Object.values(values)]);
  assert.equal(first.outcome.status, "ok");
  const byName = Object.fromEntries(first.platform.result().map((r) => [r.name, r]));
  assert.equal(byName[same.vault]?.action, "unchanged");
  assert.equal(byName[same.vault]?.version, oldVersion);
  assert.equal(byName[changed.vault]?.action, "updated");
  assert.equal(byName[fresh.vault]?.action, "created");
  assert.equal(first.platform.output("changed"), "2");
  assert.equal(emu().versions(changed.vault).at(-1)?.value, values[changed.variable]);
  assert.equal(emu().versions(fresh.vault).at(-1)?.value, values[fresh.variable]);
  assert.equal(emu().versions(same.vault).length, 1);
  // A GET of each name (the new one's answers 404), a PUT for each of the two that need one,
  // and no listing page.
  const perSecret = (name: string): string[] =>
    first.requests.filter((r) => r.secret === name).map((r) => `${r.method} ${r.status}`);
  assert.deepEqual(perSecret(same.vault), ["GET 200"]);
  assert.deepEqual(perSecret(changed.vault), ["GET 200", "PUT 200"]);
  assert.deepEqual(perSecret(fresh.vault), ["GET 404", "PUT 200"]);
  assert.equal(first.requests.filter((r) => r.secret === undefined).length, 0);
  assert.equal(first.requests.length, 5);

  const second = await runCore(emu(), "mixed-rerun", { secrets }, values);
  assert.equal(second.outcome.status, "ok");
  assert.deepEqual(
    second.platform.result().map((r) => r.action),
    ["unchanged", "unchanged", "unchanged"],
  );
  assert.equal(second.platform.output("changed"), "0");
  assert.deepEqual(writes(second.requests), []);
  assert.deepEqual(second.platform.failures(), []);
});

test("values are masked, whole and per line, before anything else is said, and stored byte for byte", async () => {
  const pem = names("pem");
  const value = `-----BEGIN KEY-----\r\n${secretValue("l1")}\n\n  ${secretValue("l2")}  \n-----END KEY-----\n`;
  const { platform, outcome } = await runCore(
    emu(),
    "mask-first",
    { secrets: `${pem.vault}: ${pem.variable}` },
    { [pem.variable]: value },
  );
  assert.equal(outcome.status, "ok");
  const firstOther = platform.events.findIndex((e) => e.kind !== "mask");
  const masks = platform.masks();
  assert.equal(
    platform.events.slice(firstOther).filter((e) => e.kind === "mask").length,
    0,
    "every mask comes first",
  );
  assert.ok(masks.includes(value));
  for (const line of value.split(/\r?\n/).filter((l) => l.trim() !== ""))
    assert.ok(masks.includes(line), "each line is masked");
  assert.equal(emu().versions(pem.vault).at(-1)?.value, value, "no trimming");
});

test("overwrite never leaves an existing secret alone; always writes a new version even when equal", async () => {
  const a = names("never");
  const value = secretValue("never");
  emu().seed(a.vault, secretValue("old"));
  const never = await runCore(
    emu(),
    "never",
    { secrets: a.variable, overwrite: "never" },
    { [a.variable]: value },
  );
  assert.equal(never.platform.result()[0]?.action, "skipped");
  assert.deepEqual(
    never.requests.map((r) => r.method),
    ["GET"],
    "the listing only",
  );
  const always = await runCore(
    emu(),
    "always",
    { secrets: a.variable, overwrite: "always" },
    { [a.variable]: value },
  );
  assert.equal(always.platform.result()[0]?.action, "updated");
  const again = await runCore(
    emu(),
    "always-again",
    { secrets: a.variable, overwrite: "always" },
    { [a.variable]: value },
  );
  assert.equal(again.platform.result()[0]?.action, "updated");
  assert.equal(emu().versions(a.vault).length, 3);
});

test("dry-run reports the plan and writes nothing", async () => {
  const same = names("dsame");
  const changed = names("dchanged");
  const fresh = names("dfresh");
  const gone = names("dgone");
  const never = names("dnever");
  const values = Object.fromEntries(
    [same, changed, fresh, gone, never].map((n) => [n.variable, secretValue(n.vault)]),
  );
  emu().seed(same.vault, values[same.variable]!);
  emu().seed(changed.vault, secretValue("old"));
  emu().seed(gone.vault, secretValue("gone"));
  emu().softDelete(gone.vault);
  const secrets = [same, changed, fresh, gone].map((n) => n.variable).join("\n");
  const { platform, requests, outcome } = await runCore(
    emu(),
    "dry-run",
    { secrets, "dry-run": "true" },
    values,
  );
  assert.equal(outcome.status, "ok");
  assert.deepEqual(
    platform.result().map((r) => r.action),
    ["unchanged", "update", "create", "recover"],
  );
  assert.equal(platform.output("changed"), "0");
  assert.deepEqual(writes(requests), []);
  assert.ok(emu().isDeleted(gone.vault));
  assert.match(
    platform.events.find((e) => e.kind === "summary")?.kind === "summary"
      ? (platform.events.find((e) => e.kind === "summary") as { markdown: string }).markdown
      : "",
    /dry run/,
  );
});

test("a soft-deleted name is recovered then set; with recover-deleted false it fails naming the choice, the others still set", async () => {
  const gone = names("gone");
  const other = names("other");
  emu().seed(gone.vault, secretValue("old"));
  emu().softDelete(gone.vault);
  const values = { [gone.variable]: secretValue("gone"), [other.variable]: secretValue("other") };
  const secrets = `${gone.variable}\n${other.variable}`;
  const refused = await runCore(
    emu(),
    "recover-off",
    { secrets, "recover-deleted": "false" },
    values,
  );
  assert.equal(refused.outcome.status, "failed");
  const [goneRow, otherRow] = refused.platform.result();
  assert.equal(goneRow?.action, "failed");
  assert.match(goneRow?.error ?? "", /recover-deleted/);
  assert.equal(otherRow?.action, "created");
  assert.equal(refused.platform.failures().length, 1);
  assert.match(refused.platform.failures()[0]!, new RegExp(gone.vault));
  assert.ok(emu().isDeleted(gone.vault));

  // Key Vault's recorded timing: the recovered secret shows after about 2 s, writes meanwhile 409.
  emu().setFaults({ recoverDelayMs: realisticDelays.recoverDelayMs });
  const recovered = await runCore(emu(), "recover-on", { secrets }, values).finally(() =>
    emu().setFaults({ recoverDelayMs: 0 }),
  );
  assert.equal(recovered.outcome.status, "ok");
  assert.equal(recovered.platform.result()[0]?.action, "recovered");
  assert.equal(emu().isDeleted(gone.vault), false);
  assert.equal(emu().versions(gone.vault).at(-1)?.value, values[gone.variable]);
  const rerun = await runCore(emu(), "recover-rerun", { secrets }, values);
  assert.deepEqual(
    rerun.platform.result().map((r) => r.action),
    ["unchanged", "unchanged"],
  );
  assert.deepEqual(writes(rerun.requests), []);
});

test("a soft-deleted name costs its GET (404), its 409 write, the recover POST and one write: none of the SDK poller's GETs", async () => {
  const gone = names("poller");
  emu().seed(gone.vault, secretValue("old"));
  emu().softDelete(gone.vault);
  const value = secretValue("poller");
  const { outcome, platform, requests } = await runCore(
    emu(),
    "recover-requests",
    { secrets: gone.variable },
    { [gone.variable]: value },
  );
  assert.equal(outcome.status, "ok");
  assert.equal(platform.result()[0]?.action, "recovered");
  assert.deepEqual(
    requests.filter((r) => r.secret === gone.vault).map((r) => `${r.method} ${r.status}`),
    ["GET 404", "PUT 409", "POST 200", "PUT 200"],
  );
  assert.equal(emu().versions(gone.vault).at(-1)?.value, value);
});

test("recovering waits out the service's 409 ObjectIsBeingRecovered", async () => {
  const gone = names("slow");
  emu().seed(gone.vault, secretValue("old"));
  emu().softDelete(gone.vault);
  emu().setFaults({ recoverDelayMs: 300 });
  try {
    const value = secretValue("slow");
    const { outcome, platform, requests } = await runCore(
      emu(),
      "recover-409",
      { secrets: gone.variable },
      { [gone.variable]: value },
    );
    assert.equal(outcome.status, "ok");
    assert.equal(platform.result()[0]?.action, "recovered");
    assert.ok(
      requests.some((r) => r.status === 409),
      "the write met the 409 first",
    );
    assert.equal(emu().versions(gone.vault).at(-1)?.value, value);
  } finally {
    emu().setFaults({ recoverDelayMs: 0 });
  }
});

test("a disabled or expired current version gets a new version even when it holds the pipeline's value", async () => {
  const disabled = names("disabled");
  const expired = names("expired");
  const values = { [disabled.variable]: secretValue("d"), [expired.variable]: secretValue("e") };
  // Same values as the pipeline's: only their state makes them unusable.
  emu().seed(disabled.vault, values[disabled.variable]!, { enabled: false });
  emu().seed(expired.vault, values[expired.variable]!, { expires: new Date(Date.now() - 60_000) });
  const { platform, requests } = await runCore(
    emu(),
    "disabled",
    { secrets: `${disabled.variable}\n${expired.variable}` },
    values,
  );
  assert.deepEqual(
    platform.result().map((r) => r.action),
    ["updated", "updated"],
  );
  // Planned from GETs (a small mapping): the disabled one's is refused. The listing's plan sends
  // neither GET (plan.test.ts).
  const perSecret = (name: string): string[] =>
    requests.filter((r) => r.secret === name).map((r) => `${r.method} ${r.status}`);
  assert.deepEqual(perSecret(disabled.vault), ["GET 403", "PUT 200"]);
  assert.deepEqual(perSecret(expired.vault), ["GET 200", "PUT 200"]);
  assert.equal(emu().versions(disabled.vault).at(-1)?.enabled, true);
});

test("content-type, tags, expires-in and not-before-in are stored with each written version", async () => {
  const a = names("props");
  const start = Date.now();
  const { outcome } = await runCore(
    emu(),
    "props",
    {
      secrets: a.variable,
      "content-type": "application/x-pem-file",
      tags: "team=ml\nowner = ci",
      "expires-in": "90d",
      "not-before-in": "1h",
    },
    { [a.variable]: secretValue("props") },
  );
  assert.equal(outcome.status, "ok");
  const version = emu().versions(a.vault).at(-1)!;
  assert.equal(version.contentType, "application/x-pem-file");
  assert.deepEqual(version.tags, { team: "ml", owner: "ci" });
  const day = 86_400_000;
  const expires = version.expires!.getTime() - start;
  assert.ok(expires >= 90 * day - 60_000 && expires <= 90 * day + 60_000);
  const notBefore = version.notBefore!.getTime() - start;
  assert.ok(notBefore >= 3_600_000 - 60_000 && notBefore <= 3_600_000 + 60_000);
});

test("generate writes a fresh value every run, hands it on masked, and disable-previous-versions disables the older ones", async () => {
  const vault = uniqueName("rot");
  emu().seed(vault, secretValue("old1"));
  emu().seed(vault, secretValue("old2"));
  const output = vault.replace(/-/g, "_").toUpperCase();
  const first = await runCore(emu(), "generate", {
    generate: `${vault}: 40`,
    "disable-previous-versions": "true",
  });
  assert.equal(first.outcome.status, "ok");
  const row = first.platform.result()[0]!;
  assert.equal(row.action, "updated");
  assert.equal(row.source, "generate");
  const handed = first.platform.events.find((e) => e.kind === "output" && e.name === output);
  assert.ok(handed?.kind === "output" && handed.secret);
  assert.equal(handed.value.length, 40);
  assert.ok(first.platform.masks().includes(handed.value), "masked");
  const maskAt = first.platform.events.findIndex(
    (e) => e.kind === "mask" && e.value === handed.value,
  );
  assert.ok(maskAt < first.platform.events.indexOf(handed));
  const versions = emu().versions(vault);
  assert.equal(versions.at(-1)?.value, handed.value);
  assert.deepEqual(
    versions.map((v) => v.enabled),
    [false, false, true],
  );

  const second = await runCore(emu(), "generate-again", { generate: vault });
  const again = second.platform.events.find((e) => e.kind === "output" && e.name === output);
  assert.ok(again?.kind === "output");
  assert.notEqual(again.value, handed.value);
  assert.equal(again.value.length, 32);
  assert.equal(emu().versions(vault).length, 4);
  assert.equal(
    emu().versions(vault).at(-2)?.enabled,
    true,
    "generate alone does not disable older versions",
  );
});

test("one refused secret does not stop the others; the failure names it, its status and what to check", async () => {
  const refused = names("refused");
  const fine = names("fine");
  emu().setFaults({ forbidden: [refused.vault] });
  try {
    const values = { [refused.variable]: secretValue("r"), [fine.variable]: secretValue("f") };
    const { outcome, platform } = await runCore(
      emu(),
      "forbidden",
      { secrets: `${refused.variable}\n${fine.variable}` },
      values,
    );
    assert.equal(outcome.status, "failed");
    assert.deepEqual(
      platform.result().map((r) => r.action),
      ["failed", "created"],
    );
    const failures = platform.failures();
    assert.equal(failures.length, 1);
    assert.match(
      failures[0]!,
      new RegExp(
        `${refused.vault}: reading secret ${refused.vault} to plan it failed: 403 Forbidden`,
      ),
    );
    assert.ok(
      failures[0]!.includes(
        `; ${credentialHint}; the identity needs the "Key Vault Secrets Officer" role`,
      ),
    );
    // Said once, and never "check: check …".
    assert.equal(failures[0]!.split(credentialHint).length, 2);
    assert.equal(emu().versions(fine.vault).length, 1);
  } finally {
    emu().setFaults({ forbidden: [] });
  }
});

test("variable-prefix takes every matching variable, prefix stripped before the name is derived", async () => {
  const prefix = `P${Math.random().toString(36).slice(2, 8).toUpperCase()}_`;
  const values = {
    [`${prefix}DB_PASSWORD`]: secretValue("db"),
    [`${prefix}APP.TOKEN`]: secretValue("tok"),
  };
  const { platform, outcome } = await runCore(
    emu(),
    "prefix",
    { "variable-prefix": prefix },
    { ...values, UNRELATED: "x" },
    Object.values(values),
  );
  assert.equal(outcome.status, "ok");
  assert.deepEqual(
    platform
      .result()
      .map((r) => r.name)
      .sort(),
    ["app-token", "db-password"],
  );
  assert.equal(emu().versions("db-password").at(-1)?.value, values[`${prefix}DB_PASSWORD`]);
});

test("get mode through run: outputs marked secret, masked first, export-env exports them", async () => {
  const name = uniqueName("get");
  const value = secretValue("get");
  emu().seed(name, value);
  const { platform, outcome } = await runCore(
    emu(),
    "get",
    { mode: "get", secrets: `${name}: OUT_VALUE`, "export-env": "true" },
    {},
    [value],
  );
  assert.equal(outcome.status, "ok");
  const out = platform.events.find((e) => e.kind === "output" && e.name === "OUT_VALUE");
  assert.ok(out?.kind === "output" && out.secret && out.value === value);
  assert.ok(
    platform.events.some((e) => e.kind === "export" && e.name === "OUT_VALUE" && e.value === value),
  );
  assert.ok(
    platform.events.findIndex((e) => e.kind === "mask" && e.value === value) <
      platform.events.indexOf(out),
  );
  assert.equal(platform.result()[0]?.action, "read");
});
