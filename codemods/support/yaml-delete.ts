/**
 * Text-level edits on YAML nodes: delete a list item or a map entry whole lines at a time in block
 * style, or with its comma in flow style. The ranges come from the parser; the text outside them is
 * never touched.
 */
import type { YAMLMap, YAMLSeq } from "yaml";
import type { Range, SourceFile } from "../../core/source.js";
import { replace } from "../../core/edit.js";
import type { ReplaceEdit } from "../../core/edit.js";

/** End of the line that holds the last character of `range`, past its newline. */
function endOfLastLine(src: SourceFile, end: number): number {
  if (end > 0 && src.text[end - 1] === "\n") return end;
  return src.lines.lineEndAfter(end);
}

/**
 * Deletes one item (a list item or a map pair given by its range) from a collection: whole lines in
 * block style, including a comment on the same line; the item and one neighbouring comma in flow style.
 */
export function deleteItem(src: SourceFile, collection: YAMLSeq | YAMLMap, item: Range): ReplaceEdit {
  if (collection.flow) return deleteFlowItem(src, item);
  const lineStart = src.lines.lineStart(src.lines.position(item.start).line);
  const prefix = src.text.slice(lineStart, item.start);
  // `- item` or `  key: value` on their own line: delete the whole line(s).
  if (/^[ \t]*(-[ \t]+)?$/.test(prefix)) {
    return replace(src.absPath, { start: lineStart, end: endOfLastLine(src, item.end) }, "");
  }
  // An item sharing its line with something else (`- - x`): delete only its own bytes.
  return replace(src.absPath, item, "");
}

function deleteFlowItem(src: SourceFile, item: Range): ReplaceEdit {
  const t = src.text;
  let e = item.end;
  while (e < t.length && (t[e] === " " || t[e] === "\t")) e++;
  if (t[e] === ",") {
    e++;
    while (e < t.length && (t[e] === " " || t[e] === "\t")) e++;
    return replace(src.absPath, { start: item.start, end: e }, "");
  }
  let s = item.start;
  while (s > 0 && /[ \t\r\n]/.test(t[s - 1]!)) s--;
  if (t[s - 1] === ",") return replace(src.absPath, { start: s - 1, end: item.end }, "");
  return replace(src.absPath, item, "");
}

/** Deletes a `key: value` entry of a block map, from its key's line to the end of its value. */
export function deletePairLines(src: SourceFile, range: Range): ReplaceEdit {
  const lineStart = src.lines.lineStart(src.lines.position(range.start).line);
  return replace(src.absPath, { start: lineStart, end: endOfLastLine(src, range.end) }, "");
}

/** The offset just after the `:` that follows a key. */
export function afterColon(src: SourceFile, keyEnd: number): number {
  const i = src.text.indexOf(":", keyEnd);
  return i === -1 ? keyEnd : i + 1;
}
