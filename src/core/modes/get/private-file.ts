/**
 * Writing a file of values where other users may also write (a shared work folder, `/tmp`):
 * never through a symbolic link, never into another user's file, created with mode 0600 under a
 * fresh name in the same folder (`O_EXCL`: nothing planted there is opened) and renamed into
 * place, so the file is there whole or not at all. The kernel's `protected_symlinks` /
 * `protected_regular` would refuse some of this for a root writer; they are often off.
 */
import { randomBytes } from "node:crypto";
import {
  closeSync,
  constants,
  fchmodSync,
  fsyncSync,
  lstatSync,
  openSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
  type Stats,
} from "node:fs";
import path from "node:path";
import { errorMessage } from "../../errors.ts";

/** Why an existing path must not be replaced: a link, or a file of another user. */
function refusal(file: string, stat: Stats): string | undefined {
  if (stat.isSymbolicLink())
    return `${file} is a symbolic link, and values are never written through one: remove it or name another file`;
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid)
    return `${file} belongs to another user (uid ${stat.uid}), and values are never written into another user's file: remove it or name another file`;
  return undefined;
}

/**
 * What is wrong with writing `file`, checked before any value is read: its folder must exist,
 * and the path must not be a link, another user's file or a folder. Undefined when it may be written.
 */
export function privateFileProblem(file: string): string | undefined {
  try {
    const stat = lstatSync(file, { throwIfNoEntry: false });
    if (stat === undefined) {
      const folder = path.dirname(file);
      return statSync(folder).isDirectory() ? undefined : `${folder} is not a folder`;
    }
    if (stat.isDirectory()) return `${file} is a folder: name a file in it`;
    return refusal(file, stat);
  } catch (e: unknown) {
    return `${file} cannot be written: ${errorMessage(e)}`;
  }
}

/**
 * Writes `text` to `file` whole: a new file of mode 0600 in the same folder, renamed over `file`
 * (an existing file of the same user is replaced, never written into). Throws, leaving nothing
 * behind, when `file` is a link or another user's, or when any step fails.
 */
export function writePrivateFile(file: string, text: string): void {
  const existing = lstatSync(file, { throwIfNoEntry: false });
  const refused = existing && refusal(file, existing);
  if (refused) throw new Error(refused);
  const temp = path.join(path.dirname(file), `.aml-secrets-${randomBytes(8).toString("hex")}.tmp`);
  // O_NOFOLLOW is 0 where the platform has none (Windows); O_EXCL alone refuses any existing path.
  const flags =
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);
  const fd = openSync(temp, flags, 0o600);
  try {
    try {
      // The umask may have taken more than 0600 allows away, never less: make it exactly 0600.
      fchmodSync(fd, 0o600);
      const bytes = Buffer.from(text, "utf8");
      for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch (e: unknown) {
    try {
      unlinkSync(temp);
    } catch {
      // Already gone, or the folder refuses even that: the error that matters is the first.
    }
    throw e;
  }
}
