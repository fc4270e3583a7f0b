import type { Finding, FindingsDocument } from "../core/finding.js";
import { VERSION } from "../core/package.js";

export function findingsDocument(findings: Finding[]): FindingsDocument {
  return { tool: { name: "redfix", version: VERSION }, findings };
}

/** Stable text: two-space indent, a final newline, key order from the object literals. */
export function renderJson(doc: FindingsDocument): string {
  return [...findingsJsonChunks(doc)].join("");
}

/** The same text as `renderJson`, in pieces of one finding each, for writing without one huge string. */
export function findingsJsonChunks(doc: FindingsDocument): Iterable<string> {
  return jsonChunks({ ...doc, findings: [ITEMS] }, doc.findings, (f) => f);
}

/** Stands for the items of the one long array in a document skeleton. */
export const ITEMS = "\u0000items\u0000";

/**
 * `JSON.stringify(doc, null, 2)` plus a final newline, where `skeleton` is the document with its one
 * long array written as `[ITEMS]`: the items are rendered one at a time, each indented as the array
 * sits in the document. A run over thousands of recipes otherwise builds the whole document and its
 * text at once, which is where its peak memory was.
 */
export function* jsonChunks<T>(
  skeleton: unknown,
  items: readonly T[],
  toJson: (item: T) => unknown,
): Generator<string> {
  const text = `${JSON.stringify(skeleton, null, 2)}\n`;
  const marker = JSON.stringify(ITEMS);
  const at = text.indexOf(marker);
  const lineStart = text.lastIndexOf("\n", at) + 1;
  if (items.length === 0) {
    yield `${text.slice(0, text.lastIndexOf("[", at))}[]${text.slice(text.indexOf("]", at) + 1)}`;
    return;
  }
  // Rendered inside as many one-item arrays as the array is deep, an item comes out indented as in
  // the whole document; the wrapping is cut off again by length.
  const depth = (at - lineStart) / 2;
  const open = Array.from({ length: depth }, (_, d) => `${"  ".repeat(d)}[\n`).join("");
  const close = Array.from({ length: depth }, (_, d) => `\n${"  ".repeat(depth - 1 - d)}]`).join("");
  yield text.slice(0, lineStart);
  for (let i = 0; i < items.length; i++) {
    let wrapped: unknown = toJson(items[i]!);
    for (let d = 0; d < depth; d++) wrapped = [wrapped];
    const body = JSON.stringify(wrapped, null, 2);
    yield `${body.slice(open.length, body.length - close.length)}${i < items.length - 1 ? ",\n" : ""}`;
  }
  yield text.slice(at + marker.length);
}
