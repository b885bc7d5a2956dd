// The CLI's entry point (the package's `bin`, bundled as dist/cli.cjs).
import { errorMessage } from "../../core/errors.ts";
import { cancelOnSignals } from "../signals.ts";
import { main, processIo } from "./cli.ts";

const cancel = cancelOnSignals();
main(process.argv.slice(2), { ...processIo, cancel: cancel.signal }).then(
  (code) => {
    process.exitCode = code;
    cancel.settle();
  },
  (e: unknown) => {
    process.stderr.write(`aml-secrets stopped on an unexpected error: ${errorMessage(e)}\n`);
    process.exitCode = 1;
  },
);
