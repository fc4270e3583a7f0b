/**
 * Adding YAML lines next to existing ones in the style of their siblings: labels in map or list form
 * with the same indentation and quoting, list items and map keys at the indentation the file uses.
 * Everything is an insertion at a line boundary, so the rest of the file stays byte-identical.
 */
import { isMap, isSeq } from "yaml";
import type { Node, Pair, YAMLMap, YAMLSeq } from "yaml";
import type { ComposeFile, ComposeService, KeyValueEntry } from "../../load/compose.js";
import { deref, getPair, nodeRange, pairRange } from "../../load/compose.js";
import type { SourceFile } from "../../core/source.js";
import { replace } from "../../core/edit.js";
import type { ReplaceEdit } from "../../core/edit.js";

/** The leading whitespace of the line holding `offset`. */
export function lineIndent(src: SourceFile, offset: number): string {
  const start = src.lines.lineStart(src.lines.position(offset).line);
  return /^[ \t]*/.exec(src.text.slice(start))![0];
}

/** The offset just past the line holding the last character before `end`. */
export function lineEndOf(src: SourceFile, end: number): number {
  if (end > 0 && src.text[end - 1] === "\n") return end;
  return src.lines.lineEndAfter(end);
}

/** Inserts whole lines after the line that holds offset `end - 1`. */
export function insertLinesAfter(src: SourceFile, end: number, lines: string): ReplaceEdit {
  const at = lineEndOf(src, end);
  const needsNewline = at > 0 && src.text[at - 1] !== "\n";
  return replace(src.absPath, { start: at, end: at }, (needsNewline ? "\n" : "") + lines);
}

type Quote = '"' | "'" | "";

export function quoteYaml(value: string, quote: Quote): string {
  if (quote === "'" && !/[\n\r]/.test(value)) return `'${value.replace(/'/g, "''")}'`;
  if (quote === "" && isPlainSafe(value)) return value;
  // JSON strings are valid YAML double-quoted scalars.
  return JSON.stringify(value);
}

function isPlainSafe(v: string): boolean {
  if (v === "" || /^[\s\-?:,[\]{}#&*!|>'"%@`]/.test(v) || /\s$/.test(v)) return false;
  if (/: |\s#|[\n\r\t]/.test(v) || v.endsWith(":")) return false;
  // Strings YAML would read as another type.
  return !/^(true|false|yes|no|on|off|null|~|[-+]?[0-9][0-9_.eE+-]*|0x[0-9a-f]+|0o[0-7]+)$/i.test(v);
}

export interface LabelStyle {
  form: "map" | "list";
  /** What precedes a new entry on its line: indentation, plus `- ` in list form. */
  prefix: string;
  keyQuote: Quote;
  valueQuote: Quote;
}

/** The style of the labels already there (the first entry decides). */
export function labelStyle(src: SourceFile, entries: KeyValueEntry[]): LabelStyle | null {
  const first = entries[0];
  if (!first || first.collection.flow) return null;
  const lineStart = src.lines.lineStart(src.lines.position(first.range.start).line);
  const line = src.text.slice(lineStart, src.lines.lineEndAfter(lineStart));
  if (first.form === "list") {
    const m = /^([ \t]*-[ \t]+)(["']?)/.exec(line);
    if (!m) return null;
    return { form: "list", prefix: m[1]!, keyQuote: "", valueQuote: m[2] as Quote };
  }
  const m = /^([ \t]*)(["']?)/.exec(line)!;
  const keyQuote = m[2] as Quote;
  const afterKey = line.slice(first.node.range ? first.node.range[1] - lineStart : 0);
  const v = /^[ \t]*:[ \t]*(["']?)/.exec(afterKey);
  return { form: "map", prefix: m[1]!, keyQuote, valueQuote: (v?.[1] ?? "") as Quote };
}

export function labelLine(style: LabelStyle, key: string, value: string): string {
  if (style.form === "list") return `${style.prefix}${quoteYaml(`${key}=${value}`, style.valueQuote)}\n`;
  const k = style.keyQuote ? quoteYaml(key, style.keyQuote) : quoteYaml(key, "");
  // A value that would be read as a boolean or number must be a string in a compose label.
  return `${style.prefix}${k}: ${quoteYaml(value, style.valueQuote || "")}\n`;
}

/** The indentation of a service's keys, e.g. `    ` for `    image:`. */
export function serviceKeyIndent(src: SourceFile, svc: ComposeService): string {
  const first = svc.map?.items[0] as Pair | undefined;
  const at = (first?.key as Node | undefined)?.range?.[0];
  return at === undefined ? "    " : lineIndent(src, at);
}

/** The extra indentation a block sequence item gets under its key in this file (`  ` or none). */
export function sequenceOffset(cf: ComposeFile, svc: ComposeService): string {
  for (const p of svc.keys.values()) {
    const v = deref(cf.doc, p.value);
    if (isSeq(v) && !v.flow && v.items.length > 0) {
      const keyAt = (p.key as Node).range?.[0] ?? 0;
      const itemAt = nodeRange(v.items[0] as Node).start;
      const keyIndent = lineIndent(cf.source, keyAt).length;
      const dashIndent = lineIndent(cf.source, itemAt).length;
      return " ".repeat(Math.max(0, dashIndent - keyIndent));
    }
  }
  return "  ";
}

/** One indentation step of the file: how far services sit under `services:`. */
export function indentUnit(cf: ComposeFile): string {
  const svc = cf.services[0];
  return svc ? lineIndent(cf.source, svc.keyRange.start) || "  " : "  ";
}

/** Inserts a `key:` block at the end of a block map (its last pair's last line). */
export function appendToMap(src: SourceFile, map: YAMLMap, block: string): ReplaceEdit | null {
  if (map.flow) return null;
  const last = map.items[map.items.length - 1] as Pair | undefined;
  if (!last) return null;
  return insertLinesAfter(src, pairRange(last).end, block);
}

/** Inserts items at the end of a block sequence. */
export function appendToSeq(src: SourceFile, seq: YAMLSeq, items: string): ReplaceEdit | null {
  if (seq.flow || seq.items.length === 0) return null;
  return insertLinesAfter(src, nodeRange(seq.items[seq.items.length - 1] as Node).end, items);
}

/**
 * Adds a top-level entry (`configs:` → `name:` block) to a compose file: into the existing block map,
 * or as a new top-level key at the end of the file.
 */
export function addTopLevelEntry(
  cf: ComposeFile,
  section: string,
  name: string,
  body: string[],
): ReplaceEdit | null {
  const unit = indentUnit(cf);
  const root = cf.doc.contents;
  if (!isMap(root)) return null;
  const pair = getPair(cf.doc, root, section);
  const entry = `${unit}${name}:\n${body.map((l) => `${unit}${unit}${l}\n`).join("")}`;
  if (pair) {
    const m = deref(cf.doc, pair.value);
    return isMap(m) ? appendToMap(cf.source, m, entry) : null;
  }
  const text = cf.source.text;
  const end = text.length;
  const sep = text.endsWith("\n") ? "\n" : "\n\n";
  return replace(cf.source.absPath, { start: end, end }, `${sep}${section}:\n${entry}`);
}
