/**
 * The one way redfix reads a file it was pointed at (a recipe's compose file, a config, an excerpt in
 * the report): regular files only (never a FIFO, a device or a folder), no symlink that leads out of
 * the root, and never more than a size cap. The file is opened without blocking and checked on the
 * open descriptor, so a FIFO cannot hang the read and a swap between the check and the read cannot
 * hand over another file.
 */
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync } from "node:fs";
import { isInside } from "./paths.js";

export type SafeReadProblem = "missing" | "not-a-file" | "outside" | "too-large" | "unreadable";

export type SafeRead =
  | { ok: true; bytes: Buffer; size: number }
  | { ok: false; problem: SafeReadProblem; message: string; size?: number };

export interface SafeReadOptions {
  /** The folder the file must stay in, after every symlink is resolved. */
  root: string;
  /** Largest size read; a bigger file is refused unread. */
  maxBytes: number;
}

/** Reads `absPath` (which may be a symlink that stays inside `root`); never throws, never blocks. */
export function readFileSafe(absPath: string, opts: SafeReadOptions): SafeRead {
  let real: string;
  try {
    // The C library's realpath: one call, where Node's own walks every component with lstat.
    real = realpathSync.native(absPath);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT")
      return { ok: false, problem: "missing", message: "does not exist (or is a dangling symlink)" };
    return { ok: false, problem: "unreadable", message: `cannot be resolved (${code ?? "error"})` };
  }
  // A resolved path has no link in it: when it lies under the root as given, the root is its own
  // real path, and resolving it again (once per file of a catalogue) would find the same.
  if (!isInside(opts.root, real)) {
    let realRoot: string;
    try {
      realRoot = realpathSync.native(opts.root);
    } catch {
      return { ok: false, problem: "unreadable", message: "its root folder cannot be resolved" };
    }
    if (!isInside(realRoot, real)) {
      return { ok: false, problem: "outside", message: "is a symlink to a file outside its root; not read" };
    }
  }
  let fd: number;
  try {
    // O_NOFOLLOW on the resolved path: a link swapped in after realpath is refused, not followed.
    fd = openSync(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ELOOP")
      return { ok: false, problem: "outside", message: "changed into a symlink while read; not read" };
    if (code === "EISDIR") return { ok: false, problem: "not-a-file", message: "is a folder, not a file" };
    if (code === "EACCES")
      return { ok: false, problem: "unreadable", message: "cannot be read (permission denied)" };
    return { ok: false, problem: "unreadable", message: `cannot be read (${code ?? (e as Error).message})` };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile())
      return {
        ok: false,
        problem: "not-a-file",
        message: "is not a regular file (a FIFO, device or folder); not read",
      };
    if (st.size > opts.maxBytes) {
      return {
        ok: false,
        problem: "too-large",
        size: st.size,
        message: `is ${st.size} bytes, over the ${opts.maxBytes}-byte limit; it was not read`,
      };
    }
    // Read at most the cap plus one byte: a file that grows while read is refused, not followed.
    const buf = Buffer.alloc(Math.min(st.size, opts.maxBytes) + 1);
    let n = 0;
    for (;;) {
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
      if (n === buf.length) break;
    }
    if (n > opts.maxBytes) {
      return {
        ok: false,
        problem: "too-large",
        size: n,
        message: `grew past the ${opts.maxBytes}-byte limit while read`,
      };
    }
    return { ok: true, bytes: buf.subarray(0, n), size: n };
  } catch (e) {
    return { ok: false, problem: "unreadable", message: `cannot be read (${(e as Error).message})` };
  } finally {
    closeSync(fd);
  }
}

/**
 * `readFileSafe` as text for callers written against `fs.readFile`: throws an error whose `code` is
 * `ENOENT` for a missing file and `EINVAL` for anything the safe reader refuses.
 */
export function readTextSafe(absPath: string, root: string, maxBytes: number): string {
  const r = readFileSafe(absPath, { root, maxBytes });
  if (r.ok) return r.bytes.toString("utf8");
  const e = new Error(`${absPath} ${r.message}`) as NodeJS.ErrnoException;
  e.code = r.problem === "missing" ? "ENOENT" : `EINVAL: ${r.message}`;
  throw e;
}
