// Key Vault's timings on request: a delete and a recover take a while to complete, and until
// then the secret is on neither side for a reader and writes answer the transient 409s; the
// command-line flags that set them.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Emulator } from "../../src/emulator/index.ts";
import { realisticDelays, startEmulator } from "../../src/emulator/index.ts";
import { parseCommand, usage } from "../../src/emulator/main.ts";
import { emulatorSecretClient, uniqueName } from "../helpers/emulator.ts";
import { assertNoLeaks, recordScenario, secretValue } from "../helpers/leaks.ts";
import { auth, errorOf, miToken, send } from "./wire-client.ts";

let emu: Emulator;
let token: string;
const values: string[] = [];

before(async () => {
  // Windows long enough that every request of a test lands inside them.
  emu = await startEmulator({ faults: { deleteDelayMs: 60_000, recoverDelayMs: 60_000 } });
  token = await miToken(emu, "https://vault.azure.net");
});
after(async () => {
  await emu.stop();
  assertNoLeaks({ logs: emu.logs.join("\n") }, values, "none");
  recordScenario("emulator timings", { logs: emu.logs.join("\n") }, values, "none");
});

function seeded(prefix: string): string {
  const name = uniqueName(prefix);
  const value = secretValue();
  values.push(value);
  emu.seed(name, value);
  return name;
}

const call = (method: string, path: string, body?: unknown): ReturnType<typeof send> =>
  send(`${emu.vaultUrl}${path}?api-version=2025-07-01`, {
    method,
    headers: { ...auth(token), "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

test("while a delete completes: not under /deletedsecrets, purge / recover / set are 409 ObjectIsBeingDeleted", async () => {
  const name = seeded("deleting");
  assert.equal((await call("DELETE", `/secrets/${name}`)).status, 200);
  const deleted = await call("GET", `/deletedsecrets/${name}`);
  assert.equal(deleted.status, 404);
  assert.deepEqual(deleted.json, {
    error: { code: "SecretNotFound", message: `Deleted Secret not found: ${name}` },
  });
  assert.equal((await call("GET", `/secrets/${name}`)).status, 404);
  const listed = await call("GET", "/deletedsecrets");
  assert.ok(!JSON.stringify(listed.json).includes(name), "not listed as deleted yet");
  for (const [method, path, body] of [
    ["DELETE", `/deletedsecrets/${name}`, undefined],
    ["POST", `/deletedsecrets/${name}/recover`, undefined],
    ["PUT", `/secrets/${name}`, { value: "x" }],
  ] as const) {
    const answer = await call(method, path, body);
    assert.equal(answer.status, 409, `${method} ${path}`);
    // As recorded from Key Vault (the keys' twin says "Key is currently being deleted.").
    assert.deepEqual(answer.json, {
      error: {
        code: "Conflict",
        message: "Secret is currently being deleted.",
        innererror: { code: "ObjectIsBeingDeleted" },
      },
    });
  }
  assert.ok(emu.isDeleted(name), "the delete itself was accepted");
});

test("while a recover completes: GET /secrets/NAME/ is 404, writes are 409 ObjectIsBeingRecovered", async () => {
  const name = seeded("recovering");
  emu.softDelete(name);
  assert.equal((await call("POST", `/deletedsecrets/${name}/recover`)).status, 200);
  const latest = await call("GET", `/secrets/${name}/`);
  assert.equal(latest.status, 404);
  assert.equal(errorOf(latest).code, "SecretNotFound");
  const listed = await call("GET", "/secrets");
  assert.ok(!JSON.stringify(listed.json).includes(name), "not listed yet");
  const write = await call("PUT", `/secrets/${name}`, { value: "x" });
  assert.equal(write.status, 409);
  assert.deepEqual(write.json, {
    error: {
      code: "Conflict",
      message: "Secret is currently being recovered.",
      innererror: { code: "ObjectIsBeingRecovered" },
    },
  });
  assert.equal(emu.isDeleted(name), false);
});

test("the SDK's pollers wait the windows out; other names are not affected", async () => {
  const short = await startEmulator({ faults: { deleteDelayMs: 400, recoverDelayMs: 200 } });
  try {
    const client = await emulatorSecretClient(short);
    const name = uniqueName("poll");
    const value = secretValue();
    values.push(value);
    await client.setSecret(name, value);
    const started = Date.now();
    await (await client.beginDeleteSecret(name, { intervalInMs: 50 })).pollUntilDone();
    assert.ok(Date.now() - started >= 400, "the delete poller waited the window out");
    await client.purgeDeletedSecret(name);
    await client.setSecret(name, value);
    await (await client.beginDeleteSecret(name, { intervalInMs: 50 })).pollUntilDone();
    await (await client.beginRecoverDeletedSecret(name, { intervalInMs: 50 })).pollUntilDone();
    assert.equal((await client.getSecret(name)).value, value);
    const waits = short.requests.filter((r) => r.method === "GET" && r.status === 404);
    assert.ok(waits.some((r) => r.fault === "ObjectIsBeingDeleted"));
    assert.ok(waits.some((r) => r.fault === "ObjectIsBeingRecovered"));
    const other = uniqueName("other");
    await client.setSecret(other, value);
    assert.equal((await client.getSecret(other)).value, value);
    recordScenario("emulator pollers", { logs: short.logs.join("\n") }, [value], "none");
  } finally {
    await short.stop();
  }
});

test("--realistic sets the recorded delays, explicit flags win; --help says which", () => {
  assert.deepEqual(parseCommand(["--realistic"]).options.faults, {
    deleteDelayMs: 14_000,
    recoverDelayMs: 2_000,
  });
  assert.deepEqual(realisticDelays, { deleteDelayMs: 14_000, recoverDelayMs: 2_000 });
  assert.deepEqual(parseCommand(["--realistic", "--recover-delay", "50"]).options.faults, {
    deleteDelayMs: 14_000,
    recoverDelayMs: 50,
  });
  assert.deepEqual(parseCommand(["--delete-delay", "250"]).options.faults, { deleteDelayMs: 250 });
  assert.deepEqual(parseCommand([]).options.faults, {});
  assert.throws(
    () => parseCommand(["--delete-delay", "soon"]),
    /--delete-delay must be milliseconds/,
  );
  assert.match(usage, /--realistic .*\n.*--delete-delay 14000 --recover-delay 2000/);
});
