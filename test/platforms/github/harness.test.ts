// action.yml against the SPEC, and the runner harness's reading of workflow commands and file
// commands (so the end-to-end tests read the step as the runner would).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import {
  actionDefaults,
  actionInputNames,
  escapeData,
  inputVariable,
  maskPieces,
  parseCommands,
  parseKeyValueFile,
  unescapeData,
} from "../../helpers/github-runner.ts";

const actionYml = readFileSync(
  path.resolve(import.meta.dirname, "..", "..", "..", "action.yml"),
  "utf8",
);

// The GitHub column of the SPEC's input table, with the defaults it names.
const specInputs: Record<string, string | undefined> = {
  mode: "set",
  "vault-url": undefined,
  "workspace-name": undefined,
  "resource-group": undefined,
  "subscription-id": undefined,
  secrets: undefined,
  "variable-prefix": undefined,
  overwrite: "changed",
  "recover-deleted": "true",
  "content-type": undefined,
  tags: undefined,
  "expires-in": undefined,
  "not-before-in": undefined,
  "disable-previous-versions": "false",
  generate: undefined,
  "dry-run": "false",
  "export-env": "false",
  "allow-empty": "false",
  "max-concurrency": undefined,
  owner: undefined,
  prune: "false",
  "include-deleted": "false",
  "out-file": undefined,
  "out-format": "dotenv",
  "output-prefix": undefined,
  "allow-reserved-names": "false",
  "ignore-not-found": "false",
  "request-timeout": "30s",
  auth: "auto",
  "client-id": undefined,
  "tenant-id": undefined,
  "client-secret": undefined,
  cloud: "AzureCloud",
  audience: undefined,
  "resource-manager-url": undefined,
  "rotate-within": undefined,
  validity: undefined,
  "graph-url": undefined,
  "authority-host": undefined,
};

// The GitHub column of the SPEC's output table (besides the one output per get or generate entry).
const specOutputs = ["result", "changed", "names", "out-file", "vault-url"];

test("action.yml declares every SPEC input, with the SPEC's defaults and a description", () => {
  assert.deepEqual(actionInputNames(actionYml).sort(), Object.keys(specInputs).sort());
  const expected = Object.fromEntries(
    Object.entries(specInputs).filter((e): e is [string, string] => e[1] !== undefined),
  );
  assert.deepEqual(actionDefaults(actionYml), expected);
  const outputs = /^outputs:\n((?: .*\n|\n)*)/m.exec(actionYml)?.[1] ?? "";
  assert.deepEqual(
    [...outputs.matchAll(/^ {2}([a-z-]+):$/gm)].map((m) => m[1]),
    specOutputs,
  );
  const descriptions = [...actionYml.matchAll(/^ {4}description:/gm)].length;
  assert.equal(
    descriptions,
    Object.keys(specInputs).length + specOutputs.length,
    "each input and output is described",
  );
});

test("action.yml runs the committed bundle on node24, with the two outputs and branding", () => {
  assert.match(actionYml, /^runs:\n {2}using: "node24"\n {2}main: "dist\/action\.cjs"\n/m);
  assert.match(actionYml, /^outputs:\n {2}result:\n[\s\S]*^ {2}changed:\n/m);
  assert.match(actionYml, /^branding:\n {2}icon: "\w+"\n {2}color: "\w+"\n/m);
});

test("input variables are upper-cased with dashes kept and spaces to underscores", () => {
  assert.equal(inputVariable("vault-url"), "INPUT_VAULT-URL");
  assert.equal(inputVariable("some input"), "INPUT_SOME_INPUT");
});

test("workflow commands are read and unescaped as the runner does", () => {
  const lines = [
    "plain line",
    "::add-mask::50%25%0Done%0Atwo::x",
    "::error title=a%3Ab%2Cc::bad%25",
    "::endgroup::",
  ];
  const commands = parseCommands(lines);
  assert.deepEqual(
    commands.map((c) => [c.command, c.properties, c.data, c.line]),
    [
      ["add-mask", {}, "50%\rone\ntwo::x", 1],
      ["error", { title: "a:b,c" }, "bad%", 2],
      ["endgroup", {}, "", 3],
    ],
  );
  assert.equal(unescapeData(escapeData("%0A%\r\n")), "%0A%\r\n");
});

test("file commands are read in both the heredoc and the name=value forms", () => {
  const text = "result<<ghadelimiter_1\n[1,\n2]\nghadelimiter_1\nchanged=3\nempty<<EOF\n\nEOF\n";
  assert.deepEqual(parseKeyValueFile(text), { result: "[1,\n2]", changed: "3", empty: "" });
  assert.throws(() => parseKeyValueFile("x<<EOF\nno end\n"), /no closing delimiter/);
  // As the runner on Linux: only `\n` ends a line, so `\r` in a value comes back as written.
  assert.deepEqual(parseKeyValueFile("cr<<D\na\rb\r\nc\r\n\nD\n"), { cr: "a\rb\r\nc\r\n" });
});

test("the pieces masked are the value and each line, once", () => {
  assert.deepEqual(maskPieces("one\r\ntwo\n\none\n"), ["one\r\ntwo\n\none\n", "one", "two"]);
  assert.deepEqual(maskPieces("single"), ["single"]);
});
