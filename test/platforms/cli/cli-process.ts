/** Runs the built CLI bundle as its own process, the way a user runs `aml-secrets`. */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

export const cliBundle = path.resolve(import.meta.dirname, "..", "..", "..", "dist", "cli.cjs");

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Asynchronous on purpose: the emulator serving this CLI runs in the test's own process, so a
 * blocking spawnSync would leave it unable to answer.
 */
export function runCli(
  args: string[],
  env: Record<string, string | undefined>,
  node = process.execPath,
  onSpawn?: (child: ChildProcess) => void,
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, [cliBundle, ...args], {
      env: { PATH: process.env.PATH, NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    onSpawn?.(child);
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
