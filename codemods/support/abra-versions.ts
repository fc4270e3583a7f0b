/**
 * Config versions in `abra.sh`: swarm configs are immutable, so a fix that changes a config file (or
 * adds one) must bump (or add) the `export <NAME>_VERSION=vN` its `name:` interpolates. Every fix
 * computes its bump from the original text, so two fixes bumping the same variable produce the same
 * edit and the patch series merges them.
 */
import { join } from "node:path";
import type { Recipe } from "../../load/workspace.js";
import { replace } from "../../core/edit.js";
import type { Edit } from "../../core/edit.js";

/** The conventional variable for a new config: `pg_backup` → `PG_BACKUP_VERSION`. */
export function variableFor(configName: string): string {
  return `${configName.replace(/[^A-Za-z0-9]+/g, "_").toUpperCase()}_VERSION`;
}

/** The next version: `v3` → `v4`, `7` → `8`, `1.2.0` → `1.2.1`; otherwise a `-2` suffix is added or raised. */
export function nextVersion(v: string): string {
  const m = /^(.*?)(\d+)$/.exec(v);
  if (m) return `${m[1]}${Number(m[2]) + 1}`;
  return `${v}-2`;
}

export function exportedValue(recipe: Recipe, variable: string): string | null {
  const e = recipe.abraSh?.exports.find((x) => x.name === variable);
  return e ? e.value : null;
}

/** Bumps `export VAR=...` in abra.sh; null when abra.sh does not export it. */
export function bumpExport(recipe: Recipe, variable: string): Edit | null {
  const abra = recipe.abraSh;
  const e = abra?.exports.find((x) => x.name === variable);
  if (!abra || !e) return null;
  const raw = abra.source.text.slice(e.valueRange.start, e.valueRange.end);
  const q = /^["']/.test(raw) ? raw[0]! : "";
  return replace(abra.source.absPath, e.valueRange, `${q}${nextVersion(e.value)}${q}`);
}

/**
 * Adds `export VAR=v1` (one line per variable) after the last export of abra.sh (or at its end), or creates abra.sh. Two
 * fixes adding different variables insert at the same point, and the series keeps only the first:
 * the second applies on re-analysis.
 */
export function addExport(recipe: Recipe, variables: string | string[], value = "v1"): Edit {
  const abra = recipe.abraSh;
  const line = [variables]
    .flat()
    .map((v) => `export ${v}=${value}\n`)
    .join("");
  if (!abra) return { kind: "create", file: join(recipe.dir, "abra.sh"), text: line, mode: "100644" };
  const text = abra.source.text;
  const last = abra.exports[abra.exports.length - 1];
  if (!last) {
    // No export yet: the versions go first, after the shebang and heading comments, before any function.
    const m = /^(?:(?:#[^\n]*|[ \t]*)\n)*/.exec(text)!;
    if (m[0].length < text.length) {
      return replace(abra.source.absPath, { start: m[0].length, end: m[0].length }, `${line}\n`);
    }
  }
  let at = last ? abra.source.lines.lineEndAfter(last.range.end) : text.length;
  if (last && at === last.range.end) at = text.length; // the last line has no newline
  const needsNewline = at > 0 && text[at - 1] !== "\n";
  return replace(abra.source.absPath, { start: at, end: at }, `${needsNewline ? "\n" : ""}${line}`);
}
