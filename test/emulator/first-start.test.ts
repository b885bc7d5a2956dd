// A first start that cannot wedge (issue 24): the built emulator (dist/emulator.cjs) killed at
// random points of its first start in a fresh CA folder (SIGKILL and SIGINT), then started again,
// comes up and prints its vault URL; two first starts at once come up with one CA; and every
// state a killed start can leave behind (a key without a certificate, a dead process's temporary
// file, an older version's `.lock`) is completed or cleared by the next start, without waiting.
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createPrivateKey, X509Certificate } from "node:crypto";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { ensureCa } from "../../src/emulator/ca.ts";

const root = path.resolve(import.meta.dirname, "..", "..");
const bundle = path.join(root, "dist", "emulator.cjs");
const tmp = mkdtempSync(path.join(os.tmpdir(), "aml-first-start-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

let folders = 0;
const freshDir = (): string => path.join(tmp, `ca-${++folders}`);

interface Started {
  child: ChildProcess;
  /** Resolves with the vault URL once printed, or rejects when the process ends first. */
  ready: Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: () => string;
}

function start(caDir: string): Started {
  assert.ok(existsSync(bundle), "dist/emulator.cjs is missing: npm run build");
  const child = spawn(process.execPath, [bundle, "--ca-dir", caDir, "--quiet"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stderr?.on("data", (c: Buffer) => (err += c.toString("utf8")));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout?.on("data", (c: Buffer) => {
      out += c.toString("utf8");
      const url = /^Key Vault emulator: (\S+)$/m.exec(out)?.[1];
      if (url) resolve(url);
    });
    void exited.then(({ code, signal }) =>
      reject(new Error(`ended (${signal ?? code}) before it listened: ${err}`)),
    );
  });
  ready.catch(() => undefined);
  return { child, ready, exited, stderr: () => err };
}

/** Starts the emulator in `caDir`, expects it up within `ms`, and stops it. */
async function comesUp(caDir: string, ms = 15_000): Promise<void> {
  const second = start(caDir);
  let timer: NodeJS.Timeout | undefined;
  try {
    const url = await Promise.race([
      second.ready,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no vault URL within ${ms} ms`)), ms);
      }),
    ]);
    assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(second.stderr(), "");
  } finally {
    clearTimeout(timer);
    second.child.kill("SIGTERM");
    await second.exited;
  }
  assertWholeCa(caDir);
}

/** The folder holds one CA: certificate and key of one pair, and nothing half made. */
function assertWholeCa(caDir: string): void {
  assert.deepEqual(readdirSync(caDir).sort(), ["ca-key.pem", "ca.pem"]);
  const cert = new X509Certificate(readFileSync(path.join(caDir, "ca.pem")));
  assert.ok(cert.ca);
  assert.ok(
    cert.checkPrivateKey(createPrivateKey(readFileSync(path.join(caDir, "ca-key.pem"), "utf8"))),
  );
}

test("killed at random points of its first start (SIGKILL, SIGINT), the next start comes up", async () => {
  // How long a first start takes here, so that the kills fall inside it.
  const timing = start(freshDir());
  const t0 = Date.now();
  await timing.ready;
  const firstStartMs = Date.now() - t0;
  timing.child.kill("SIGTERM");
  await timing.exited;

  const outcomes: string[] = [];
  for (const signal of ["SIGKILL", "SIGINT", "SIGKILL", "SIGINT", "SIGKILL", "SIGINT"] as const) {
    const caDir = freshDir();
    const first = start(caDir);
    const delay = Math.floor(Math.random() * firstStartMs * 1.2);
    await new Promise((resolve) => setTimeout(resolve, delay));
    first.child.kill(signal);
    const ended = await first.exited;
    outcomes.push(`${signal}@${delay}ms: ${ended.signal ?? ended.code}`);
    if (signal === "SIGINT" && ended.code !== null) {
      // Handled: it finished the CA (never half of it) and stopped.
      assert.ok(ended.code === 0 || ended.code === 130, outcomes.join("; "));
    }
    await comesUp(caDir);
  }
  assert.equal(outcomes.length, 6);
});

test("two first starts at once both come up, with the same CA", async () => {
  for (let round = 0; round < 3; round++) {
    const caDir = freshDir();
    const [a, b] = [start(caDir), start(caDir)];
    try {
      await Promise.all([a.ready, b.ready]);
      assert.equal(a.stderr() + b.stderr(), "");
    } finally {
      a.child.kill("SIGTERM");
      b.child.kill("SIGTERM");
      await Promise.all([a.exited, b.exited]);
    }
    assertWholeCa(caDir);
  }
});

test("what a killed start leaves is completed or cleared by the next one, without waiting", () => {
  const made = freshDir();
  const ca = ensureCa(made);

  // A key without its certificate: killed between the two.
  const keyOnly = freshDir();
  mkdirSync(keyOnly);
  copyFileSync(path.join(made, "ca-key.pem"), path.join(keyOnly, "ca-key.pem"));
  const certified = ensureCa(keyOnly);
  assert.equal(certified.keyPem, ca.keyPem);
  assertWholeCa(keyOnly);

  // A dead process's temporary files, and the `.lock` an older version left: no one waits on it.
  const dead = spawnSync(process.execPath, ["-e", "process.pid"]).pid;
  assert.ok(dead);
  const leftovers = freshDir();
  mkdirSync(leftovers);
  writeFileSync(path.join(leftovers, `.ca-key.pem.${dead}.0a1b2c3d.tmp`), "-----BEGIN");
  writeFileSync(path.join(leftovers, `.ca.pem.${dead}.0a1b2c3d.tmp`), "");
  writeFileSync(path.join(leftovers, ".lock"), "");
  const t0 = Date.now();
  ensureCa(leftovers);
  assert.ok(Date.now() - t0 < 5_000, "the start waited");
  assert.deepEqual(readdirSync(leftovers).sort(), [".lock", "ca-key.pem", "ca.pem"]);
});

test("a folder whose certificate and key are not one pair names itself and the remedy", () => {
  const [one, other, mixed] = [freshDir(), freshDir(), freshDir()];
  ensureCa(one);
  ensureCa(other);
  mkdirSync(mixed);
  copyFileSync(path.join(one, "ca.pem"), path.join(mixed, "ca.pem"));
  copyFileSync(path.join(other, "ca-key.pem"), path.join(mixed, "ca-key.pem"));
  assert.throws(
    () => ensureCa(mixed),
    (e: unknown) =>
      e instanceof Error &&
      e.message.includes(mixed) &&
      /are not one pair\): delete the folder to make a new CA/.test(e.message),
  );
});
