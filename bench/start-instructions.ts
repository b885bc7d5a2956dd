/**
 * The instructions of each entry point's start (issue 23): the figure that load on the shared
 * machine cannot change, where cold-start.ts times. The same runs (start-runs.ts: the CLI's `plan` of one
 * secret, the action's and the task's dry runs through the test helpers that run them as the
 * runner and the agent do) and bare `node -e 0` with the same `NODE_EXTRA_CA_CERTS`, each under
 * callgrind, on this Node and on Node 24; one untimed run first. Prints M instructions of the
 * main thread and of all threads (Node 24 loads its root certificates on a thread of its own).
 *   npm run build && node --import tsx bench/start-instructions.ts     (minutes: valgrind)
 */
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startEmulator } from "../src/emulator/index.ts";
import { startRuns } from "./start-runs.ts";

const work = mkdtempSync(path.join(tmpdir(), "aml-start-instructions-"));
const emu = await startEmulator();
const ca = emu.env().NODE_EXTRA_CA_CERTS;
const node24 = execFileSync(process.execPath, ["scripts/node24.mjs"], { encoding: "utf8" }).trim();
// Debian's `valgrind` is an sh script in front of valgrind.bin: it too would drop that variable.
const valgrind = existsSync("/usr/bin/valgrind.bin") ? "/usr/bin/valgrind.bin" : "valgrind";

/**
 * An executable that runs `node` under callgrind, writing one file per thread to `out`. A Node
 * script, not sh: sh drops the runner's `INPUT_VAULT-URL` (not a shell name) from the environment.
 */
function underCallgrind(node: string, out: string): string {
  const file = path.join(work, `${path.basename(out)}.cjs`);
  const args = ["--tool=callgrind", "--separate-threads=yes", "--dump-instr=no"];
  writeFileSync(
    file,
    `#!${process.execPath}
const args = ${JSON.stringify([...args, `--log-file=${out}.log`, `--callgrind-out-file=${out}`, node])};
const run = require("node:child_process").spawnSync(${JSON.stringify(valgrind)}, [...args, ...process.argv.slice(2)], { stdio: "inherit" });
process.exit(run.status ?? 1);
`,
  );
  chmodSync(file, 0o755);
  return file;
}

/** Instructions of the main thread and of all threads, in millions, from callgrind's files. */
function instructions(out: string): { main: number; all: number } {
  const files = readdirSync(work)
    .filter((f) => f.startsWith(`${path.basename(out)}-`))
    .sort();
  const counts = files.map((f) => {
    const summary = /^summary: (\d+)$/m.exec(readFileSync(path.join(work, f), "utf8"));
    return Number(summary?.[1] ?? Number.NaN) / 1e6;
  });
  return { main: counts[0] ?? Number.NaN, all: counts.reduce((a, b) => a + b, 0) };
}

const runs = startRuns(emu);
/** Each case runs with `node` (a Node binary, or the callgrind wrapper of one) and checks itself. */
const cases: Record<string, (node: string) => Promise<void>> = {
  bare: (node) => {
    execFileSync(node, ["-e", "0"], { env: { PATH: process.env.PATH, NODE_EXTRA_CA_CERTS: ca } });
    return Promise.resolve();
  },
  "cli plan": async (node) => (await runs.cliPlan(node))(),
  "action dry run": async (node) => (await runs.action(node))(),
  "task dry run": async (node) => (await runs.task(node))(),
};

try {
  console.log("M instructions (callgrind): main thread / all threads; above bare node -e 0");
  for (const node of [process.execPath, node24]) {
    const version = execFileSync(node, ["--version"], { encoding: "utf8" }).trim();
    let bare = { main: 0, all: 0 };
    for (const [label, run] of Object.entries(cases)) {
      const out = path.join(work, `${version}-${label.replace(/ /g, "-")}.out`);
      await run(node);
      await run(underCallgrind(node, out));
      const n = instructions(out);
      if (label === "bare") bare = n;
      const above =
        label === "bare"
          ? ""
          : `  (+${(n.main - bare.main).toFixed(0)} / +${(n.all - bare.all).toFixed(0)})`;
      console.log(
        `  ${version} ${label.padEnd(15)} ${n.main.toFixed(1)} / ${n.all.toFixed(1)}${above}`,
      );
    }
  }
} finally {
  await emu.stop();
  rmSync(work, { recursive: true, force: true });
}
