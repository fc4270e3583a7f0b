import { applyReplacements } from "../../core/edit.js";
import type { UpstreamRef } from "./upstream.js";

/** A byte-range replacement in one file's text. */
export interface HostEdit {
  start: number;
  end: number;
  text: string;
}

/**
 * The edit that replaces only the host of a reference (`app` → `{{ env "STACK_NAME" }}_app`), leaving
 * scheme, port, path, quotes and everything around them untouched. Throws when the reference no longer
 * matches the text, because splicing a stale range would corrupt the file.
 */
export function qualifyHost(text: string, ref: UpstreamRef, replacement: string): HostEdit {
  const { start, end } = ref.hostRange;
  if (start < 0 || end > text.length || start > end || text.slice(start, end) !== ref.host) {
    throw new RangeError(`stale reference: expected "${ref.host}" at ${start}..${end}`);
  }
  return { start, end, text: replacement };
}

/** Applies non-overlapping edits (core's splicer: back to front, overlaps refused). */
export function applyHostEdits(text: string, edits: HostEdit[]): string {
  return applyReplacements(
    text,
    edits.map((e) => ({ kind: "replace", file: "config", ...e })),
  );
}

/**
 * The template text of a stack-qualified name at `at` in a config. Inside a double-quoted string the
 * action uses a raw string (`{{ env \`STACK_NAME\` }}`), so the unrendered file stays well-formed. RF120's fix
 * writes it; RF120's caddy check tries it before a fix is offered.
 */
export function qualifiedName(text: string, at: number, service: string): string {
  const lineStart = text.lastIndexOf("\n", at - 1) + 1;
  const quotes = (text.slice(lineStart, at).match(/(?<!\\)"/g) ?? []).length;
  return quotes % 2 === 1 ? `{{ env \`STACK_NAME\` }}_${service}` : `{{ env "STACK_NAME" }}_${service}`;
}
