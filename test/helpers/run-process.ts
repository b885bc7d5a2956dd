/**
 * Runs a program to its end, without a shell, and resolves with its exit code and output whether
 * it fails or not. Asynchronous, so that an emulator in the test's own process keeps answering.
 */
import { execFile, type ExecFileOptions } from "node:child_process";

export interface ProcessRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runProcess(
  file: string,
  args: string[],
  options: ExecFileOptions = {},
): Promise<ProcessRun> {
  return new Promise((resolve) => {
    execFile(file, args, { ...options, encoding: "utf8" }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
