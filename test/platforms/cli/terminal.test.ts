// The CLI bundle on a terminal (a real pseudo-terminal, made by util-linux `script`): progress is
// one status line rewritten in place on stderr, and each secret is shown once, in the table at
// the end, not also as a log line.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { bulkEntries, bulkMapping, bulkValues } from "../../helpers/bulk-set.ts";
import { withEmulator } from "../../helpers/emulator.ts";
import { cliBundle } from "./cli-process.ts";

const hasScript = spawnSync("script", ["--version"]).status === 0;

/** Runs the command with a terminal for stdin, stdout and stderr; what the terminal showed. */
function onTerminal(command: string, env: Record<string, string | undefined>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("script", ["-qec", command, "/dev/null"], {
      env: { PATH: process.env.PATH, NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS, ...env },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
    child.on("error", reject);
    child.on("close", () => resolve(out));
  });
}

test(
  "on a terminal: a live status line, each secret once in the table",
  { skip: !hasScript },
  async () => {
    const entries = bulkEntries(30);
    const dir = mkdtempSync(path.join(tmpdir(), "aml-tty-"));
    const mapping = path.join(dir, "mapping.txt");
    writeFileSync(mapping, bulkMapping(entries));
    await withEmulator(
      async (emu) => {
        const command = [
          process.execPath,
          cliBundle,
          "set",
          "--vault-url",
          emu.vaultUrl,
          "--auth",
          "managed-identity",
          "--secrets-file",
          mapping,
          "--max-concurrency",
          "2",
        ]
          .map((arg) => `'${arg}'`)
          .join(" ");
        const shown = await onTerminal(command, { ...emu.env(), ...bulkValues(entries) });
        const status = [...shown.matchAll(/\r\u001b\[2Kset: (\d+) of 30 done/g)].map((m) =>
          Number(m[1]),
        );
        assert.ok(
          status.some((n) => n < 30),
          `a status line while it ran:\n${JSON.stringify(shown)}`,
        );
        for (const { name } of entries) {
          const times = shown.match(new RegExp(`${name}\\s`, "g"))?.length ?? 0;
          assert.equal(times, 1, `${name} is shown once (the table), not ${times} times`);
        }
        assert.match(shown, /30 secrets, 30 changed, 0 failed/);
      },
      { latencyMs: 100 },
    );
  },
);
