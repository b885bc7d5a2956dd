import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { SecretClient } from "@azure/keyvault-secrets";
import {
  readSecrets,
  type GetEntry,
  type ReadOutcome,
} from "../../../../src/core/modes/get/read.ts";
import { createSecretClient } from "../../../../src/core/vault/client.ts";
import { startEmulator, type Emulator } from "../../../../src/emulator/index.ts";
import { emulatorManagedIdentity, uniqueName, withEmulator } from "../../../helpers/emulator.ts";
import { assertNoLeaks, recordScenario, secretValue } from "../../../helpers/leaks.ts";
import { recordingGate } from "../../../helpers/recording-gates.ts";

let emu: Emulator;
let client: SecretClient;

before(async () => {
  emu = await startEmulator();
  client = createSecretClient(emu.vaultUrl, await emulatorManagedIdentity());
});
after(async () => {
  await emu.stop();
});

const hour = 3_600_000;
/** What the connection would say to check when the vault refuses. */
const readerHint = "give the identity Key Vault Secrets User";

/** The values read, with the output each goes to, in the order of the rows. */
function valuesOf(outcome: ReadOutcome): { outputName: string; value: string }[] {
  return outcome.rows.flatMap((row, i) => {
    const value = outcome.values[i];
    return value === undefined ? [] : [{ outputName: row.source, value }];
  });
}

/** What readSecrets returned, as the leak canary searches it. */
function printed(outcome: { rows: unknown }): Record<string, string> {
  return { rows: JSON.stringify(outcome.rows) };
}

test("named secrets are read byte for byte into their output names, every request through the gate", async () => {
  const single = uniqueName("single");
  const multi = uniqueName("pem");
  const unicode = uniqueName("uni");
  const values = {
    [single]: secretValue("db-pass"),
    // A PEM-like value: CRLF and LF lines, and the final newline is part of it.
    [multi]: `-----BEGIN KEY-----\r\n${secretValue("line1")}\n${secretValue("line2")}\n-----END KEY-----\n`,
    // Combining marks, an astral character, a right-to-left run, quotes and a backslash.
    [unicode]: `${secretValue("uni")} e\u0301 \u{1F511} \u05E9\u05DC\u05D5\u05DD "q" \\ \u00A0end`,
  };
  const versions = Object.fromEntries(
    Object.entries(values).map(([name, v]) => [name, emu.seed(name, v)]),
  );
  const gate = recordingGate();
  const received: string[] = [];
  const entries: GetEntry[] = [
    { vaultName: single, outputName: "DB_PASSWORD" },
    { vaultName: multi, outputName: "TLS_KEY" },
    { vaultName: unicode, outputName: "UNICODE_VALUE" },
  ];

  const outcome = await readSecrets({
    client,
    gate,
    entries,
    received: (v) => received.push(v),
    hint: readerHint,
  });

  assert.deepEqual(
    valuesOf(outcome).map((v) => [v.outputName, Buffer.from(v.value, "utf8").toString("hex")]),
    [
      ["DB_PASSWORD", Buffer.from(values[single] ?? "", "utf8").toString("hex")],
      ["TLS_KEY", Buffer.from(values[multi] ?? "", "utf8").toString("hex")],
      ["UNICODE_VALUE", Buffer.from(values[unicode] ?? "", "utf8").toString("hex")],
    ],
  );
  assert.deepEqual(
    outcome.rows.map((r) => [r.name, r.source, r.action, r.version]),
    entries.map((e) =>
      "wildcard" in e ? [] : [e.vaultName, e.outputName, "read", versions[e.vaultName]],
    ),
  );
  for (const row of outcome.rows)
    assert.match(row.id ?? "", new RegExp(`/secrets/${row.name}/${row.version}$`));
  assert.deepEqual([...received].sort(), Object.values(values).sort());
  assert.deepEqual([...gate.calls].sort(), [single, multi, unicode].map((n) => `read:${n}`).sort());
  assertNoLeaks(printed(outcome), Object.values(values), "none");
  recordScenario("get-named", printed(outcome), Object.values(values), "none");
});

test(
  "received is called the moment a value arrives, before other reads finish and before readSecrets returns",
  { timeout: 20_000 },
  async () => {
    const fast = uniqueName("fast");
    const slow = uniqueName("slow");
    const fastValue = secretValue("fast");
    const slowValue = secretValue("slow");
    emu.seed(fast, fastValue);
    emu.seed(slow, slowValue);
    const events: string[] = [];
    let fastReceived!: () => void;
    const fastWasReceived = new Promise<void>((resolve) => (fastReceived = resolve));
    // The slow read is held until the fast value was handed to `received`: a readSecrets that
    // waited for every read before handing values on would never get there (and time out).
    const gate = {
      read<T>(secret: string, op: () => Promise<T>): Promise<T> {
        if (secret !== slow) return op();
        return fastWasReceived.then(op);
      },
      write<T>(_secret: string, op: () => Promise<T>): Promise<T> {
        return op();
      },
    };
    const outcome = await readSecrets({
      client,
      gate,
      entries: [
        { vaultName: slow, outputName: "SLOW" },
        { vaultName: fast, outputName: "FAST" },
      ],
      received: (value) => {
        events.push(
          value === fastValue
            ? "received fast"
            : value === slowValue
              ? "received slow"
              : "received other",
        );
        if (value === fastValue) fastReceived();
      },
      hint: readerHint,
    });
    events.push("returned");
    assert.deepEqual(events, ["received fast", "received slow", "returned"]);
    assert.deepEqual(
      valuesOf(outcome).map((v) => v.outputName),
      ["SLOW", "FAST"],
    );
    recordScenario("get-received-order", printed(outcome), [fastValue, slowValue], "none");
  },
);

test("a missing, a disabled and a refused secret fail naming themselves; the others are still read", async () => {
  const first = uniqueName("first");
  const missing = uniqueName("missing");
  const disabled = uniqueName("disabled");
  const refused = uniqueName("refused");
  const last = uniqueName("last");
  const values = [
    secretValue("first"),
    secretValue("disabled"),
    secretValue("refused"),
    secretValue("last"),
  ];
  emu.seed(first, values[0] ?? "");
  emu.seed(disabled, values[1] ?? "", { enabled: false });
  emu.seed(refused, values[2] ?? "");
  emu.seed(last, values[3] ?? "");
  emu.setFaults({ forbidden: [refused] });
  const received: string[] = [];
  let outcome;
  try {
    outcome = await readSecrets({
      client,
      gate: recordingGate(),
      entries: [first, missing, disabled, refused, last].map((n) => ({
        vaultName: n,
        outputName: n.toUpperCase(),
      })),
      received: (v) => received.push(v),
      hint: readerHint,
    });
  } finally {
    emu.setFaults({ forbidden: [] });
  }
  const byName = new Map(outcome.rows.map((r) => [r.name, r]));
  assert.equal(byName.get(first)?.action, "read");
  assert.equal(byName.get(last)?.action, "read");
  assert.equal(byName.get(missing)?.action, "failed");
  assert.match(byName.get(missing)?.error ?? "", new RegExp(`secret ${missing} was not found`));
  assert.equal(byName.get(disabled)?.action, "failed");
  assert.match(
    byName.get(disabled)?.error ?? "",
    new RegExp(`secret ${disabled} is disabled \\(SecretDisabled\\)`),
  );
  assert.equal(byName.get(refused)?.action, "failed");
  assert.match(
    byName.get(refused)?.error ?? "",
    new RegExp(`reading secret ${refused} failed: 403 .*check: ${readerHint}`),
  );
  assert.deepEqual(
    valuesOf(outcome).map((v) => v.outputName),
    [first.toUpperCase(), last.toUpperCase()],
  );
  assert.deepEqual(received.sort(), [values[0], values[3]].sort());
  assertNoLeaks(printed(outcome), values, "none");
  recordScenario("get-missing", printed(outcome), values, "none");
});

test("named secrets that * would skip are read when named: expired and not yet active ones with a note, managed ones", async () => {
  const expired = uniqueName("expired");
  const future = uniqueName("future");
  const managed = uniqueName("managed");
  const values = [secretValue("expired"), secretValue("future"), secretValue("managed")];
  emu.seed(expired, values[0] ?? "", { expires: new Date(Date.now() - hour) });
  emu.seed(future, values[1] ?? "", { notBefore: new Date(Date.now() + hour) });
  emu.seed(managed, values[2] ?? "", { managed: true });
  const outcome = await readSecrets({
    client,
    gate: recordingGate(),
    entries: [expired, future, managed].map((n) => ({ vaultName: n, outputName: n })),
    received: () => undefined,
    hint: readerHint,
  });
  assert.deepEqual(
    outcome.rows.map((r) => [r.name, r.action]),
    [
      [expired, "read"],
      [future, "read"],
      [managed, "read"],
    ],
  );
  assert.match(outcome.rows[0]?.note ?? "", /^expired .*read because it was named/);
  assert.match(outcome.rows[1]?.note ?? "", /^not active until .*read because it was named/);
  assert.equal(outcome.rows[2]?.note, undefined);
  assert.deepEqual(
    valuesOf(outcome).map((v) => v.value),
    values,
  );
  recordScenario("get-named-unusual", printed(outcome), values, "none");
});

test("* reads every enabled, active, unexpired, non-managed secret and notes each one it skips", async () => {
  // A vault of its own: * takes everything in it.
  await withEmulator(async (vault) => {
    const wildClient = createSecretClient(vault.vaultUrl, await emulatorManagedIdentity());
    const plain = {
      "api-key": secretValue("api"),
      "db-password": secretValue("db"),
      "Storage-Key": secretValue("st"),
    };
    const skipped = {
      "old-token": secretValue("disabled"),
      "gone-token": secretValue("expired"),
      "later-token": secretValue("future"),
      "tls-cert": secretValue("managed"),
    };
    for (const [name, value] of Object.entries(plain)) vault.seed(name, value);
    // An older version of api-key is disabled: only the latest version counts.
    vault.seed("api-key", secretValue("api-old"), { enabled: false });
    vault.seed("api-key", plain["api-key"]);
    vault.seed("old-token", skipped["old-token"], { enabled: false });
    vault.seed("gone-token", skipped["gone-token"], { expires: new Date(Date.now() - hour) });
    vault.seed("later-token", skipped["later-token"], { notBefore: new Date(Date.now() + hour) });
    vault.seed("tls-cert", skipped["tls-cert"], { managed: true });
    // Named explicitly as well as by *: read once, under its explicit output.
    const pinned = secretValue("pinned");
    vault.seed("pinned-secret", pinned);
    // Its derived output name is taken by the explicit entry above.
    const clash = secretValue("clash");
    vault.seed("my-output", clash);

    const gate = recordingGate();
    const received: string[] = [];
    const outcome = await readSecrets({
      client: wildClient,
      gate,
      entries: [{ wildcard: true }, { vaultName: "pinned-secret", outputName: "MY_OUTPUT" }],
      received: (v) => received.push(v),
      hint: readerHint,
    });

    assert.deepEqual(
      outcome.rows.map((r) => [r.name, r.source, r.action]),
      [
        ["pinned-secret", "MY_OUTPUT", "read"],
        ["api-key", "API_KEY", "read"],
        ["db-password", "DB_PASSWORD", "read"],
        ["Storage-Key", "STORAGE_KEY", "read"],
        ["gone-token", "GONE_TOKEN", "skipped"],
        ["later-token", "LATER_TOKEN", "skipped"],
        ["my-output", "MY_OUTPUT", "skipped"],
        ["old-token", "OLD_TOKEN", "skipped"],
        ["tls-cert", "TLS_CERT", "skipped"],
      ],
    );
    const notes = Object.fromEntries(
      outcome.rows.filter((r) => r.note).map((r) => [r.name, r.note]),
    );
    assert.match(notes["old-token"] ?? "", /disabled/);
    assert.match(notes["gone-token"] ?? "", /expired/);
    assert.match(notes["later-token"] ?? "", /not yet active/);
    assert.match(notes["tls-cert"] ?? "", /certificate-backed \(managed\)/);
    assert.match(
      notes["my-output"] ?? "",
      /output MY_OUTPUT is already taken by secret pinned-secret/,
    );
    assert.deepEqual(Object.fromEntries(valuesOf(outcome).map((v) => [v.outputName, v.value])), {
      MY_OUTPUT: pinned,
      API_KEY: plain["api-key"],
      DB_PASSWORD: plain["db-password"],
      STORAGE_KEY: plain["Storage-Key"],
    });
    assert.deepEqual(received.sort(), [pinned, ...Object.values(plain)].sort());
    // Skipped secrets are never fetched; the listing and each read go through the gate.
    assert.deepEqual(
      [...gate.calls].sort(),
      [
        "read:*",
        "read:pinned-secret",
        "read:api-key",
        "read:db-password",
        "read:Storage-Key",
      ].sort(),
    );
    const fetched = vault.requests
      .filter((r) => r.kind === "secret-read" && r.secret !== undefined)
      .map((r) => r.secret);
    for (const name of Object.keys(skipped))
      assert.equal(fetched.includes(name), false, `${name} was fetched`);
    const all = [...Object.values(plain), ...Object.values(skipped), pinned, clash];
    assertNoLeaks({ ...printed(outcome), emulator: vault.logs.join("\n") }, all, "none");
    recordScenario("get-wildcard", printed(outcome), all, "none");
  });
});

test("* over more than one page of the listing takes every secret", async () => {
  await withEmulator(async (vault) => {
    const wildClient = createSecretClient(vault.vaultUrl, await emulatorManagedIdentity());
    // Key Vault lists 25 per page.
    const values = Array.from({ length: 30 }, (_, i) => secretValue(`page${i}`));
    values.forEach((v, i) => vault.seed(`paged-${String(i).padStart(2, "0")}`, v));
    const outcome = await readSecrets({
      client: wildClient,
      gate: recordingGate(),
      entries: [{ wildcard: true }],
      received: () => undefined,
      hint: readerHint,
    });
    assert.equal(outcome.rows.length, 30);
    assert.deepEqual(
      valuesOf(outcome).map((v) => v.outputName),
      values.map((_, i) => `PAGED_${String(i).padStart(2, "0")}`),
    );
    recordScenario("get-wildcard-pages", printed(outcome), values, "none");
  });
});
