// The safe writer behind out-file / --out: a new 0600 file renamed into place; never through a
// symbolic link, never into another user's file; whole or not at all, nothing left behind.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import {
  privateFileProblem,
  writePrivateFile,
} from "../../../../src/core/modes/get/private-file.ts";
import { secretValue } from "../../../helpers/leaks.ts";

const root = mkdtempSync(path.join(tmpdir(), "aml-private-file-"));
after(() => rmSync(root, { recursive: true, force: true }));
let folders = 0;

/** A fresh folder; world-writable with the sticky bit, like /tmp, where another user could plant. */
function folder(): string {
  const dir = path.join(root, `f${(folders += 1)}`);
  mkdirSync(dir);
  chmodSync(dir, 0o1777);
  return dir;
}

const isRoot = process.getuid?.() === 0;
/** Another user's uid (`nobody`), for files planted by someone else. */
const otherUid = 65534;

test("a new file is created with mode 0600 whatever the umask, holding exactly the text", () => {
  const dir = folder();
  const file = path.join(dir, ".env.secrets");
  const text = `A='${secretValue()}'\n`;
  const previous = process.umask(0);
  try {
    writePrivateFile(file, text);
  } finally {
    process.umask(previous);
  }
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(readFileSync(file, "utf8"), text);
  assert.deepEqual(readdirSync(dir), [".env.secrets"], "no temporary file is left");
});

test("an existing file of the same user is replaced whole by a new 0600 file, never written into", () => {
  const dir = folder();
  const file = path.join(dir, "values.env");
  writeFileSync(file, "old contents that are longer than the new ones\n".repeat(50), {
    mode: 0o644,
  });
  const before = statSync(file);
  const text = `B='${secretValue()}'\n`;
  writePrivateFile(file, text);
  const now = statSync(file);
  assert.equal(now.mode & 0o777, 0o600);
  assert.equal(readFileSync(file, "utf8"), text);
  assert.notEqual(now.ino, before.ino, "the file was written into instead of replaced");
  assert.deepEqual(readdirSync(dir), ["values.env"]);
});

test("a symbolic link at the path is refused, whether it points at a file or nowhere; its target is untouched", () => {
  const dir = folder();
  const target = path.join(dir, "victim");
  writeFileSync(target, "victim's contents\n", { mode: 0o644 });
  const link = path.join(dir, "out.env");
  symlinkSync(target, link);
  assert.match(privateFileProblem(link) ?? "", /out\.env is a symbolic link/);
  assert.throws(() => writePrivateFile(link, `C='${secretValue()}'\n`), /is a symbolic link/);
  assert.equal(readFileSync(target, "utf8"), "victim's contents\n");
  assert.equal(statSync(target).mode & 0o777, 0o644);

  const dangling = path.join(dir, "dangling.env");
  symlinkSync(path.join(dir, "created-through-the-link"), dangling);
  assert.throws(() => writePrivateFile(dangling, `D='${secretValue()}'\n`), /is a symbolic link/);
  assert.deepEqual(readdirSync(dir).sort(), ["dangling.env", "out.env", "victim"]);
});

test("a file another user owns (planted in a shared folder) is refused and left as it was", (t) => {
  if (!isRoot) {
    t.skip("needs root to give a file to another user (chown)");
    return;
  }
  const dir = folder();
  const planted = path.join(dir, "out.env");
  writeFileSync(planted, "planted\n", { mode: 0o666 });
  chownSync(planted, otherUid, otherUid);
  assert.match(privateFileProblem(planted) ?? "", /belongs to another user \(uid 65534\)/);
  assert.throws(
    () => writePrivateFile(planted, `E='${secretValue()}'\n`),
    /belongs to another user/,
  );
  assert.equal(readFileSync(planted, "utf8"), "planted\n");
  assert.equal(statSync(planted).uid, otherUid);
  assert.deepEqual(readdirSync(dir), ["out.env"]);
});

test("when the rename fails, the error says so and nothing is left: no temporary file, the old one unchanged", (t) => {
  // A folder in the way: the new file is made, then cannot be renamed over it.
  const dir = folder();
  const inTheWay = path.join(dir, "out.env");
  mkdirSync(inTheWay);
  writeFileSync(path.join(inTheWay, "kept"), "kept\n");
  assert.throws(() => writePrivateFile(inTheWay, `F='${secretValue()}'\n`), /rename/);
  assert.deepEqual(readdirSync(dir), ["out.env"]);
  assert.equal(readFileSync(path.join(inTheWay, "kept"), "utf8"), "kept\n");
  assert.match(privateFileProblem(inTheWay) ?? "", /is a folder/);

  // An existing file that cannot be replaced (immutable): the old contents stay whole.
  const chattr = spawnSync("chattr", ["--help"]);
  if (!isRoot || chattr.error) {
    t.skip("the immutable-file case needs root and chattr");
    return;
  }
  const immutable = path.join(dir, "immutable.env");
  writeFileSync(immutable, "old\n", { mode: 0o600 });
  execFileSync("chattr", ["+i", immutable]);
  try {
    assert.throws(() => writePrivateFile(immutable, `G='${secretValue()}'\n`), /rename/);
    assert.equal(readFileSync(immutable, "utf8"), "old\n");
    assert.deepEqual(readdirSync(dir).sort(), ["immutable.env", "out.env"]);
  } finally {
    execFileSync("chattr", ["-i", immutable]);
  }
});

test("before anything is read: a missing folder or a folder given as the file is a problem; a new or own file is not", () => {
  const dir = folder();
  assert.equal(privateFileProblem(path.join(dir, "new.env")), undefined);
  writeFileSync(path.join(dir, "own.env"), "");
  assert.equal(privateFileProblem(path.join(dir, "own.env")), undefined);
  assert.match(
    privateFileProblem(path.join(dir, "no-such-folder", "x.env")) ?? "",
    /cannot be written: ENOENT/,
  );
  assert.match(privateFileProblem(dir) ?? "", /is a folder: name a file in it/);
});

test("a symbolic link in any folder on the way is refused before and at the write; nothing reaches its target", () => {
  const dir = folder();
  const elsewhere = folder();
  // A link planted in a shared folder, in place of a folder the user meant.
  symlinkSync(elsewhere, path.join(dir, "out"));
  const file = path.join(dir, "out", "values.env");
  assert.match(
    privateFileProblem(file) ?? "",
    new RegExp(
      `${path.join(dir, "out")} is a symbolic link.*name the file by its real path \\(${path.join(elsewhere, "values.env")}\\)`,
    ),
  );
  // Deeper: a link two folders up.
  mkdirSync(path.join(elsewhere, "sub"));
  assert.match(
    privateFileProblem(path.join(dir, "out", "sub", "x.env")) ?? "",
    /out is a symbolic link/,
  );
  assert.throws(() => writePrivateFile(file, "A=1\n"), /is a symbolic link/);
  assert.deepEqual(readdirSync(elsewhere), ["sub"]);
});

test("a folder anyone may write without the sticky bit is refused; with it (as /tmp) it is not", () => {
  const open = path.join(folder(), "open");
  mkdirSync(open);
  chmodSync(open, 0o777);
  const file = path.join(open, "values.env");
  assert.match(
    privateFileProblem(file) ?? "",
    /may be written by anyone and has no sticky bit.*chmod \+t/,
  );
  assert.throws(() => writePrivateFile(file, "A=1\n"), /no sticky bit/);
  assert.deepEqual(readdirSync(open), []);
  chmodSync(open, 0o1777);
  assert.equal(privateFileProblem(file), undefined);
});
