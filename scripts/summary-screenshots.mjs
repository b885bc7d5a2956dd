// Makes docs/images/summary-*.png: the job summary of a set, a get and a failed set, from real
// runs of the action's bundle (dist/action.cjs, `npm run build` first) against the emulator,
// rendered as GitHub renders markdown (marked, GitHub-flavoured) and photographed by headless
// Chromium. Run: node --import tsx scripts/summary-screenshots.mjs  (needs `chromium` on PATH).
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { marked } from "marked";
import { startEmulator } from "../src/emulator/index.ts";

const root = path.resolve(import.meta.dirname, "..");
const images = path.join(root, "docs", "images");
const bundle = path.join(root, "dist", "action.cjs");

/** One step of the action, as the runner runs it; its job summary. */
async function step(emu, inputs, env = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), "aml-shot-"));
  const summary = path.join(dir, "summary.md");
  const output = path.join(dir, "output.txt");
  writeFileSync(summary, "");
  writeFileSync(output, "");
  const withInputs = { "vault-url": emu.vaultUrl, auth: "managed-identity", ...inputs };
  const child = spawn(process.execPath, [bundle], {
    cwd: dir,
    stdio: "ignore",
    env: {
      PATH: process.env.PATH,
      GITHUB_ACTIONS: "true",
      GITHUB_WORKSPACE: dir,
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_OUTPUT: output,
      GITHUB_ENV: path.join(dir, "env.txt"),
      ...emu.env(),
      ...env,
      ...Object.fromEntries(
        Object.entries(withInputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v]),
      ),
    },
  });
  await new Promise((resolve) => child.on("close", resolve));
  return readFileSync(summary, "utf8");
}

function shoot(name, markdown) {
  const dir = mkdtempSync(path.join(tmpdir(), "aml-shot-"));
  const html = path.join(dir, `${name}.html`);
  const css = `body{font:14px -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:24px;color:#1f2328}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #d1d9e0;padding:4px 10px;text-align:left}
tr:nth-child(2n){background:#f6f8fa}code{background:#eff1f3;padding:1px 4px;border-radius:4px}
summary{cursor:pointer;margin:8px 0}`;
  writeFileSync(
    html,
    `<!doctype html><meta charset="utf-8"><style>${css}</style><body>${marked.parse(markdown, { gfm: true })}</body>`,
  );
  const png = path.join(images, `summary-${name}.png`);
  const run = spawnSync(
    process.env.CHROMIUM ?? "chromium",
    [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      `--screenshot=${png}`,
      "--window-size=1000,1400",
      `file://${html}`,
    ],
    { stdio: "inherit" },
  );
  if (run.status !== 0) throw new Error(`chromium failed on ${name}`);
  console.log(`wrote ${path.relative(root, png)}`);
}

const emu = await startEmulator();
try {
  const id = randomBytes(2).toString("hex");
  const names = Array.from({ length: 12 }, (_, i) => `app-${id}-secret-${i + 1}`);
  const values = Object.fromEntries(names.map((n, i) => [`V${i + 1}`, `value-${n}`]));
  const mapping = names.map((n, i) => `${n}: V${i + 1}`).join("\n");
  // Some exist already (unchanged, updated), the rest are created.
  for (const [i, n] of names.slice(0, 4).entries())
    emu.seed(n, i < 2 ? `value-${n}` : "an older value");
  shoot("set", await step(emu, { secrets: mapping }, values));
  shoot("get", await step(emu, { mode: "get", secrets: names.slice(0, 5).join("\n") }));
  emu.setFaults({ forbidden: [names[2], names[9]] });
  const changed = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, `${v}-2`]));
  shoot("failure", await step(emu, { secrets: mapping }, changed));
} finally {
  await emu.stop();
}
