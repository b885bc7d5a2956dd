// Which of an application's passwords a rotation removes: only ours (display name
// `aml-secrets…`), never the new one nor the one readers hold; without a CredentialId tag, the
// newest of ours before the new one is taken to be the readers'.
import assert from "node:assert/strict";
import { test } from "node:test";
import { stalePasswords } from "../../../../src/core/modes/rotate/entra.ts";
import type { Password } from "../../../../src/core/providers/entra-application.ts";

const password = (keyId: string, displayName: string | null, start: string): Password => ({
  keyId,
  displayName,
  startDateTime: start,
  endDateTime: null,
});

const state = {
  id: "app",
  appId: "client",
  passwords: [
    password("a", "aml-secrets run 1", "2026-01-01T00:00:00Z"),
    password("b", "aml-secrets run 2", "2026-02-01T00:00:00Z"),
    password("c", "aml-secrets run 3", "2026-03-01T00:00:00Z"),
    password("human", "deploy key", "2025-01-01T00:00:00Z"),
    password("unnamed", null, "2025-01-01T00:00:00Z"),
  ],
};

test("the readers' password (CredentialId) and the new one stay; other ones of ours go", () => {
  assert.deepEqual(stalePasswords(state, "b", "new"), ["a", "c"]);
  assert.deepEqual(stalePasswords(state, "B", "new"), ["a", "c"], "key ids compare without case");
});

test("without CredentialId the newest of ours is kept as the readers'", () => {
  assert.deepEqual(stalePasswords(state, undefined, "new"), ["a", "b"]);
});

test("a password someone else added, or one with no name, is never removed", () => {
  const removed = stalePasswords(state, "a", "c");
  assert.deepEqual(removed, ["b"]);
});
