// The CLI on a terminal: progress is one status line on stderr, rewritten in place (carriage
// return, erase line), taken down before any other line and drawn again after it, and taken
// down at the end; the core then prints no line per secret (the table at the end has them).
import assert from "node:assert/strict";
import { test } from "node:test";
import { CliPlatform } from "../../../src/platforms/cli/platform.ts";

const erase = "\r\u001b[2K";

test("a live status line: redrawn in place, at most every 100 ms, around other lines, gone at the end", () => {
  const written: string[] = [];
  const cli = new CliPlatform({
    inputs: {},
    env: {},
    live: true,
    columns: () => 30,
    stderr: (text) => written.push(text),
  });
  assert.equal(cli.tableAtEnd, true);
  const state = { mode: "set", total: 2000, failed: 0, final: false };
  cli.progress({ ...state, done: 1, elapsedMs: 1_000 });
  cli.progress({ ...state, done: 2, elapsedMs: 1_050 });
  cli.progress({ ...state, done: 3, elapsedMs: 1_100 });
  cli.warning("something");
  cli.progress({ ...state, done: 2000, elapsedMs: 9_000, final: true });
  assert.deepEqual(written, [
    `${erase}set: 1 of 2000 done, 1 s`,
    `${erase}set: 3 of 2000 done, 1 s`,
    erase,
    "warning: something\n",
    "set: 3 of 2000 done, 1 s",
    erase,
  ]);
});

test("without a terminal: no status line, and the core's per-secret lines stay", () => {
  const written: string[] = [];
  const cli = new CliPlatform({ inputs: {}, env: {}, stderr: (text) => written.push(text) });
  assert.equal(cli.tableAtEnd, false);
  cli.progress({ mode: "set", done: 1, total: 9, failed: 0, elapsedMs: 500, final: false });
  assert.deepEqual(written, []);
});
