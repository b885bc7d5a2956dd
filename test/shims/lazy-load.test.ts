// The build's start-up plugins (scripts/lazy-load.mjs), on small packages made here: a lazy
// package is evaluated where it is first used and gives every importer what it gave before; a
// left-out package throws where it is used, and only its one importer may import it; the SDK's
// FormData check reads the global only for a FormData; a lazy builtin loads where it is used,
// and a builtin's namespace is made once.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { build, type Plugin } from "esbuild";

/** The plugins of scripts/lazy-load.mjs (plain JavaScript: typed here by hand). */
const script = "../../scripts/lazy-load.mjs";
const { lazyPackagesPlugin, formDataPlugin, lazyBuiltins, lazyPackages, omittedPackages } =
  (await import(script)) as {
    lazyPackagesPlugin: (
      packages?: string[],
      omitted?: Record<string, string>,
      builtins?: string[],
    ) => Plugin;
    formDataPlugin: () => Plugin;
    lazyBuiltins: Record<string, string>;
    lazyPackages: Record<string, string>;
    omittedPackages: Record<string, string>;
  };

let dir: string;

function write(file: string, text: string): void {
  mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  writeFileSync(path.join(dir, file), text);
}

/** Marks the package as evaluated, in order. */
const loads = (name: string): string =>
  `(globalThis.__loaded ??= []).push(${JSON.stringify(name)});\n`;

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), "aml-lazy-load-"));
  write("node_modules/lazy-cjs/package.json", '{"name":"lazy-cjs","main":"index.js"}');
  write(
    "node_modules/lazy-cjs/index.js",
    `${loads("lazy-cjs")}exports.answer = 42;\nexports.Thing = class Thing {};\nexports.hello = (n) => "hello " + n;\n`,
  );
  // A CommonJS build of an ES module, as TypeScript writes it (https-proxy-agent is one).
  write("node_modules/lazy-ts/package.json", '{"name":"lazy-ts","main":"index.js"}');
  write(
    "node_modules/lazy-ts/index.js",
    `"use strict";\nObject.defineProperty(exports, "__esModule", { value: true });\n${loads("lazy-ts")}exports.default = "the default";\nexports.named = "named";\n`,
  );
  write(
    "node_modules/lazy-esm/package.json",
    '{"name":"lazy-esm","type":"module","main":"index.js"}',
  );
  write(
    "node_modules/lazy-esm/index.js",
    `${loads("lazy-esm")}export const value = "esm";\nexport default function greet() { return "esm default"; }\n`,
  );
  write("node_modules/left-out/package.json", '{"name":"left-out","main":"index.js"}');
  write(
    "node_modules/left-out/index.js",
    `${loads("left-out")}exports.Tool = class Tool {};\nexports.make = () => 1;\n`,
  );
  write(
    "node_modules/allowed/package.json",
    '{"name":"allowed","type":"module","main":"index.js"}',
  );
  write(
    "node_modules/allowed/index.js",
    'import { Tool } from "left-out";\nexport const ok = 1;\nexport function useTool() { return new Tool(); }\n',
  );
  write("node_modules/other/package.json", '{"name":"other","type":"module","main":"index.js"}');
  write("node_modules/other/index.js", 'import { make } from "left-out";\nexport { make };\n');
  const body = `import { answer, Thing, hello } from "lazy-cjs";
import tsDefault, { named } from "lazy-ts";
import { useTool, ok } from "allowed";
const loaded = () => [...(globalThis.__loaded ?? [])];
const before = loaded();
const values = { answer };
const afterOne = loaded();
Object.assign(values, {
  thing: new Thing() instanceof Thing,
  sameThing: Thing === Thing,
  hello: hello("x"),
  tsDefault: typeof tsDefault === "string" ? tsDefault : Object.keys(tsDefault).sort(),
  named,
  ok,
});
let tool;
try { tool = useTool().constructor.name; } catch (e) { tool = e.message; }
console.log(JSON.stringify({ before, afterOne, values, tool, after: loaded() }));
`;
  // In Node's mode (an .mjs importer: a default import is module.exports) and out of it.
  write("entry.mjs", body);
  write("entry.ts", body);
});
after(() => rmSync(dir, { recursive: true, force: true }));

interface Outcome {
  before: string[];
  afterOne: string[];
  values: Record<string, unknown>;
  tool: string;
  after: string[];
}

async function bundle(entry: string, plugins: Plugin[], name: string): Promise<string> {
  const outfile = path.join(dir, "out", `${name}.cjs`);
  // As scripts/build.mjs bundles, from the project's folder (the stand-ins are named from it).
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    await build({
      entryPoints: [path.join(dir, entry)],
      outfile,
      bundle: true,
      platform: "node",
      format: "cjs",
      target: "node20",
      logLevel: "silent",
      plugins,
    });
  } finally {
    process.chdir(cwd);
  }
  return outfile;
}

async function runBundle(file: string): Promise<Outcome> {
  const { stdout } = await promisify(execFile)(process.execPath, [file], { encoding: "utf8" });
  return JSON.parse(stdout) as Outcome;
}

const plugin = (): Plugin =>
  lazyPackagesPlugin(["lazy-cjs", "lazy-ts"], {
    "left-out": "allowed/index.js",
  });

for (const entry of ["entry.mjs", "entry.ts"]) {
  test(`${entry}: each lazy package is evaluated where it is first used, and gives what it gave before`, async () => {
    const name = entry.replace(".", "-");
    const eager = await runBundle(await bundle(entry, [], `${name}-eager`));
    const lazy = await runBundle(await bundle(entry, [plugin()], `${name}-lazy`));
    assert.deepEqual(lazy.values, eager.values);
    // Without the plugin every package is evaluated before the first line of the entry.
    assert.deepEqual(eager.before.sort(), ["lazy-cjs", "lazy-ts", "left-out"]);
    assert.deepEqual(lazy.before, []);
    assert.deepEqual(lazy.afterOne, ["lazy-cjs"]);
    assert.deepEqual(lazy.after, ["lazy-cjs", "lazy-ts"]);
    // The left-out package: its importer loads, and using the package throws, naming it.
    assert.equal(eager.tool, "Tool");
    assert.match(lazy.tool, /^aml-secrets: left-out\.Tool was left out of this bundle/);
  });
}

test("an ES module cannot be made lazy: the build says so", async () => {
  write("esm-entry.mjs", 'import greet from "lazy-esm";\nconsole.log(greet());\n');
  await assert.rejects(
    bundle("esm-entry.mjs", [lazyPackagesPlugin(["lazy-esm"], {})], "esm"),
    /lazy-esm.index\.js is an ES module; only a CommonJS package can be lazy/,
  );
});

test("a left-out package imported by any other file fails the build", async () => {
  write("other-entry.mjs", 'import { make } from "other";\nconsole.log(make());\n');
  await assert.rejects(
    bundle("other-entry.mjs", [plugin()], "other"),
    /left-out is left out of the bundles \(scripts\/lazy-load\.mjs\), but .*other.index\.js imports it/,
  );
});

test("the product's lists name packages that exist, and the stand-ins keep every export name", () => {
  const require = createRequire(path.join(process.cwd(), "package.json"));
  for (const name of [...Object.keys(lazyPackages), ...Object.keys(omittedPackages)])
    assert.ok(Object.keys(require(name) as object).length > 0, name);
});

test("the SDK's FormData check: a body that is no FormData leaves Node's undici unloaded", async () => {
  const real = createRequire(path.join(process.cwd(), "package.json")).resolve(
    "@typespec/ts-http-runtime/package.json",
  );
  const file = "node_modules/@typespec/ts-http-runtime/dist/esm/formData.js";
  mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  cpSync(path.join(path.dirname(real), "dist", "esm", "formData.js"), path.join(dir, file));
  write(
    "form-entry.mjs",
    `import { convertBodyToFormDataMap } from "./${file}";
const undici = () => process.moduleLoadList.some((m) => /undici/.test(m));
const text = convertBodyToFormDataMap('{"value":"x"}');
const before = undici();
const form = new FormData();
form.append("a", "1");
console.log(JSON.stringify({ text: text ?? null, before, form: convertBodyToFormDataMap(form), after: undici() }));
`,
  );
  const run = async (plugins: Plugin[], name: string): Promise<unknown> => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [await bundle("form-entry.mjs", plugins, name)],
      { encoding: "utf8" },
    );
    return JSON.parse(stdout);
  };
  assert.deepEqual(await run([], "form-eager"), {
    text: null,
    before: true,
    form: { a: ["1"] },
    after: true,
  });
  assert.deepEqual(await run([formDataPlugin()], "form-shim"), {
    text: null,
    before: false,
    form: { a: ["1"] },
    after: true,
  });

  // A version of the file without the check: the plugin is out of date, and says so.
  writeFileSync(
    path.join(dir, file),
    readFileSync(path.join(dir, file), "utf8").replace(
      "typeof FormData",
      "typeof globalThis.FormData",
    ),
  );
  await assert.rejects(
    bundle("form-entry.mjs", [formDataPlugin()], "form-stale"),
    /no longer holds `typeof FormData !== "undefined" && body instanceof FormData`/,
  );
});

test("a lazy builtin (zlib) is loaded where it is first used, from either name, and works as itself", async () => {
  write(
    "zlib-entry.mjs",
    `import zlib from "node:zlib";
import { gunzipSync } from "zlib";
import * as whole from "node:zlib";
const loaded = () => process.moduleLoadList.includes("NativeModule zlib");
const before = loaded();
const text = gunzipSync(zlib.gzipSync("hello")).toString();
console.log(JSON.stringify({ before, text, after: loaded(), names: Object.keys(whole).includes("createGunzip") }));
`,
  );
  const run = async (plugins: Plugin[], name: string): Promise<unknown> => {
    const file = await bundle("zlib-entry.mjs", plugins, name);
    const { stdout } = await promisify(execFile)(process.execPath, [file], { encoding: "utf8" });
    return JSON.parse(stdout);
  };
  const lazy = lazyPackagesPlugin([], {}, Object.keys(lazyBuiltins));
  assert.deepEqual(await run([], "zlib-eager"), {
    before: true,
    text: "hello",
    after: true,
    names: true,
  });
  assert.deepEqual(await run([lazy], "zlib-lazy"), {
    before: false,
    text: "hello",
    after: true,
    names: true,
  });
});
