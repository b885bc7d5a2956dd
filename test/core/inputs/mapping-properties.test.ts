// Properties of the mapping parser (src/core/mapping.ts), the `generate` parser and the name
// derivation (src/core/names.ts), over generated input: what test/core/mapping.test.ts shows by
// example, here for any input fast-check can think of.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { parseGenerateLines } from "../../../src/core/modes/set/generate.ts";
import {
  parseGetMapping,
  parseSetMapping,
  type GetMappedEntry,
} from "../../../src/core/inputs/mapping.ts";
import { toPipelineName, toVaultName } from "../../../src/core/inputs/names.ts";

/** The rules, written out here from the SPEC rather than imported from src. */
const vaultName = /^[0-9a-zA-Z-]{1,127}$/;
const pipelineName = /^[A-Za-z_][A-Za-z0-9_.]*$/;

const vaultNames = fc.stringMatching(/^[0-9a-zA-Z-]{1,127}$/);
const pipelineNames = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.]{0,126}$/);
/** Blanks a user may leave around names and the colon. */
const blank = fc.constantFrom("", " ", "\t", "   ", " \t ");
/** Comment text: anything on one line. */
const commentText = fc
  .string({ unit: "binary", maxLength: 40 })
  .map((s) => s.replace(/[\r\n]/g, " "));
/** One style of line break for a whole text, as an editor writes it. */
const lineBreak = fc.constantFrom("\n", "\r\n", "\r");

type Line =
  | { kind: "pair"; vault: string; pipeline: string }
  | { kind: "lone"; name: string }
  | { kind: "comment" }
  | { kind: "blank" };

/** One line of a mapping, as text, with what it stands for. */
interface MappingLine {
  text: string;
  line: Line;
}

/** Any one line: a pair, a lone name drawn from `lone`, a comment or a blank line. */
function mappingLine(lone: fc.Arbitrary<string>): fc.Arbitrary<MappingLine> {
  const trailing = fc.option(
    fc.tuple(fc.constantFrom(" ", "\t", "  "), commentText).map(([ws, c]) => `${ws}#${c}`),
    { nil: "" },
  );
  return fc.oneof(
    fc
      .tuple(blank, vaultNames, blank, blank, pipelineNames, blank, trailing)
      .map(([a, vault, b, c, pipeline, d, comment]): MappingLine => ({
        text: `${a}${vault}${b}:${c}${pipeline}${d}${comment}`,
        line: { kind: "pair", vault, pipeline },
      })),
    fc.tuple(blank, lone, blank, trailing).map(([a, name, b, comment]): MappingLine => ({
      text: `${a}${name}${b}${comment}`,
      line: { kind: "lone", name },
    })),
    fc.tuple(blank, commentText).map(([a, c]): MappingLine => ({
      text: `${a}#${c}`,
      line: { kind: "comment" },
    })),
    blank.map((a): MappingLine => ({ text: a, line: { kind: "blank" } })),
  );
}

/**
 * A whole mapping text: its lines joined by one kind of break, maybe with a final one; `extra`
 * lines (the get mapping's `*`) go in at a generated place.
 */
function mappingText(lone: fc.Arbitrary<string>, extra: MappingLine[] = []) {
  return fc
    .tuple(fc.array(mappingLine(lone), { maxLength: 25 }), fc.nat(), lineBreak, fc.boolean())
    .map(([generated, at, br, final]) => {
      const all = [...generated];
      all.splice(at % (all.length + 1), 0, ...extra);
      return {
        text: all.map((l) => l.text).join(br) + (final && all.length > 0 ? br : ""),
        lines: all.map((l) => l.line),
      };
    });
}

/** The 1-based line numbers a message may name for `text`. */
function lineCount(text: string): number {
  return text.split(/\r\n|\r|\n/).length;
}

describe("the set mapping", () => {
  void test("a valid mapping with comments and blank lines gives exactly its entries, in order, with their lines", () => {
    fc.assert(
      fc.property(mappingText(pipelineNames), ({ text, lines }) => {
        const { entries, problems } = parseSetMapping(text);
        assert.deepEqual(problems, []);
        const expected = lines.flatMap((line, i) => {
          const where = `secrets line ${i + 1}`;
          if (line.kind === "pair")
            return [{ vaultName: line.vault, pipelineName: line.pipeline, where }];
          if (line.kind === "lone") {
            // SPEC: pipeline UPPER_SNAKE (dots too) -> vault lower-kebab.
            const derived = line.name.replace(/[_.]/g, "-").toLowerCase();
            return [{ vaultName: derived, pipelineName: line.name, where }];
          }
          return [];
        });
        assert.deepEqual(entries, expected);
      }),
    );
  });

  void test("on any text it never throws; each line gives one entry or one problem, which names it; entries' names are valid", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), (text) => {
        const { entries, problems } = parseSetMapping(text);
        const lines: number[] = [];
        for (const problem of problems) {
          const named = /^secrets line (\d+): /.exec(problem);
          assert.ok(named, `a problem names no line: ${problem}`);
          lines.push(Number(named[1]));
        }
        for (const entry of entries) {
          assert.match(entry.vaultName, vaultName);
          assert.match(entry.pipelineName, pipelineName);
          lines.push(Number(/^secrets line (\d+)$/.exec(entry.where)?.[1]));
        }
        assert.equal(new Set(lines).size, lines.length, "a line gave two results");
        for (const n of lines) assert.ok(n >= 1 && n <= lineCount(text), `line ${n} is no line`);
      }),
    );
  });

  void test("a lone variable name derives a valid vault name, or a problem naming the line and the variable", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 160 }), (name) => {
        fc.pre(!/[\r\n#:]/.test(name) && name.trim() !== "");
        const { entries, problems } = parseSetMapping(name);
        if (entries.length === 1) {
          assert.match(entries[0]?.vaultName ?? "", vaultName);
          assert.equal(entries[0]?.pipelineName, name.trim());
        } else {
          assert.equal(problems.length, 1);
          assert.ok(problems[0]?.startsWith("secrets line 1: "));
          assert.ok(problems[0]?.includes(name.trim().slice(0, 40)), problems[0]);
        }
      }),
    );
  });
});

describe("the get mapping", () => {
  /** Lone vault names whose derived output name is valid (one starting with a digit is not). */
  const loneVaultNames = vaultNames.filter((v) => !/^[0-9]/.test(v));
  const wildcard: MappingLine = { text: " * ", line: { kind: "lone", name: "*" } };

  void test("a valid mapping with comments, blank lines and one `*` gives exactly its entries", () => {
    fc.assert(
      fc.property(mappingText(loneVaultNames, [wildcard]), ({ text, lines }) => {
        const { entries, problems } = parseGetMapping(text);
        assert.deepEqual(problems, []);
        const expected = lines.flatMap((line, i): GetMappedEntry[] => {
          const where = `secrets line ${i + 1}`;
          if (line.kind === "pair")
            return [{ vaultName: line.vault, pipelineName: line.pipeline, where }];
          if (line.kind === "lone" && line.name === "*")
            return [{ wildcard: true, startsWith: "", where }];
          if (line.kind === "lone") {
            // SPEC: vault lower-kebab -> pipeline UPPER_SNAKE.
            return [
              {
                vaultName: line.name,
                pipelineName: line.name.replace(/-/g, "_").toUpperCase(),
                where,
              },
            ];
          }
          return [];
        });
        assert.deepEqual(entries, expected);
      }),
    );
  });

  void test("a lone vault name derives a valid output name, or a problem naming the line", () => {
    fc.assert(
      fc.property(vaultNames, (name) => {
        const { entries, problems } = parseGetMapping(name);
        if (entries.length === 1) {
          assert.match((entries[0] as { pipelineName: string }).pipelineName, pipelineName);
        } else {
          assert.equal(problems.length, 1);
          assert.match(problems[0] ?? "", /^secrets line 1: /);
          assert.ok(problems[0]?.includes(toPipelineName(name)), problems[0]);
        }
      }),
    );
  });

  void test("on any text it never throws, every problem names a line of it, entries' names are valid", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), (text) => {
        const { entries, problems } = parseGetMapping(text);
        for (const problem of problems) {
          const named = /^secrets line (\d+): /.exec(problem);
          assert.ok(named, `a problem names no line: ${problem}`);
          assert.ok(Number(named[1]) <= lineCount(text));
        }
        for (const entry of entries) {
          if ("wildcard" in entry) continue;
          assert.match(entry.vaultName, vaultName);
          assert.match(entry.pipelineName, pipelineName);
        }
      }),
    );
  });
});

describe("comments", () => {
  /** Two pieces of a name with a `#` glued between them, as in `a#b`. */
  const glued = fc
    .tuple(fc.stringMatching(/^[0-9a-zA-Z-]{1,20}$/), fc.stringMatching(/^[0-9a-zA-Z-]{1,20}$/))
    .map(([a, b]) => `${a}#${b}`);

  void test("a `#` inside a name is no comment: the name is refused, in both modes and in generate", () => {
    fc.assert(
      fc.property(glued, pipelineNames, (name, variable) => {
        for (const [parse, text] of [
          [parseGetMapping, name],
          [parseGetMapping, `${name}: ${variable}`],
          [parseSetMapping, `${name}: ${variable}`],
        ] as const) {
          const { entries, problems } = parse(text);
          assert.deepEqual(entries, [], `${text} gave an entry`);
          assert.equal(problems.length, 1);
          assert.ok(problems[0]?.startsWith("secrets line 1: ") && problems[0].includes(name));
        }
        const generated = parseGenerateLines(name);
        assert.deepEqual(generated.entries, []);
        assert.ok(generated.problems[0]?.startsWith("generate line 1: "));
      }),
    );
  });

  void test("a `#` after whitespace starts a comment, whatever follows it", () => {
    fc.assert(
      fc.property(vaultNames, pipelineNames, commentText, (vault, variable, comment) => {
        const plain = parseSetMapping(`${vault}: ${variable}`);
        assert.deepEqual(parseSetMapping(`${vault}: ${variable} #${comment}`), plain);
        assert.deepEqual(parseSetMapping(`${vault}: ${variable}\t#${comment}`), plain);
      }),
    );
  });
});

describe("the generate lines", () => {
  void test("on any text they never throw, and every problem names a line of it", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), (text) => {
        const { entries, problems } = parseGenerateLines(text);
        for (const problem of problems) {
          const named = /^generate line (\d+): /.exec(problem);
          assert.ok(named, `a problem names no line: ${problem}`);
          assert.ok(Number(named[1]) <= lineCount(text));
        }
        for (const entry of entries) assert.match(entry.vaultName, vaultName);
      }),
    );
  });
});

describe("name derivation", () => {
  void test("toVaultName(toPipelineName(v)) is v for every lower-kebab vault name", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9a-z-]{1,127}$/), (name) => {
        assert.equal(toVaultName(toPipelineName(name)), name);
      }),
    );
  });

  void test("a derived vault name is valid for every valid variable name of at most 127 characters, and never longer", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.]{0,160}$/), (name) => {
        const derived = toVaultName(name);
        assert.equal(derived.length, name.length);
        assert.equal(vaultName.test(derived), name.length <= 127);
      }),
    );
  });
});
