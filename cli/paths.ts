import { relative } from "node:path";

/** A path relative to the working directory when it is below it, absolute otherwise. */
export function shown(p: string): string {
  const r = relative(process.cwd(), p);
  return r === "" ? "." : r.startsWith("..") ? p : r;
}
