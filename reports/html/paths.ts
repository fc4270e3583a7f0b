/** Path and link rules of the report: what may be read, what may be linked, how a path is quoted. */
import { isAbsolute, relative, resolve, sep } from "node:path";

/**
 * `base/rel` when it stays inside `base`, else null. Findings and verify records are data: a path in
 * them must not make the report read (and publish) a file elsewhere on the machine.
 */
export function inside(base: string, rel: string): string | null {
  if (isAbsolute(rel)) return null;
  const full = resolve(base, rel);
  const back = relative(base, full);
  if (back === "" || back.startsWith(".." + sep) || back === ".." || isAbsolute(back)) return null;
  return full;
}

/**
 * A relative URL for a file of the run directory, or null when the path is absolute or leaves it.
 * Each segment is percent-encoded, so a name cannot turn into a scheme, a query or another folder.
 */
export function runDirHref(rel: string): string | null {
  if (inside("/run", rel) === null) return null;
  return rel
    .split(/[\\/]/)
    .filter((s) => s !== "" && s !== ".")
    .map(encodeURIComponent)
    .join("/");
}

/** Only http(s) links leave the report; anything else (javascript:, data:, file:) is dropped. */
export function externalHref(url: string | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
  } catch {
    return null;
  }
}

/** POSIX shell quoting, so the copied `git apply` command works for any path. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_/.,:@%+=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
