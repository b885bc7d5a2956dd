// Start-up (docs/design.md, "Dependencies"): esbuild plugins that keep in the bundles what a run
// may need, but evaluate it only when the run uses it. A bundle's ES modules are evaluated as it
// loads, every one, whether the run needs them or not; a module reached only through `require()`
// is wrapped by esbuild and evaluated on its first use. Imported by scripts/bundle-options.mjs
// and by the tests that check these plugins (test/shims/).
import { readFile } from "node:fs/promises";
import { createRequire, isBuiltin } from "node:module";
import path from "node:path";

/**
 * Packages that a run uses rarely or never, each with why. Every import of one, from our code or
 * from a package's, gets a stand-in with the package's own export names, each a getter that loads
 * the package the first time it is read (see `lazyModule`). Their loading cost, measured with
 * `node --cpu-prof` on the bundles: the proxy agents with `debug` and `assert` some 5–10 ms,
 * `jsonwebtoken` (which parses semver ranges as it loads) 10–30 ms.
 * CommonJS packages only (see `lazyModule`): a stand-in for an ES module such as
 * `@azure/identity` would keep every export, undoing esbuild's tree shaking of it (60 KB more of
 * it and 35 KB more of MSAL to parse at each start, more than its evaluation saves).
 */
export const lazyPackages = {
  // The SDK's proxy policy builds one only when HTTPS_PROXY / HTTP_PROXY names a proxy.
  "https-proxy-agent": "built only when the environment names a proxy",
  "http-proxy-agent": "built only when the environment names a proxy",
  // MSAL signs a client assertion with it for a certificate credential only (an Azure Pipelines
  // connection with a certificate).
  jsonwebtoken: "used by MSAL for certificate credentials only",
  // @actions/http-client tunnels through a proxy with it (the action's OIDC request behind one);
  // loading it loads Node's `assert` too.
  tunnel: "used by @actions/http-client behind a proxy only",
  // The task library's glob matching and its ToolRunner's promises: for other tasks' work.
  minimatch: "used by the task library's find and match functions only",
  q: "used by the task library's ToolRunner only",
};

/**
 * Packages left out of the bundles, with the one file that may import each: it uses the package
 * in a function that nothing in the bundles calls. A stand-in keeps the package's export names,
 * and reading one throws, naming this file. Another importer fails the build.
 */
export const omittedPackages = {
  // 550 KB, 40 % of the action's bundle: V8 reads and compiles all of it at each start (some
  // 35 ms), and evaluating it took 50 ms more. @actions/http-client builds an undici ProxyAgent
  // in getAgentDispatcher() only, a dispatcher for fetch() behind a proxy; @actions/core never
  // calls it (its OIDC request goes through Node's https, with `tunnel` behind a proxy).
  undici: "@actions/http-client/lib/index.js",
};

/** The stand-in for a package of `omittedPackages`: its export names, each throwing when read. */
export function omittedModule(name, real) {
  const names = Object.keys(createRequire(real)(real));
  const getters = names
    .map(
      (n) =>
        `  ${JSON.stringify(n)}: { enumerable: true, get: () => omitted(${JSON.stringify(n)}) },`,
    )
    .join("\n");
  return [
    `// Stand-in for ${name}, which is not bundled (scripts/lazy-load.mjs).`,
    `const omitted = (n) => {`,
    `  throw new Error(\`aml-secrets: ${name}.\${n} was left out of this bundle (scripts/lazy-load.mjs): nothing in it was to use ${name}\`);`,
    `};`,
    `Object.defineProperties(module.exports, {`,
    getters,
    `});`,
  ].join("\n");
}

/**
 * The stand-in for the CommonJS module at `real` (an absolute path): CommonJS too, whose every
 * export is a getter that requires the real module on first read. esbuild bundles the real module
 * all the same, behind its `require()`, so it is evaluated then and not before. An importer's
 * `import { X } from "pkg"` reads `X` off the module where it uses it (esbuild keeps the
 * namespace), so nothing is loaded until that line runs; `__esModule` is the real module's own,
 * so a default import means what it meant (test/shims/lazy-load.test.ts builds both ways).
 * An ES module is refused: a default import of it from an `.mjs` file would get the stand-in's
 * exports object, not its default export, and its unused exports could no longer be shaken off.
 */
export async function lazyModule(real) {
  if (await isEsModule(real))
    throw new Error(`lazy-load: ${real} is an ES module; only a CommonJS package can be lazy`);
  const module = createRequire(real)(real);
  if (Object.keys(module).length === 0) throw new Error(`lazy-load: ${real} exports nothing`);
  return standIn(path.basename(real), `./${path.basename(real)}`, module);
}

/**
 * Node's modules that a run uses rarely, each with why: a stand-in as for a package, whose getters
 * require the module itself on first read. Loading zlib costs some 9 M instructions (callgrind,
 * Node 24), about 2 % of a one-secret run's start.
 */
export const lazyBuiltins = {
  // The SDK's HTTP client and the network client (src/core/vault/network.ts) decompress an
  // answer with it, and only an answer that says it is compressed.
  zlib: "used for compressed answers only",
};

/** The stand-in for Node's module `name`, with the export names of this Node's. */
export function lazyBuiltin(name) {
  return standIn(name, `node:${name}`, createRequire(import.meta.url)(`node:${name}`));
}

/** CommonJS whose every export of `module` is a getter requiring `specifier` on first read. */
function standIn(label, specifier, module) {
  const getters = Object.keys(module)
    .map(
      (name) =>
        `  ${JSON.stringify(name)}: { enumerable: true, get: () => load()[${JSON.stringify(name)}] },`,
    )
    .join("\n");
  return [
    `// Stand-in for ${label}: loaded on first use (scripts/lazy-load.mjs).`,
    `let real;`,
    `const load = () => (real ??= require(${JSON.stringify(specifier)}));`,
    `Object.defineProperties(module.exports, {`,
    getters,
    `});`,
    module.__esModule
      ? `Object.defineProperty(module.exports, "__esModule", { value: true });`
      : "",
  ].join("\n");
}

/** Whether Node takes `file` for an ES module: `.mjs`, or `.js` under a `"type": "module"`. */
async function isEsModule(file) {
  if (file.endsWith(".mjs")) return true;
  if (!file.endsWith(".js")) return false;
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const text = await readFile(path.join(dir, "package.json"), "utf8").catch(() => undefined);
    if (text !== undefined) return JSON.parse(text).type === "module";
    if (path.dirname(dir) === dir) return false;
  }
}

/**
 * The plugin that gives every import of `packages` the stand-in of `lazyModule`, and every import
 * of `omitted` (by its one allowed importer) the stand-in of `omittedModule`.
 */
export function lazyPackagesPlugin(
  packages = Object.keys(lazyPackages),
  omitted = omittedPackages,
  builtins = Object.keys(lazyBuiltins),
) {
  const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  const names = [...packages, ...Object.keys(omitted)];
  const filter = new RegExp(`^(${names.map(escape).join("|")})$`);
  const builtin = new RegExp(`^(node:)?(${builtins.map(escape).join("|")})$`);
  return {
    name: "lazy-packages",
    setup(build) {
      // `zlib` and `node:zlib` alike: one stand-in (whose own require is left to Node).
      if (builtins.length > 0)
        build.onResolve({ filter: builtin, namespace: "file" }, (args) => ({
          path: args.path.replace(/^node:/, ""),
          namespace: "lazy-builtin",
        }));
      build.onLoad({ filter: /.*/, namespace: "lazy-builtin" }, (args) => ({
        contents: lazyBuiltin(args.path),
        loader: "js",
      }));
      build.onResolve({ filter }, async (args) => {
        if (args.pluginData?.real) return undefined;
        const importer = omitted[args.path];
        if (importer !== undefined) {
          const from = args.importer.split(path.sep).join("/");
          if (!from.endsWith(`/node_modules/${importer}`))
            return {
              errors: [
                {
                  text: `${args.path} is left out of the bundles (scripts/lazy-load.mjs), but ${args.importer} imports it`,
                },
              ],
            };
        }
        // Resolved as the importer asked (an `import` takes the package's ES build, as before),
        // then handed to the stand-in, one per real file whoever imports it.
        const real = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: { real: true },
        });
        if (real.errors.length > 0) return { errors: real.errors };
        // A path relative to the project, as esbuild names the bundle's other modules: the
        // bundles are the same whichever folder they are built in.
        const relative = path.relative(process.cwd(), real.path).split(path.sep).join("/");
        if (importer !== undefined)
          return { path: relative, namespace: "omitted-package", pluginData: { name: args.path } };
        return { path: relative, namespace: "lazy-package" };
      });
      build.onLoad({ filter: /.*/, namespace: "lazy-package" }, async (args) => ({
        contents: await lazyModule(path.resolve(args.path)),
        loader: "js",
        resolveDir: path.dirname(path.resolve(args.path)),
      }));
      build.onLoad({ filter: /.*/, namespace: "omitted-package" }, (args) => ({
        contents: omittedModule(args.pluginData.name, path.resolve(args.path)),
        loader: "js",
      }));
    },
  };
}

/**
 * The Azure SDK's check whether a request's body is a `FormData`, made on every request
 * (`typeof FormData !== "undefined" && body instanceof FormData`): reading Node's global
 * `FormData` the first time loads Node's own undici, some 40 ms. These files get `FormData` from
 * src/shims/form-data.ts instead, which reads the global only for a body that could be one.
 * A file that no longer holds the check fails the build: the plugin is then out of date.
 */
const formDataChecks = [
  "@typespec/ts-http-runtime/dist/esm/formData.js",
  "@typespec/ts-http-runtime/dist/esm/client/sendRequest.js",
];
const formDataCheck = 'typeof FormData !== "undefined" && body instanceof FormData';

export function formDataPlugin(
  shim = path.resolve(import.meta.dirname, "..", "src", "shims", "form-data.ts"),
) {
  const files = formDataChecks.map((f) => f.split("/").join(path.sep));
  return {
    name: "form-data-check",
    setup(build) {
      build.onLoad({ filter: /[\\/]@typespec[\\/]ts-http-runtime[\\/].*\.js$/ }, async (args) => {
        if (!files.some((f) => args.path.endsWith(`${path.sep}node_modules${path.sep}${f}`)))
          return undefined;
        const text = await readFile(args.path, "utf8");
        if (!text.includes(formDataCheck))
          throw new Error(`form-data-check: ${args.path} no longer holds \`${formDataCheck}\``);
        return {
          contents: `import { FormData } from ${JSON.stringify(shim)};\n${text}`,
          loader: "js",
          resolveDir: path.dirname(args.path),
        };
      });
    },
  };
}

/** Every plugin of this file, for scripts/bundle-options.mjs. */
export function startupPlugins() {
  return [lazyPackagesPlugin(), formDataPlugin()];
}
