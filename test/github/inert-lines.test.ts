import assert from "node:assert/strict";
import { test } from "node:test";
import { inertLines } from "../../src/platforms/github/platform.ts";
import { parseCommands } from "../helpers/github-runner.ts";

test("plain log text cannot become a workflow command, at a line's start or after a lone \\r", () => {
  const hostile = "ok\n::set-output name=x::y\r  ::add-mask::z\r\n\t::error::w";
  const out = inertLines(hostile);
  assert.deepEqual(parseCommands(out.split(/\r\n|\r|\n/)), []);
  // The control: the same text unbroken is read as three commands.
  assert.equal(parseCommands(hostile.split(/\r\n|\r|\n/).map((l) => l.trim())).length, 3);
  // `::` inside a line is not a command and stays as it is.
  assert.equal(inertLines("a::b c ::d"), "a::b c ::d");
});
