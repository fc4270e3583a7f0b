/** Path safety shared by every stage: containment checks and folder names made from recipe names. */
import { isAbsolute, relative } from "node:path";

/** True when `p` is `dir` or below it (both absolute, already resolved). */
export function isInside(dir: string, p: string): boolean {
  const r = relative(dir, p);
  return r === "" || (!r.startsWith("..") && !isAbsolute(r));
}

/** A repo or recipe name as a single folder or file-name component: nothing but `[A-Za-z0-9._-]`. */
export function safeRepoDir(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]/g, "_");
}
