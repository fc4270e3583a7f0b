/**
 * Edits are the only way redfix changes text: a byte-range replacement in the original file, a new
 * file, or a deleted file. Replacements are spliced back to front into the original text, so
 * everything outside them — comments, quoting, anchors, blank lines — stays byte-identical.
 */
import type { Range } from "./source.js";

export interface ReplaceEdit extends Range {
  kind: "replace";
  /** Absolute path of the file. */
  file: string;
  text: string;
}

export interface CreateEdit {
  kind: "create";
  file: string;
  text: string;
  /** Git file mode of the new file. */
  mode: "100644" | "100755";
}

export interface DeleteEdit {
  kind: "delete";
  file: string;
}

export type Edit = ReplaceEdit | CreateEdit | DeleteEdit;

export class EditConflictError extends Error {}

export function replace(file: string, range: Range, text: string): ReplaceEdit {
  return { kind: "replace", file, start: range.start, end: range.end, text };
}

/** Applies replacements to one text, back to front; overlapping edits are a conflict. */
export function applyReplacements(text: string, edits: readonly ReplaceEdit[]): string {
  const sorted = [...edits].sort((a, b) => b.start - a.start || b.end - a.end);
  let out = text;
  let limit = Infinity;
  for (const e of sorted) {
    if (e.start < 0 || e.end > text.length || e.start > e.end) {
      throw new EditConflictError(`edit ${e.start}-${e.end} is outside ${e.file}`);
    }
    if (e.end > limit) throw new EditConflictError(`edits overlap in ${e.file} at ${e.start}-${e.end}`);
    out = out.slice(0, e.start) + e.text + out.slice(e.end);
    limit = e.start;
  }
  return out;
}

export function sameEdit(a: ReplaceEdit, b: ReplaceEdit): boolean {
  return a.file === b.file && a.start === b.start && a.end === b.end && a.text === b.text;
}

export function contains(outer: Range, inner: Range): boolean {
  // An insertion at either end of a replaced range adds text beside it, not inside it.
  if (inner.start === inner.end && (inner.start === outer.start || inner.start === outer.end)) return false;
  return (
    outer.start <= inner.start &&
    inner.end <= outer.end &&
    !(outer.start === inner.start && outer.end === inner.end)
  );
}

export function overlaps(a: Range, b: Range): boolean {
  // Two insertions at the same point overlap too: their order would be ambiguous.
  if (a.start === a.end && b.start === b.end) return a.start === b.start;
  return a.start < b.end && b.start < a.end;
}
