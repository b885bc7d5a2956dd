// The esbuild options every bundle of the product is made with: one self-contained CommonJS
// file for Node 20 and later, what a run may not use evaluated on first use (lazy-load.mjs).
// scripts/build.mjs builds dist/ with them; the benches bundle their baseline loops with them,
// so that the loops load the SDK as the product does.
import { startupPlugins } from "./lazy-load.mjs";

export function bundleOptions() {
  return {
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    minifySyntax: true,
    minifyWhitespace: true,
    legalComments: "linked",
    logLevel: "warning",
    plugins: startupPlugins(),
  };
}
