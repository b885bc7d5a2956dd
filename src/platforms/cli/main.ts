// The CLI's entry point (the package's `bin`, bundled as dist/cli.cjs).
import { errorMessage } from "../../core/errors.ts";
import { main } from "./cli.ts";

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    process.stderr.write(`aml-secrets stopped on an unexpected error: ${errorMessage(e)}\n`);
    process.exitCode = 1;
  },
);
