/**
 * The real readers of get mode's out-file formats, and the values they must read back.
 * Values never go on a command line: a reader gets the file's path and the names, and hands the
 * values back through files (the shells) or its stdout (python-dotenv, as JSON).
 */
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestContext } from "node:test";
import { promisify } from "node:util";
import dotenv from "dotenv";
import { canary, pemValue } from "./leaks.ts";

const run = promisify(execFile);

export interface CorpusEntry {
  name: string;
  value: string;
  /** No dotenv quoting reads it back exactly in both python-dotenv and the npm dotenv. */
  dotenvRefuses?: true;
}

/** The issue's corpus (and the cases the parsers' source showed), every value with a canary. */
export function corpus(): CorpusEntry[] {
  const c = canary;
  let long = `${c()} `;
  for (let i = 0; long.length < 25_000; i++) long += `chunk ${i} #${i} \t'quoted' ${c()} `;
  return [
    { name: "PLAIN", value: `plain-${c()}` },
    {
      name: "UNICODE",
      value: `${c()} e\u0301 n\u0303 \u{1F469}\u200D\u{1F467} \u{1F511} \u05E9\u05DC`,
    },
    { name: "PEM", value: pemValue() },
    { name: "CRLF", value: `line-${c()}\r\nline two\r\n` },
    { name: "LONE_CR", value: `a-${c()}\rb` },
    { name: "LINE_SEPARATORS", value: `x-${c()}\u2028y\u2029z\u0085` },
    { name: "SPACES", value: `  \t${c()} \t ` },
    { name: "HASH", value: `${c()}#not-a-comment` },
    { name: "SPACE_HASH", value: `${c()} #not-a-comment` },
    { name: "SINGLE_QUOTE", value: `O'Brien ${c()}` },
    { name: "DOUBLE_QUOTE", value: `say "${c()}"` },
    { name: "QUOTE_AND_CR", value: `${c()}'s line\r\n` },
    { name: "BOTH_QUOTES", value: `it's "${c()}"`, dotenvRefuses: true },
    { name: "CR_AND_DOUBLE_QUOTE", value: `{"a": "${c()}"}\r\n`, dotenvRefuses: true },
    { name: "BACKSLASHES", value: `C:\\new\\${c()}\\table \\x41` },
    { name: "UNC_PATH", value: `\\\\server\\share\\${c()}` },
    { name: "TRAILING_BACKSLASH", value: `dir\\${c()}\\` },
    { name: "SPACE_TRAILING_BACKSLASH", value: `a dir\\${c()}\\`, dotenvRefuses: true },
    { name: "DOLLAR", value: `$HOME $(id) ${c()} $1 $$` },
    { name: "BRACED_DOLLAR", value: `\${HOME} ${c()}`, dotenvRefuses: true },
    { name: "BACKTICK", value: `\`id\` ${c()}` },
    { name: "PERCENT", value: `100% ${c()} %0A %25 %AZP25` },
    { name: "EQUALS", value: `a=b=${c()}==` },
    { name: "TRAILING_NEWLINES", value: `${c()}\n\n\n` },
    { name: "LONG", value: long.slice(0, 25_000) },
  ];
}

/** Reads a shell-format file with `. FILE` in `shell` (sh or bash); the values by name. */
export async function readWithShell(
  shell: "sh" | "bash",
  file: string,
  names: readonly string[],
): Promise<Record<string, string>> {
  const out = mkdtempSync(path.join(tmpdir(), "aml-shell-read-"));
  try {
    // POSIX: `eval` reads the variable named by $n; each value goes to a file of its own.
    const script = `. "$1"; shift; for n; do eval "printf %s \\"\\\${$n}\\"" > "$OUT/$n"; done`;
    await run(shell, ["-c", script, "reader", file, ...names], {
      env: { PATH: process.env.PATH, OUT: out },
    });
    return Object.fromEntries(names.map((n) => [n, readFileSync(path.join(out, n), "utf8")]));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** The npm `dotenv` package's reading of the file (`dotenv.parse`, what `config()` loads). */
export function readWithNpmDotenv(file: string): Record<string, string> {
  return dotenv.parse(readFileSync(file));
}

/**
 * Python interpreters that can import python-dotenv, one of each version; without any, the test
 * is skipped saying how to get it, except on CI, which must have it (.ci/run installs it).
 */
export function pythonDotenvReaders(t: TestContext): { python: string; version: string }[] {
  const found = new Map<string, string>();
  for (const python of ["python3", "/usr/bin/python3"]) {
    const probe = spawnSync(
      python,
      ["-c", "import importlib.metadata as m; print(m.version('python-dotenv'))"],
      { encoding: "utf8" },
    );
    const version = probe.status === 0 ? probe.stdout.trim() : "";
    if (version && !found.has(version)) found.set(version, python);
  }
  if (found.size === 0) {
    assert.notEqual(process.env.CI, "true", "CI must read dotenv files with python-dotenv too");
    t.skip("python-dotenv is not installed (apt-get install python3-dotenv): npm dotenv only");
  }
  return [...found].map(([version, python]) => ({ python, version }));
}

/** python-dotenv's `dotenv_values(FILE)` (interpolation on, its default), as JSON. */
export async function readWithPythonDotenv(
  python: string,
  file: string,
): Promise<Record<string, string | null>> {
  const script =
    "import json, sys\nfrom dotenv import dotenv_values\nsys.stdout.write(json.dumps(dotenv_values(sys.argv[1])))";
  const { stdout } = await run(python, ["-c", script, file], {
    env: { PATH: process.env.PATH },
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout) as Record<string, string | null>;
}
