// The CLI's entry point (the package's `bin`, bundled as dist/cli.cjs).
import { errorMessage } from "../../core/errors.ts";
import { cancelOnSignals } from "../signals.ts";
import { main, processIo } from "./cli.ts";

const argv = process.argv.slice(2);
// SIGINT / SIGTERM cancel a run (exit 130 / 143 once it reported). For `emulator` they are its
// ordinary stop, handled by the emulator itself (its env file removed, exit 0): not a cancellation.
const cancel = argv[0] === "emulator" ? undefined : cancelOnSignals();
main(argv, { ...processIo, ...(cancel ? { cancel: cancel.signal } : {}) }).then(
  (code) => {
    process.exitCode = code;
    cancel?.settle();
  },
  (e: unknown) => {
    process.stderr.write(`aml-secrets stopped on an unexpected error: ${errorMessage(e)}\n`);
    process.exitCode = 1;
  },
);
