// Makes (once) the emulator CA in the folder given, for test/run.mjs: the suite's processes
// trust it from start-up through NODE_EXTRA_CA_CERTS=<dir>/ca.pem.
import { ensureCa } from "./ca.ts";

const dir = process.argv[2];
if (!dir) {
  process.stderr.write("usage: ca-cli.ts <folder>\n");
  process.exit(2);
}
ensureCa(dir);
