/**
 * Prints the one table of a bench run from the results file the benches appended to
 * (`node --import tsx bench/table.ts FILE`): per scenario the medians of the product, each
 * baseline and the floor, the ratios, and the product's peak RSS; then each floor's meaning
 * and the notes. Also writes the table as markdown to FILE.md, for bench/README.md.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { cpus } from "node:os";
import { median, megabytes, seconds, type Figures } from "./helpers.ts";

const file = process.argv[2] ?? "";
const all = readFileSync(file, "utf8")
  .split("\n")
  .filter((line) => line !== "")
  .map((line) => JSON.parse(line) as Figures);

function time(f: Figures, xs: number[] | undefined): string {
  if (xs === undefined) return "not run";
  if (xs.length === 0) return "over the bound";
  const m = median(xs);
  return f.unit === "s" ? seconds(m) : `${m.toFixed(0)} ms`;
}

function ratio(a: number, b: number): string {
  return Number.isFinite(a / b) && b > 0 ? `${(a / b).toFixed(2)}×` : "—";
}

const header = [
  "scenario",
  "product",
  "careful loop",
  "blind loop",
  "floor",
  "product / floor",
  "careful / product",
  "blind / product",
  "peak RSS",
];
const rows = all.map((f) => {
  const p = median(f.product);
  const floorText =
    f.floorMs === undefined
      ? "—"
      : f.unit === "s"
        ? seconds(f.floorMs)
        : `${f.floorMs.toFixed(0)} ms`;
  return [
    f.scenario,
    time(f, f.product),
    time(f, f.careful),
    time(f, f.blind),
    floorText,
    f.floorMs === undefined ? "—" : ratio(p, f.floorMs),
    f.careful ? ratio(median(f.careful), p) : "—",
    f.blind ? ratio(median(f.blind), p) : "—",
    f.rss ? megabytes(Math.max(...f.rss.filter((x) => !Number.isNaN(x)))) : "—",
  ];
});

const widths = header.map((_, i) => Math.max(...[header, ...rows].map((r) => (r[i] ?? "").length)));
const line = (r: string[]): string =>
  r
    .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
    .join("  ");
const machine = `${cpus().length} cores (nproc ${execFileSync("nproc", { encoding: "utf8" }).trim()}), node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;

console.log(`\n${machine}; medians of each scenario's rounds; peak RSS: the largest round`);
console.log(line(header));
for (const r of rows) console.log(line(r));
console.log("\nfloors:");
for (const f of all) if (f.floorWhat) console.log(`  ${f.scenario}: ${f.floorWhat}`);
console.log("\nnotes:");
for (const f of all) for (const note of f.notes ?? []) console.log(`  ${f.scenario}: ${note}`);

writeFileSync(
  `${file}.md`,
  [
    machine,
    "",
    `| ${header.join(" | ")} |`,
    `| ${header.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
    "",
  ].join("\n"),
);
