// No document of the project points at something that is not there: every relative link of every
// *.md (with its #anchor, when it names a heading of a markdown file) and every backticked path
// that starts at a top-level folder or file of the repository. And no document refers to a
// contract users do not get.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";

const root = path.resolve(import.meta.dirname, "..", "..", "..");

/** The repository's markdown files, tracked or new (not ignored: no node_modules), not dist/. */
function documents(): string[] {
  return execFileSync("git", ["ls-files", "-co", "--exclude-standard", "--", "*.md"], {
    cwd: root,
    encoding: "utf8",
  })
    .split("\n")
    .filter((f) => f !== "" && !f.startsWith("dist/") && existsSync(path.join(root, f)))
    .sort();
}

/** The text outside fenced code blocks, line numbers kept. */
function prose(text: string): string[] {
  let fenced = false;
  return text.split("\n").map((line) => {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      return "";
    }
    return fenced ? "" : line;
  });
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to dashes. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, "")
    .replace(/ /g, "-");
}

function anchors(text: string): Set<string> {
  const found = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of prose(text)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading?.[1]) continue;
    const base = slug(heading[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    found.add(n === 0 ? base : `${base}-${n}`);
  }
  for (const m of text.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) found.add(m[1] ?? "");
  return found;
}

/** A path exists; a `*` in its last segment matches any characters there. */
function exists(target: string): boolean {
  if (!target.includes("*")) return existsSync(target);
  const dir = path.dirname(target);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return false;
  const pattern = new RegExp(
    `^${path
      .basename(target)
      .replace(/[.+?^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")}$`,
  );
  return readdirSync(dir).some((f) => pattern.test(f));
}

/** What `file`'s text points at that is not there: `line: what`. */
export function brokenReferences(file: string, text: string, repoRoot = root): string[] {
  const problems: string[] = [];
  const topLevel = new Set(readdirSync(repoRoot).filter((f) => f !== "node_modules"));
  const lines = prose(text);
  lines.forEach((line, i) => {
    const at = `${file}:${i + 1}`;
    // Links: [text](target) and [text](target "title"); not URLs, not mail.
    for (const m of line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      const link = m[1] ?? "";
      if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue;
      const [rawPath = "", anchor] = link.split("#");
      if (!rawPath) {
        if (anchor && !anchors(text).has(anchor))
          problems.push(`${at}: link to ${link}: no such heading`);
        continue;
      }
      const target = path.resolve(
        path.dirname(path.join(repoRoot, file)),
        decodeURIComponent(rawPath),
      );
      if (!existsSync(target)) {
        problems.push(`${at}: link to ${link}: no such file`);
        continue;
      }
      if (anchor && target.endsWith(".md") && !anchors(readFileSync(target, "utf8")).has(anchor))
        problems.push(`${at}: link to ${link}: no such heading`);
    }
    // Backticked paths from the repository's root: `src/core/names.ts`, `docs/`, `action.yml`.
    for (const m of line.matchAll(/`([^`\s]+)`/g)) {
      const candidate = (m[1] ?? "").replace(/[:,.;]$/, "");
      if (!/^[\w.*-]+(\/[\w.*-]+)*\/?$/.test(candidate)) continue;
      const first = candidate.split("/")[0] ?? "";
      const isPath = candidate.includes("/") ? topLevel.has(first) : false;
      if (!isPath) continue;
      if (!exists(path.join(repoRoot, candidate)))
        problems.push(`${at}: \`${candidate}\`: no such path`);
    }
  });
  return problems;
}

test("every relative link and backticked repository path of every document exists", () => {
  const files = documents();
  assert.ok(files.includes("README.md") && files.includes("CONTRIBUTING.md"), files.join(", "));
  assert.ok(
    files.some((f) => f.startsWith("docs/")),
    "no docs/",
  );
  const problems = files.flatMap((file) =>
    brokenReferences(file, readFileSync(path.join(root, file), "utf8")),
  );
  assert.deepEqual(problems, []);
});

test("no document refers to the project's internal contract", () => {
  const problems = documents().flatMap((file) =>
    readFileSync(path.join(root, file), "utf8")
      .split("\n")
      .flatMap((line, i) => (/\bSPEC\b|SPEC\.md/.test(line) ? [`${file}:${i + 1}: ${line}`] : [])),
  );
  assert.deepEqual(problems, []);
});

test("the check finds a missing file, a missing heading and a missing backticked path", () => {
  const text = [
    "[ok](README.md) [ok](#a-heading) [web](https://example.com/x.md)",
    "[gone](docs/nothing-here.md) [bad anchor](README.md#no-such-heading-here)",
    "`src/core/` `src/no-such-file.ts` `test/system/hostile-input/*-values.test.ts` `lib/main.js` `parser.py`",
    "```sh",
    "cat src/inside-a-fence.ts [x](fenced.md)",
    "```",
    "## A heading",
  ].join("\n");
  assert.deepEqual(
    brokenReferences("example.md", text).map((p) => p.replace(/^example\.md:\d+: /, "")),
    [
      "link to docs/nothing-here.md: no such file",
      "link to README.md#no-such-heading-here: no such heading",
      "`src/no-such-file.ts`: no such path",
    ],
  );
});
