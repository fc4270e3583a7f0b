/** Path safety shared by every stage: containment checks and folder names made from recipe names. */
import { isAbsolute, relative } from "node:path";

/** True when `p` is `dir` or below it (both absolute, already resolved). */
export function isInside(dir: string, p: string): boolean {
  // Plain prefixes (no `.` or `..` component, no doubled slash) need no normalizing: the common case,
  // called for every file read.
  if (plain(dir) && plain(p)) {
    if (p === dir) return true;
    const base = dir === "/" ? "/" : `${dir}/`;
    // (A first name starting with `..` goes the long way, which counts it as outside.)
    if (p.startsWith(base) && !p.startsWith("..", base.length)) return true;
  }
  const r = relative(dir, p);
  return r === "" || (!r.startsWith("..") && !isAbsolute(r));
}

/** An absolute path with no `.` or `..` component, no doubled or trailing slash. */
function plain(p: string): boolean {
  return (
    p.startsWith("/") &&
    !p.includes("//") &&
    !p.includes("/./") &&
    !p.includes("/../") &&
    !p.endsWith("/.") &&
    !p.endsWith("/..") &&
    (p === "/" || !p.endsWith("/"))
  );
}

/** A repo or recipe name as a single folder or file-name component: nothing but `[A-Za-z0-9._-]`. */
export function safeRepoDir(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]/g, "_");
}
