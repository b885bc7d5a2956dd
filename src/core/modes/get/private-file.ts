/**
 * Writing a file of values where other users may also write (a shared work folder, `/tmp`):
 * never through a symbolic link (at the path or in any folder on the way to it), never into another user's file, created with mode 0600 under a
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
  realpathSync,
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
 * Why a folder on the way to `file` cannot be trusted to stay where it is: one that is a
 * symbolic link (a link planted in a shared folder sends the file elsewhere; as root with
 * `protected_symlinks` off the kernel follows it), or one that anyone may write without the
 * sticky bit (anyone could put such a link there, or rename the folder away). A shared folder
 * with the sticky bit (`/tmp`) is fine: a name in it is only replaced by its owner. ssh checks
 * the folders of its keys the same way.
 */
function folderProblem(file: string): string | undefined {
  const absolute = path.resolve(file);
  const folders: string[] = [];
  for (let folder = path.dirname(absolute); ; folder = path.dirname(folder)) {
    folders.unshift(folder);
    if (path.dirname(folder) === folder) break;
  }
  for (const folder of folders) {
    const stat = lstatSync(folder, { throwIfNoEntry: false });
    if (stat === undefined) return undefined; // reported as a missing folder below
    if (stat.isSymbolicLink()) {
      let real = "";
      try {
        real = ` (${path.join(realpathSync(path.dirname(absolute)), path.basename(absolute))})`;
      } catch {
        // The link leads nowhere: the folder's own name is enough to go on.
      }
      return `${folder} is a symbolic link, and values are never written through one: name the file by its real path${real}`;
    }
    // Windows has no such bits to read: lstat reports 0o666/0o777 for every folder.
    if (process.platform !== "win32" && (stat.mode & 0o002) !== 0 && (stat.mode & 0o1000) === 0)
      return `${folder} may be written by anyone and has no sticky bit, so anyone could replace what is in it: name a file in a folder only you can write, or set the sticky bit (chmod +t ${folder})`;
  }
  return undefined;
}

/**
 * What is wrong with writing `file`, checked before any value is read: its folder must exist,
 * and the path must not be a link, another user's file or a folder. Undefined when it may be written.
 */
export function privateFileProblem(file: string): string | undefined {
  try {
    const unsafe = folderProblem(file);
    if (unsafe !== undefined) return unsafe;
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
  // Again at the write: the folders may have changed since the check before any request.
  const unsafe = folderProblem(file);
  if (unsafe !== undefined) throw new Error(unsafe);
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
