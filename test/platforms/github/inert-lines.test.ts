import assert from "node:assert/strict";
import { test } from "node:test";
import { GitHubPlatform, inertLines } from "../../../src/platforms/github/platform.ts";

/** The commands the runner registers (ActionCommandManager and its extensions). */
const registered = new Set([
  "add-mask",
  "add-matcher",
  "add-path",
  "debug",
  "echo",
  "endgroup",
  "error",
  "group",
  "notice",
  "remove-matcher",
  "save-state",
  "set-env",
  "set-output",
  "stop-commands",
  "warning",
]);

/** .NET's `Char.IsWhiteSpace`, which `String.TrimStart()` strips. */
const dotnetBlanks = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*/;

/**
 * The runner's reading of one line (ActionCommand.TryParseV2, then TryParse): `::name …::data`
 * at the start after TrimStart, else `##[name …]data` anywhere. Returns the command's name.
 */
function runnerCommand(line: string): string | undefined {
  const v2 = line.replace(dotnetBlanks, "");
  if (v2.startsWith("::")) {
    const end = v2.indexOf("::", 2);
    const name = end < 0 ? "" : (v2.slice(2, end).split(" ")[0] ?? "");
    if (registered.has(name.toLowerCase())) return name;
  }
  const at = line.indexOf("##[");
  const close = at < 0 ? -1 : line.indexOf("]", at);
  if (close < 0) return undefined;
  const name = line.slice(at + 3, close).split(" ")[0] ?? "";
  return registered.has(name.toLowerCase()) ? name : undefined;
}

/** Every command the runner would find in this text, line by line as .NET's ReadLine splits it. */
function runnerCommands(text: string): string[] {
  return text.split(/\r\n|\r|\n/).flatMap((line) => runnerCommand(line) ?? []);
}

const hostile = [
  "ok",
  "::set-output name=x::y",
  "  ::add-mask::z",
  "\t::error::w",
  "\u00a0::set-output name=nbsp::y",
  "\u3000::save-state name=wide::y",
  "\v\f::echo::on",
  "a vault said: ##[set-output name=pwned;]value",
  "text ##[add-mask]mask-this ##[error]and this",
].join("\n");

test("plain text cannot become a workflow command: `::` after any blank at a line's start, `##[` anywhere", () => {
  // The control: the runner reads the text unbroken as eight commands.
  assert.equal(runnerCommands(hostile).length, 8);
  assert.deepEqual(runnerCommands(inertLines(hostile)), []);
  // After a lone `\r` (a line to the runner) as after `\n`.
  assert.deepEqual(runnerCommands(inertLines("a\r::set-output name=x::y\r##[debug]z")), []);
  // `::` inside a line is no command and stays as it is (an IPv6 address, a C++ name).
  assert.equal(inertLines("https://[::1]:8443 a::b c ::d"), "https://[::1]:8443 a::b c ::d");
});

test("every line the adapter prints is inert, the adapter's own commands are the only ones", (t) => {
  const platform = new GitHubPlatform({});
  const written: string[] = [];
  const exitCode = process.exitCode;
  const write = t.mock.method(process.stdout, "write", (chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  try {
    platform.info(hostile);
    platform.debug(hostile);
    platform.warning(hostile);
    platform.error(hostile);
    platform.startGroup(hostile);
    platform.endGroup();
    platform.fail(hostile);
  } finally {
    write.mock.restore();
    process.exitCode = exitCode;
  }
  assert.deepEqual(runnerCommands(written.join("")), [
    "debug",
    "warning",
    "error",
    "group",
    "endgroup",
    "error",
  ]);
});
